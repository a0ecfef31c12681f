"""Shift design (specs/shifts.md): which shifts to run and how many agents on each per day.

Public face: `parse_instance(doc)`, `solve(instance, params)`, `design_to_json(design)`,
and `design(doc, params)` which chains the three for `smena shifts design`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from scheduling.contract import InputError
from scheduling.shifts_domain import (
    Candidate,
    Design,
    Instance,
    Params,
    Penalty,
    Shift,
    ShiftType,
    Status,
    Weights,
    candidates,
    clock,
    coverage,
    objective,
    penalties,
)
from scheduling.shifts_input import parse_instance
from scheduling.shifts_model import most_agents_on_floor
from scheduling.shifts_search import search

__all__ = [
    "Design", "InputError", "Instance", "Params", "Penalty", "Shift", "ShiftType", "Weights",
    "coverage", "design", "design_to_json", "parse_instance", "penalties", "solve",
]

MAX_SHORTAGE_NOTES = 12


def solve(instance: Instance, params: Params) -> Design:
    """The best design found within `params.time_limit_seconds`, its figures recomputed
    from its counts; all counts zero is always a design, so there is always one."""
    shifts = candidates(instance)
    outcome = search(instance, shifts, params)
    rows = _rows(instance, shifts, outcome.counts)
    terms = penalties(instance, rows)
    total = objective(terms)
    bound = max(0.0, outcome.bound)
    if instance.weights.all_integer:
        bound = math.ceil(bound - 1e-6)  # whole weights give a whole objective
    bound = min(float(bound), total)
    proven = outcome.proven or total - bound <= 1e-9 * max(1.0, abs(total))
    status: Status = "OPTIMAL" if proven else "FEASIBLE"
    return Design(
        status=status,
        objective=total,
        bound=total if proven else bound,
        under=terms[0].amount,
        over=terms[1].amount,
        distinct_shifts=terms[2].amount,
        solve_seconds=outcome.seconds,
        shifts=rows,
        penalties=terms,
        notes=(
            _status_note(status, total, bound, params),
            *_shortage_notes(instance, most_agents_on_floor(instance, shifts)),
        ),
    )


def design_to_json(design: Design) -> dict[str, Any]:
    """The design as specs/shifts.md writes it, plus `penalties` and `notes` explaining it."""
    return {
        "status": design.status,
        "objective": _number(design.objective),
        "bound": _number(design.bound),
        "under": design.under,
        "over": design.over,
        "distinct_shifts": design.distinct_shifts,
        "solve_seconds": round(design.solve_seconds, 3),
        "shifts": [
            {"type": s.type, "start": s.start, "length": s.length, "counts": list(s.counts)}
            for s in design.shifts
        ],
        "penalties": [
            {"name": p.name, "amount": p.amount, "unit": p.unit,
             "weight": _number(p.weight), "cost": _number(p.cost)}
            for p in design.penalties
        ],
        "notes": list(design.notes),
    }


def design(doc: Any, params: Params | None = None) -> dict[str, Any]:
    """Parse, solve and render in one call; `InputError(path, reason)` on bad input."""
    return design_to_json(solve(parse_instance(doc), params or Params()))


def _rows(
    instance: Instance, shifts: Sequence[Candidate], counts: npt.NDArray[np.int64]
) -> tuple[Shift, ...]:
    """The counts as design rows, one per (start, length) in use, ordered by start."""
    rows = [
        Shift(shift.type, shift.start, shift.length, tuple(int(n) for n in counts[i]))
        for i, shift in enumerate(shifts)
        if counts[i].any()
    ]
    return tuple(sorted(rows, key=lambda row: (row.start, row.length)))


def _status_note(status: Status, total: float, bound: float, params: Params) -> str:
    if status == "OPTIMAL":
        return "proven optimal"
    limit = f"time limit of {params.time_limit_seconds:g} s reached"
    gap = (total - bound) / total if total else 0.0
    return f"{limit}; best bound {_number(bound)}, gap {gap:.1%}"


def _shortage_notes(instance: Instance, most: npt.NDArray[np.int64]) -> list[str]:
    """Runs of slots whose requirement no design can meet, and why."""
    need = np.asarray(instance.requirement, dtype=np.int64)
    short = np.clip(need - most, 0, None)
    notes: list[str] = []
    slot = 0
    while slot < len(short):
        if not short[slot]:
            slot += 1
            continue
        end = slot
        uncovered = most[slot] == 0
        while end < len(short) and short[end] and (most[end] == 0) == uncovered:
            end += 1
        why = (
            "no allowed shift covers these slots"
            if uncovered
            else f"max_agents_per_shift={instance.max_agents_per_shift} caps the head count"
        )
        notes.append(
            f"{clock(instance, slot)} to {clock(instance, end)}: "
            f"{int(short[slot:end].sum())} agent-slots short whatever the counts ({why})"
        )
        slot = end
    if len(notes) > MAX_SHORTAGE_NOTES:
        extra = len(notes) - MAX_SHORTAGE_NOTES
        notes = [*notes[:MAX_SHORTAGE_NOTES], f"and {extra} more such runs"]
    return notes


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
