"""How a design is searched for, and how its bound is proven.

1. The linear relaxation (GLOP) without the distinct-shift term: a bound on shortage and
   surplus, and, shifts being runs of slots, usually a whole design already.
2. Local search from its rounded counts; when distinct shifts cost something it drops
   shifts one by one, keeping each drop the repaired design pays for.
3. CP-SAT from that design: over every candidate when they are few or distinct shifts are
   free (its bound then counts), else over the design's shifts and their neighbours.
The bound is the best of the relaxation, CP-SAT's, and the clock-time bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from scheduling.shifts_bound import distinct_shift_bound
from scheduling.shifts_domain import Candidate, Instance, Params
from scheduling.shifts_local import board, descend, improve
from scheduling.shifts_lp import relax
from scheduling.shifts_model import (
    add_hint,
    build_model,
    ceilings,
    most_agents_on_floor,
    worth_staffing,
)

FULL_MODEL_CANDIDATES = 300
RELAXATION_SHARE = 0.3
MOVES_PER_SECOND = 150  # local-search moves per second of limit: about a third of the time
CP_SAT_SHARE = 0.6  # of the time limit, when local search had its third

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Outcome:
    """The counts found ([shift, day]), a proven lower bound, and solver seconds spent."""

    counts: Ints
    bound: float
    proven: bool
    seconds: float


def search(instance: Instance, shifts: Sequence[Candidate], params: Params) -> Outcome:
    """The best counts found within the time limit, with the best bound proven."""
    limits = ceilings(instance, worth_staffing(instance, shifts))
    ceiling = np.zeros((len(shifts), instance.days), dtype=np.int64)
    for (index, day), most in limits.items():
        ceiling[index, day] = most
    relaxed = relax(instance, shifts, limits, params.time_limit_seconds * RELAXATION_SHARE)
    state = board(instance, shifts, ceiling, np.minimum(np.round(relaxed.counts), ceiling))
    moves = max(100, int(MOVES_PER_SECOND * params.time_limit_seconds))
    moves = descend(state, moves)
    if instance.weights.shift > 0:
        improve(state, moves, params.seed)
    incumbent = state.counts
    bound = relaxed.value if relaxed.solved else 0.0
    free = instance.weights.shift == 0
    if free and relaxed.whole and state.cost() <= bound + 1e-9:
        return Outcome(incumbent, bound, proven=True, seconds=relaxed.seconds)
    full = free or len(shifts) <= FULL_MODEL_CANDIDATES
    chosen = list(range(len(shifts))) if full else _neighbourhood(shifts, incumbent)
    found, cp_bound, proven, cp_seconds = _cp_sat(
        instance, shifts, chosen, incumbent, params,
        (CP_SAT_SHARE if instance.weights.shift > 0 else 0.9) * params.time_limit_seconds
        - relaxed.seconds,
    )
    if _cost(instance, shifts, found) <= _cost(instance, shifts, incumbent):
        incumbent = found
    if full:
        bound = max(bound, cp_bound)
    if not proven and instance.weights.shift > 0:
        bound = max(
            bound,
            distinct_shift_bound(
                instance,
                most_agents_on_floor(instance, shifts),
                shifts_at_most=len({index for index, _day in limits}),
                ceiling=_cost(instance, shifts, incumbent),
                error_floor=relaxed.value if relaxed.solved else 0.0,
            ),
        )
    return Outcome(incumbent, bound, proven, relaxed.seconds + cp_seconds)


def _cp_sat(
    instance: Instance,
    shifts: Sequence[Candidate],
    chosen: list[int],
    hint: Ints,
    params: Params,
    seconds: float,
) -> tuple[Ints, float, bool, float]:
    """CP-SAT over the chosen candidates from `hint`: counts, bound, proven, seconds."""
    model = build_model(instance, [shifts[i] for i in chosen])
    add_hint(
        model,
        instance,
        {(k, day): int(hint[i, day]) for k, i in enumerate(chosen) for day in range(instance.days)},
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = params.workers
    solver.parameters.random_seed = params.seed
    status = solver.solve(model.cp)
    if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        # All-zero counts satisfy every rule, so this is a defect in the model, not the input.
        raise RuntimeError(f"shift model is {solver.status_name(status)}: a defect")
    counts = np.zeros_like(hint)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for (k, day), var in model.counts.items():
            counts[chosen[k], day] = solver.value(var)
    else:
        counts = hint.copy()
    return counts, solver.best_objective_bound, status == cp_model.OPTIMAL, solver.wall_time


def _neighbourhood(shifts: Sequence[Candidate], counts: Ints) -> list[int]:
    """The shifts in use and every shift within two slots of one in start and length."""
    index = {(c.start, c.length): i for i, c in enumerate(shifts)}
    chosen: set[int] = set()
    for used in np.flatnonzero(counts.sum(axis=1)):
        shift = shifts[int(used)]
        for ds in range(-2, 3):
            for dl in range(-2, 3):
                if (near := index.get((shift.start + ds, shift.length + dl))) is not None:
                    chosen.add(near)
    return sorted(chosen)


def _cost(instance: Instance, shifts: Sequence[Candidate], counts: Ints) -> float:
    return board(instance, shifts, counts, counts).cost()
