"""A proven lower bound on the roster's objective: a linear relaxation solved by GLOP, over
classes of agents rather than agents.

Agents with the same skills and contract form a class; its variables count the class's
agents on each (day, shift, queue), and each of its rows is the sum over its members of one
rule of theirs: one shift a day, rest, runs of days, shifts a week, the hours band. So any
roster gives a feasible point. Minutes off the contract are at least the class total's
distance from the class target; the fairness ladders enter by their convex envelope (k
weekend days among m agents cost at least k*W - m*j*(j+1)/2 for every j); wishes by zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from scheduling.roster_domain import Facts, covered, shift_minutes
from scheduling.roster_types import Instance

Key = tuple[int, int, int]  # (day, shift, queue)


@dataclass
class _Class:
    """Agents of the same skills and contract, and their variables."""

    members: list[int]
    y: dict[Key, Any] = field(default_factory=dict)
    by_day: list[list[Any]] = field(default_factory=list)
    by_day_shift: dict[tuple[int, int], list[Any]] = field(default_factory=dict)


def lower_bound(
    instance: Instance, facts: Facts, time_limit: float, *, fine: bool = False
) -> int | None:
    """The relaxation's optimum rounded up, or None when GLOP does not finish in time.

    `fine` puts only agents alike in every respect (offers, bands, wishes, history) in one
    class: a tighter bound, as many columns as the model when everyone differs."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    solver.SetTimeLimit(max(1, int(time_limit * 1000)))
    terms: list[Any] = []
    classes = _classes(solver, instance, facts, fine)
    for group in classes:
        _days(solver, instance, facts, group)
        _rest(solver, facts, group)
        _runs(solver, instance, facts, group)
        terms += _hours(solver, instance, facts, group)
        terms += _ladders(solver, instance, group)
        terms += _wishes(solver, instance, group)
    terms += _shortage(solver, instance, classes)
    solver.Minimize(solver.Sum(terms))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    value = float(solver.Objective().Value())
    return max(0, math.ceil(value - 1e-6 * max(1.0, abs(value))))


def _classes(solver: Any, instance: Instance, facts: Facts, fine: bool) -> list[_Class]:
    groups: dict[Any, _Class] = {}
    for index, agent in enumerate(instance.agents):
        key: tuple[Any, ...] = (agent.skills, agent.weekly_minutes, agent.tolerance_minutes)
        if fine:
            key += (facts.offered[index].tobytes(), facts.bands[index], agent.wishes,
                    agent.days_worked_before)
        groups.setdefault(key, _Class([])).members.append(index)
    for group in groups.values():
        agent = instance.agents[group.members[0]]
        queues = [instance.queues.index(q) for q in agent.skills]
        able = _able(facts, group)
        group.by_day = [[] for _ in range(instance.days)]
        for (day, shift), count in np.ndenumerate(able):
            for queue in queues if count else ():
                var = solver.NumVar(0, int(count), "")
                group.y[day, shift, queue] = var
                group.by_day[day].append(var)
                group.by_day_shift.setdefault((day, shift), []).append(var)
    return list(groups.values())


def _able(facts: Facts, group: _Class) -> Any:
    """[day, shift]: members who may work it."""
    return sum(facts.offered[i].astype(np.int64) for i in group.members)


def _days(solver: Any, instance: Instance, facts: Facts, group: _Class) -> None:
    """One shift a day: no more of the class on a day than are free that day."""
    free = np.zeros(instance.days, dtype=np.int64)
    for i in group.members:
        free += facts.offered[i].any(axis=1)
    for day, day_vars in enumerate(group.by_day):
        if len(day_vars) > 1:
            solver.Add(solver.Sum(day_vars) <= int(free[day]))


def _rest(solver: Any, facts: Facts, group: _Class) -> None:
    """A shift and the shifts too soon after it: at most one of them per member."""
    for (day, shift), first in group.by_day_shift.items():
        for (one, later), clash in facts.conflicts.items():
            others = [v for two in clash for v in group.by_day_shift.get((day + later, two), [])]
            if one != shift or not others:
                continue
            members = sum(
                1 for i in group.members
                if facts.offered[i][day, shift] or any(
                    day + later < facts.offered[i].shape[0] and facts.offered[i][day + later, two]
                    for two in clash))
            solver.Add(solver.Sum(first) + solver.Sum(others) <= members)


def _runs(solver: Any, instance: Instance, facts: Facts, group: _Class) -> None:
    """Runs of working days and shifts a week, summed over the members."""
    most = instance.rules.max_consecutive_days
    if most is not None:
        for first in range(-most, instance.days - most):
            days = range(max(0, first), first + most + 1)
            room = sum(most - (min(instance.agents[i].days_worked_before, -first)
                               if first < 0 else 0) for i in group.members)
            if len(days) > room / len(group.members) - 1e-9 or first < 0:
                solver.Add(solver.Sum(v for d in days for v in group.by_day[d]) <= room)
    cap = instance.rules.max_shifts_per_week
    if cap is not None:
        for days in instance.weeks():
            solver.Add(solver.Sum(v for d in days for v in group.by_day[d])
                       <= cap * len(group.members))


def _hours(solver: Any, instance: Instance, facts: Facts, group: _Class) -> list[Any]:
    """Each week's paid minutes within the members' bands; minutes off the contract."""
    minutes = shift_minutes(instance).tolist()
    terms = []
    for week, days in enumerate(instance.weeks()):
        bands = [facts.bands[i][week] for i in group.members]
        paid = solver.Sum(minutes[s] * v for (d, s, _), v in group.y.items() if d in days)
        credit = sum(b.credit for b in bands)
        solver.Add(paid + credit <= sum(b.high for b in bands))
        solver.Add(paid + credit >= sum(max(b.low, b.credit) for b in bands))
        if bands[0].target is not None and instance.weights.hours:
            target = sum(int(b.target or 0) for b in bands)
            off = solver.NumVar(0, solver.infinity(), "")
            solver.Add(off >= paid + credit - target)
            solver.Add(off >= target - paid - credit)
            terms.append(instance.weights.hours * off)
    return terms


def _ladders(solver: Any, instance: Instance, group: _Class) -> list[Any]:
    """Convex envelopes of the weekend and late ladders over the class."""
    weekend = [d for d in range(instance.days) if instance.weekend(d)]
    late = [v for (_, s, _), v in group.y.items() if instance.shifts[s].late]
    people = len(group.members)
    terms = []
    for weight, worked, most in (
        (instance.weights.weekend, [v for d in weekend for v in group.by_day[d]], len(weekend)),
        (instance.weights.late, late, instance.days),
    ):
        if weight and worked:
            cost = solver.NumVar(0, solver.infinity(), "")
            total = solver.Sum(worked)
            for k in range(1, most + 1):
                solver.Add(cost >= k * total - people * k * (k + 1) // 2)
            terms.append(weight * cost)
    return terms


def _wishes(solver: Any, instance: Instance, group: _Class) -> list[Any]:
    """Unmet wishes, when every member wished the same (else bounded by zero)."""
    wishes = instance.agents[group.members[0]].wishes
    if not instance.weights.wish or any(instance.agents[i].wishes != wishes
                                        for i in group.members):
        return []
    names = {s.name: i for i, s in enumerate(instance.shifts)}
    people = len(group.members)
    terms: list[Any] = []
    for wish in wishes:
        shift = names.get(str(wish.shift), -1)
        for day in range(instance.days) if wish.day is None else (wish.day,):
            chosen = solver.Sum(group.by_day_shift.get((day, shift), []))
            worked = solver.Sum(group.by_day[day])
            if wish.kind == "day_off":
                terms.append(worked)
            elif wish.kind == "avoid":
                terms.append(chosen)
            elif wish.day is not None:
                terms.append(people - chosen)
            else:
                terms.append(worked - chosen)
    return [instance.weights.wish * solver.Sum(terms)]


def _shortage(solver: Any, instance: Instance, classes: list[_Class]) -> list[Any]:
    members: dict[Key, list[Any]] = {}
    for group in classes:
        for key, var in group.y.items():
            members.setdefault(key, []).append(var)
    on_slot: dict[tuple[int, int], list[Any]] = {}
    for (day, shift, queue), chosen in members.items():
        count = solver.NumVar(0, solver.infinity(), "")
        solver.Add(count == solver.Sum(chosen))
        first, end = covered(instance, day, shift)
        for slot in range(first, end):
            on_slot.setdefault((queue, slot), []).append(count)
    terms = []
    for queue, curve in enumerate(instance.requirement):
        for slot, need in enumerate(curve):
            if need:
                short = solver.NumVar(0, need, "")
                solver.Add(short + solver.Sum(on_slot.get((queue, slot), [])) >= need)
                terms.append(short)
    return [instance.weights.shortage * solver.Sum(terms)]
