"""The linear relaxation of shift design without the distinct-shift term, solved by GLOP.

Shifts are runs of consecutive slots, so this relaxation is nearly always whole: when it
is, it is the best design outright; either way its value bounds the shortage-and-surplus
cost of every design from below, and its counts are where the search starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp

from scheduling.shifts_domain import Candidate, Instance

Count = tuple[int, int]  # (candidate index, day)


@dataclass(frozen=True)
class Relaxation:
    """The relaxation's counts ([shift, day], fractional), value, and whether it is solved."""

    counts: npt.NDArray[np.float64]
    value: float
    solved: bool
    seconds: float

    @property
    def whole(self) -> bool:
        return self.solved and bool(np.all(np.abs(self.counts - np.round(self.counts)) < 1e-6))


def relax(
    instance: Instance, shifts: Sequence[Candidate], ceilings: dict[Count, int], seconds: float
) -> Relaxation:
    """Solve the relaxation within `seconds`; unsolved gives zero counts and value 0."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    lp.SetTimeLimit(max(1, int(seconds * 1000)))
    horizon, slots_per_day = instance.horizon_slots, instance.slots_per_day
    # Row t: head[t] - head[t-1] - (agents arriving at t) + (agents leaving at t) = 0.
    flow = [lp.Constraint(0.0, 0.0) for _ in range(horizon)]
    counts: dict[Count, pywraplp.Variable] = {}
    for (index, day), ceiling in ceilings.items():
        var = counts[index, day] = lp.NumVar(0.0, float(ceiling), "")
        first = day * slots_per_day + shifts[index].start
        end = first + shifts[index].length
        moves = [(first, -1.0)]
        if end < horizon:
            moves.append((end, 1.0))
        elif instance.cyclic and end > horizon:  # on the floor again when the week comes round
            moves += [(end - horizon, 1.0), (0, -1.0)]
        for row, sign in moves:  # a whole-week shift arrives and leaves in the same row
            flow[row].SetCoefficient(var, flow[row].GetCoefficient(var) + sign)
    objective = lp.Objective()
    previous = None
    for slot, need in enumerate(instance.requirement):
        head = lp.NumVar(0.0, lp.infinity(), "")
        flow[slot].SetCoefficient(head, 1.0)
        if previous is not None:
            flow[slot].SetCoefficient(previous, -1.0)
        short, surplus = lp.NumVar(0.0, float(need), ""), lp.NumVar(0.0, lp.infinity(), "")
        gap = lp.Constraint(float(need), float(need))  # head + short - surplus = need
        for var, coefficient in ((head, 1.0), (short, 1.0), (surplus, -1.0)):
            gap.SetCoefficient(var, coefficient)
        objective.SetCoefficient(short, instance.weights.under)
        objective.SetCoefficient(surplus, instance.weights.over)
        previous = head
    objective.SetMinimization()
    values = np.zeros((len(shifts), instance.days))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return Relaxation(values, 0.0, solved=False, seconds=lp.WallTime() / 1000)
    for (index, day), var in counts.items():
        values[index, day] = var.solution_value()
    return Relaxation(values, objective.Value(), solved=True, seconds=lp.WallTime() / 1000)
