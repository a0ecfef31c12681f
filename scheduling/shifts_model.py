"""The CP-SAT model of shift design: one `add_<rule>()` per business rule, penalties by name.

Variables: count[c, d] = agents on candidate shift c on day d. The head count per slot is
kept as a running sum (agents who started minus agents who finished), which keeps the
model linear in the number of shifts rather than in shifts times their length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from scheduling.shifts_domain import Candidate, Instance, covered_slots

Count = tuple[int, int]  # (candidate index, day)


@dataclass
class ShiftModel:
    """A built model: its variables by role, and each named penalty with its weight."""

    cp: cp_model.CpModel
    candidates: tuple[Candidate, ...]
    ceilings: dict[Count, int]
    counts: dict[Count, cp_model.IntVar] = field(default_factory=dict)
    on_floor: list[cp_model.IntVar] = field(default_factory=list)
    under: list[cp_model.IntVar] = field(default_factory=list)
    over: list[cp_model.IntVar] = field(default_factory=list)
    used: dict[int, cp_model.IntVar] = field(default_factory=dict)
    penalties: dict[str, tuple[cp_model.LinearExprT, float]] = field(default_factory=dict)


def build_model(instance: Instance, shifts: Sequence[Candidate]) -> ShiftModel:
    """The whole model over these candidate shifts."""
    worth = worth_staffing(instance, shifts)
    model = ShiftModel(cp_model.CpModel(), tuple(shifts), ceilings(instance, worth))
    add_shift_counts(model, worth)
    add_max_agents_per_shift(model, instance)
    add_coverage(model, instance)
    add_distinct_shift_penalty(model, instance)
    add_objective(model, instance)
    return model


def worth_staffing(instance: Instance, shifts: Sequence[Candidate]) -> dict[Count, int]:
    """The most agents worth putting on each shift on each day (pairs worth none left out).

    More agents than the requirement's peak while the shift runs would only add surplus
    and never remove a shortage, so the peak bounds the counts without losing any design.
    """
    slots_per_day = instance.slots_per_day
    requirement = np.asarray(instance.requirement, dtype=np.int64)
    tail = requirement[:slots_per_day] if instance.cyclic else np.zeros(slots_per_day, np.int64)
    extended = np.concatenate([requirement, tail])
    longest = max((c.length for c in shifts), default=1)
    peaks: dict[int, npt.NDArray[np.int64]] = {}
    worth: dict[Count, int] = {}
    for index, shift in enumerate(shifts):
        for day in range(instance.days):
            first = day * slots_per_day + shift.start
            if first not in peaks:
                peaks[first] = np.maximum.accumulate(extended[first : first + longest])
            if peak := int(peaks[first][shift.length - 1]):
                worth[index, day] = peak
    return worth


def ceilings(instance: Instance, worth: dict[Count, int]) -> dict[Count, int]:
    """The largest count each shift can take: its worth, lowered by `max_agents_per_shift`."""
    cap = instance.max_agents_per_shift
    return {key: peak if cap is None else min(peak, cap) for key, peak in worth.items()}


def most_agents_on_floor(instance: Instance, shifts: Sequence[Candidate]) -> npt.NDArray[np.int64]:
    """The largest head count each slot can reach, every shift filled to its ceiling."""
    cover = np.zeros(instance.horizon_slots, dtype=np.int64)
    for (index, day), cap in ceilings(instance, worth_staffing(instance, shifts)).items():
        shift = shifts[index]
        cover[covered_slots(instance, shift.start, shift.length, day)] += cap
    return cover


def add_shift_counts(model: ShiftModel, worth: dict[Count, int]) -> None:
    """How many agents start each allowed shift on each day: none up to the most worth it."""
    for (index, day), peak in worth.items():
        shift = model.candidates[index]
        name = f"count[{shift.start}+{shift.length}@day{day}]"
        model.counts[index, day] = model.cp.new_int_var(0, peak, name)


def add_max_agents_per_shift(model: ShiftModel, instance: Instance) -> None:
    """No shift has more than `max_agents_per_shift` agents on any one day."""
    if instance.max_agents_per_shift is None:
        return
    for count in model.counts.values():
        model.cp.add(count <= instance.max_agents_per_shift)


def add_coverage(model: ShiftModel, instance: Instance) -> None:
    """Agents are on the floor from their shift's start until its end; each slot's head
    count is set against the requirement, the shortfall counted as `under` and the excess
    as `over` (both in agent-slots)."""
    horizon, slots_per_day = instance.horizon_slots, instance.slots_per_day
    arrive: list[list[cp_model.IntVar]] = [[] for _ in range(horizon)]
    leave: list[list[cp_model.IntVar]] = [[] for _ in range(horizon)]
    most = np.zeros(horizon, dtype=np.int64)
    for (index, day), count in model.counts.items():
        shift = model.candidates[index]
        first = day * slots_per_day + shift.start
        end = first + shift.length
        arrive[first].append(count)
        most[covered_slots(instance, shift.start, shift.length, day)] += model.ceilings[index, day]
        if end < horizon:
            leave[end].append(count)
        elif instance.cyclic and end > horizon:
            leave[end - horizon].append(count)
            arrive[0].append(count)  # still on the floor when the week comes round
    previous: cp_model.LinearExpr = cp_model.LinearExpr.sum([])
    for slot, need in enumerate(instance.requirement):
        head = model.cp.new_int_var(0, int(most[slot]), f"on_floor[{slot}]")
        joined = cp_model.LinearExpr.sum(arrive[slot]) - cp_model.LinearExpr.sum(leave[slot])
        model.cp.add(head == previous + joined)
        short = model.cp.new_int_var(0, need, f"under[{slot}]")
        surplus = model.cp.new_int_var(0, max(0, int(most[slot]) - need), f"over[{slot}]")
        model.cp.add(head - need == surplus - short)
        model.on_floor.append(head)
        model.under.append(short)
        model.over.append(surplus)
        previous = head
    model.penalties["under"] = (sum(model.under), instance.weights.under)
    model.penalties["over"] = (sum(model.over), instance.weights.over)


def add_distinct_shift_penalty(model: ShiftModel, instance: Instance) -> None:
    """Each start-and-length combination run on any day costs `weights.shift`, so agents
    and supervisors have fewer shift patterns to remember."""
    if instance.weights.shift == 0:
        return
    for (index, day), count in model.counts.items():
        if index not in model.used:
            model.used[index] = model.cp.new_bool_var(f"used[{index}]")
        model.cp.add(count <= model.ceilings[index, day] * model.used[index])
    model.penalties["shift"] = (sum(model.used.values()), instance.weights.shift)


def add_objective(model: ShiftModel, instance: Instance) -> None:
    """Minimise the weighted sum of the named penalties."""
    whole = instance.weights.all_integer
    model.cp.minimize(
        sum(
            (int(weight) if whole else weight) * expr
            for expr, weight in model.penalties.values()
            if weight
        )
    )


def add_hint(model: ShiftModel, instance: Instance, counts: dict[Count, int]) -> None:
    """Start the search from these counts (absent ones zero), every variable hinted so the
    solver holds a whole design from the outset."""
    head = np.zeros(instance.horizon_slots, dtype=np.int64)
    for (index, day), var in model.counts.items():
        value = counts.get((index, day), 0)
        model.cp.add_hint(var, value)
        shift = model.candidates[index]
        head[covered_slots(instance, shift.start, shift.length, day)] += value
    for slot, need in enumerate(instance.requirement):
        model.cp.add_hint(model.on_floor[slot], int(head[slot]))
        model.cp.add_hint(model.under[slot], max(0, need - int(head[slot])))
        model.cp.add_hint(model.over[slot], max(0, int(head[slot]) - need))
    in_use = {index for (index, day) in model.counts if counts.get((index, day), 0)}
    for index, var in model.used.items():
        model.cp.add_hint(var, index in in_use)
