"""A proven lower bound on the roster's objective: linear relaxations solved by GLOP, one
per week, over classes of agents rather than agents.

Agents with the same skills, contract and time off that week form a class; its variables
count the class's agents on each (day, shift, queue), and each of its rows is the sum over
its members of one rule of theirs: one shift a day, rest, runs of days, shifts a week, the
hours band. So any roster gives a feasible point of each week's programme. Minutes off the
contract are at least the class total's distance from the class target; the fairness
ladders enter by their convex envelope (W weekend days among m agents cost at least
k*W - m*k*(k+1)/2 for every k; and a horizon's ladder costs at least the sum of its weeks');
wishes by zero unless the whole class wished the same. What ties weeks together (rest and
runs across the week's edge, a shift of the day before reaching into the week) is dropped,
which only lowers the bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from scheduling.roster_domain import Band, Facts, Floats, Ints, covered, shift_minutes
from scheduling.roster_types import Instance

Key = tuple[int, int, int]  # (day, shift, queue)


@dataclass
class _Class:
    """Agents alike for the week's programme, and their variables."""

    members: list[int]
    y: dict[Key, Any] = field(default_factory=dict)
    by_day: dict[int, list[Any]] = field(default_factory=dict)
    by_day_shift: dict[tuple[int, int], list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Relaxation:
    """The bound, and the relaxation's plan: for each week and class of agents, how many of
    them work each (day, shift, queue); `class_of[agent, week]` indexes `targets`."""

    bound: int | None
    class_of: Ints
    targets: list[Floats]  # [day, shift, queue], zero outside the class's week


@dataclass(frozen=True)
class _Week:
    """The days of one week's programme and its index among the weeks."""

    index: int
    days: range


def relax(instance: Instance, facts: Facts, time_limit: float) -> Relaxation:
    """The sum of the weeks' optima rounded up (None when GLOP does not finish in time),
    and the weeks' plans."""
    deadline = time.perf_counter() + time_limit
    total: float | None = 0.0
    class_of = np.zeros((len(instance.agents), len(instance.weeks())), dtype=np.int64)
    shape = (instance.days, len(instance.shifts), len(instance.queues))
    targets: list[Floats] = [np.zeros(shape)]  # class 0: no plan (the week's LP failed)
    for index, days in enumerate(instance.weeks()):
        week = _Week(index, days)
        solved = _week_bound(instance, facts, week, deadline - time.perf_counter())
        if solved is None:
            total = None
            continue
        value, plans = solved
        total = None if total is None else total + value
        for members, target in plans:
            class_of[members, index] = len(targets)
            targets.append(target)
    bound = None if total is None else max(0, math.ceil(total - 1e-6 * max(1.0, abs(total))))
    return Relaxation(bound, class_of, targets)


def _week_bound(
    instance: Instance, facts: Facts, week: _Week, time_limit: float
) -> tuple[float, list[tuple[list[int], Floats]]] | None:
    """The week's optimum, and each class's members and head counts [day, shift, queue]."""
    if time_limit <= 0:
        return None
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    solver.SetTimeLimit(max(1, int(time_limit * 1000)))
    terms: list[Any] = []
    classes = _classes(solver, instance, facts, week)
    for group in classes:
        _one_a_day(solver, facts, week, group)
        _rest(solver, facts, group)
        _runs(solver, instance, week, group)
        terms += _hours(solver, instance, facts, week, group)
        terms += _ladders(solver, instance, week, group)
        terms += _wishes(solver, instance, week, group)
    terms += _shortage(solver, instance, week, classes)
    solver.Minimize(solver.Sum(terms))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    plans = []
    for group in classes:
        target = np.zeros((instance.days, len(instance.shifts), len(instance.queues)))
        for key, var in group.y.items():
            target[key] = var.solution_value()
        plans.append((group.members, target))
    return float(solver.Objective().Value()), plans


def _classes(solver: Any, instance: Instance, facts: Facts, week: _Week) -> list[_Class]:
    groups: dict[Any, _Class] = {}
    for index, agent in enumerate(instance.agents):
        leave = tuple((t.day, t.credit_minutes) for t in agent.time_off if t.day in week.days)
        key = (agent.skills, agent.weekly_minutes, agent.tolerance_minutes, leave)
        groups.setdefault(key, _Class([])).members.append(index)
    for group in groups.values():
        agent = instance.agents[group.members[0]]
        queues = [instance.queues.index(q) for q in agent.skills]
        able = np.zeros((instance.days, len(instance.shifts)), dtype=np.int64)
        for i in group.members:
            able += facts.offered[i]
        for day in week.days:
            group.by_day[day] = []
            for shift in range(len(instance.shifts)):
                for queue in queues if able[day, shift] else ():
                    var = solver.NumVar(0, int(able[day, shift]), "")
                    group.y[day, shift, queue] = var
                    group.by_day[day].append(var)
                    group.by_day_shift.setdefault((day, shift), []).append(var)
    return list(groups.values())


def _one_a_day(solver: Any, facts: Facts, week: _Week, group: _Class) -> None:
    """One shift a day: no more of the class on a day than are free that day."""
    for day in week.days:
        free = sum(1 for i in group.members if facts.offered[i][day].any())
        if len(group.by_day[day]) > 1:
            solver.Add(solver.Sum(group.by_day[day]) <= free)


def _rest(solver: Any, facts: Facts, group: _Class) -> None:
    """A shift and the shifts too soon after it: at most one of them per member."""
    for (day, shift), first in group.by_day_shift.items():
        for (one, later), clash in facts.conflicts.items():
            others = [v for two in clash for v in group.by_day_shift.get((day + later, two), [])]
            if one != shift or not others:
                continue
            members = sum(
                1 for i in group.members
                if facts.offered[i][day, shift] or any(facts.offered[i][day + later, two]
                                                       for two in clash))
            solver.Add(solver.Sum(first) + solver.Sum(others) <= members)


def _runs(solver: Any, instance: Instance, week: _Week, group: _Class) -> None:
    """Runs of working days (within the week; the first counts the days before the roster)
    and shifts a week, summed over the members."""
    most = instance.rules.max_consecutive_days
    if most is not None:
        earliest = -most if week.index == 0 else week.days.start
        for first in range(earliest, week.days.stop - most):
            days = range(max(week.days.start, first), first + most + 1)
            room = sum(most - (min(instance.agents[i].days_worked_before, -first)
                               if first < 0 else 0) for i in group.members)
            solver.Add(solver.Sum(v for d in days for v in group.by_day[d]) <= room)
    cap = instance.rules.max_shifts_per_week
    if cap is not None and len(week.days) > cap:
        solver.Add(solver.Sum(v for d in week.days for v in group.by_day[d])
                   <= cap * len(group.members))


def _hours(solver: Any, instance: Instance, facts: Facts, week: _Week, group: _Class
           ) -> list[Any]:
    """The week's paid minutes within the members' bands; minutes off the contract."""
    minutes = shift_minutes(instance).tolist()
    bands = [facts.bands[i][week.index] for i in group.members]
    paid = solver.Sum(minutes[s] * v for (_, s, _), v in group.y.items())
    credit = sum(b.credit for b in bands)
    solver.Add(paid + credit <= sum(b.high for b in bands))
    solver.Add(paid + credit >= sum(max(b.low, b.credit) for b in bands))
    _rounded_hours(solver, minutes, bands, group)
    if bands[0].target is None or not instance.weights.hours:
        return []
    target = sum(int(b.target or 0) for b in bands)
    off = solver.NumVar(0, solver.infinity(), "")
    solver.Add(off >= paid + credit - target)
    solver.Add(off >= target - paid - credit)
    return [instance.weights.hours * off]


def _rounded_hours(solver: Any, minutes: list[int], bands: list[Band], group: _Class) -> None:
    """Whole shifts: measured in units of each shift length L, a member works at most
    floor((high - credit) / L) units and at least ceil((low - credit) / L), counting each
    shift as floor (resp. ceil) of its length in units. (Chvatal-Gomory rounding of the
    band; without it the relaxation fills a short week with fractions of shifts.)"""
    for unit in sorted(set(minutes)):
        most = sum(max(0, b.high - b.credit) // unit for b in bands)
        least = sum(-(-max(0, b.low - b.credit) // unit) for b in bands)
        solver.Add(solver.Sum(minutes[s] // unit * v for (_, s, _), v in group.y.items())
                   <= most)
        if least:
            solver.Add(solver.Sum(-(-minutes[s] // unit) * v for (_, s, _), v in group.y.items())
                       >= least)


def _ladders(solver: Any, instance: Instance, week: _Week, group: _Class) -> list[Any]:
    """Convex envelopes of the weekend and late ladders over the class, this week."""
    weekend = [d for d in week.days if instance.weekend(d)]
    late = [v for (_, s, _), v in group.y.items() if instance.shifts[s].late]
    people = len(group.members)
    terms = []
    for weight, worked, most in (
        (instance.weights.weekend, [v for d in weekend for v in group.by_day[d]], len(weekend)),
        (instance.weights.late, late, len(week.days)),
    ):
        if weight and worked:
            cost = solver.NumVar(0, solver.infinity(), "")
            total = solver.Sum(worked)
            for k in range(1, most + 1):
                solver.Add(cost >= k * total - people * k * (k + 1) // 2)
            terms.append(weight * cost)
    return terms


def _wishes(solver: Any, instance: Instance, week: _Week, group: _Class) -> list[Any]:
    """Unmet wishes of the week, when every member wished the same (else bounded by zero)."""
    wishes = instance.agents[group.members[0]].wishes
    if not instance.weights.wish or any(instance.agents[i].wishes != wishes
                                        for i in group.members):
        return []
    names = {s.name: i for i, s in enumerate(instance.shifts)}
    people = len(group.members)
    terms: list[Any] = []
    for wish in wishes:
        shift = names.get(str(wish.shift), -1)
        for day in week.days if wish.day is None else [d for d in (wish.day,) if d in week.days]:
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


def _shortage(solver: Any, instance: Instance, week: _Week, classes: list[_Class]
              ) -> list[Any]:
    """Agents missing per queue and slot of the week; slots a shift of the day before the
    week could reach are left out (that shift is not in this week's programme)."""
    per_day = instance.slots_per_day
    first_slot, end_slot = week.days.start * per_day, week.days.stop * per_day
    reach = first_slot
    if week.days.start > 0:
        reach = max([covered(instance, week.days.start - 1, s)[1]
                     for s in range(len(instance.shifts))] + [first_slot])
    members: dict[Key, list[Any]] = {}
    for group in classes:
        for key, var in group.y.items():
            members.setdefault(key, []).append(var)
    on_slot: dict[tuple[int, int], list[Any]] = {}
    for (day, shift, queue), chosen in members.items():
        count = solver.NumVar(0, solver.infinity(), "")
        solver.Add(count == solver.Sum(chosen))
        first, end = covered(instance, day, shift)
        for slot in range(first, min(end, end_slot)):
            on_slot.setdefault((queue, slot), []).append(count)
    terms = []
    for queue, curve in enumerate(instance.requirement):
        for slot in range(reach, end_slot):
            if curve[slot]:
                short = solver.NumVar(0, curve[slot], "")
                solver.Add(short + solver.Sum(on_slot.get((queue, slot), [])) >= curve[slot])
                terms.append(short)
    return [instance.weights.shortage * solver.Sum(terms)]
