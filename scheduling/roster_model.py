"""The roster as a CP-SAT model: one bool per agent, day, shift and queue the agent may take,
one `add_<rule>()` per business rule, each penalty a named set of variables.

Hard rules: one shift a day, rest between shifts, runs of working days, shifts a week,
contracted hours within the tolerance, time off, unavailability, skills. Soft rules (the
objective): agents missing on a queue, minutes off the contract, weekend and late-shift
ladders, unmet wishes. Each builder takes an optional `enforce` literal so the same rule can
be switched on and off when an agent's rules are checked alone (roster_check.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduling.roster_domain import Band, Bools, Ints, covered, shift_minutes
from scheduling.roster_types import Instance

Var = cp_model.IntVar
Key = tuple[int, int, int]  # (day, shift, queue)


@dataclass
class AgentVars:
    """One agent's choices: x[day, shift, queue] offered, works[day] = any shift that day."""

    index: int
    x: dict[Key, Var]
    works: list[Var]


@dataclass
class Penalties:
    """The soft terms, each a list of (variable or expression, coefficient) by name."""

    terms: dict[str, list[tuple[cp_model.LinearExprT, int]]] = field(default_factory=dict)

    def add(self, name: str, expr: cp_model.LinearExprT, coefficient: int = 1) -> None:
        self.terms.setdefault(name, []).append((expr, coefficient))

    def objective(self, weights: dict[str, int]) -> cp_model.LinearExprT:
        parts = [
            weights[name] * coefficient * expr
            for name, entries in self.terms.items()
            if weights[name]
            for expr, coefficient in entries
        ]
        return sum(parts, cp_model.LinearExpr.constant(0))


def new_agent_vars(
    model: cp_model.CpModel, instance: Instance, index: int, offered: Bools,
    fixed: tuple[list[int], list[int]] | None = None, free: range | None = None,
) -> AgentVars:
    """The agent's choice variables: one per (day, shift, queue of their skills) offered.

    With `fixed` (the agent's shift and queue per day, -1 when off) only the days in `free`
    are open; on the others the agent's day is a constant, so every rule still sees it."""
    agent = instance.agents[index]
    queues = [instance.queues.index(skill) for skill in agent.skills]
    x: dict[Key, Var] = {}
    works: list[Var] = []
    for day in range(instance.days):
        if fixed is not None and free is not None and day not in free:
            shift, queue = fixed[0][day], fixed[1][day]
            if shift >= 0:
                x[day, shift, queue] = model.new_constant(1)
            works.append(model.new_constant(int(shift >= 0)))
            continue
        for shift in range(len(instance.shifts)):
            if offered[day, shift]:
                for queue in queues:
                    x[day, shift, queue] = model.new_bool_var(f"x{index}_{day}_{shift}_{queue}")
        works.append(model.new_bool_var(f"w{index}_{day}"))
    return AgentVars(index, x, works)


def _post(constraint: cp_model.Constraint, enforce: Var | None) -> None:
    if enforce is not None:
        constraint.only_enforce_if(enforce)


def add_one_shift_a_day(model: cp_model.CpModel, agents: Sequence[AgentVars]) -> None:
    """An agent works at most one shift a day, on one queue; `works` says whether they do."""
    for agent in agents:
        by_day: list[list[Var]] = [[] for _ in agent.works]
        for (day, _, _), var in agent.x.items():
            by_day[day].append(var)
        for day, choices in enumerate(by_day):
            model.add(agent.works[day] == sum(choices))


def add_rest(
    model: cp_model.CpModel,
    agents: Sequence[AgentVars],
    conflicts: dict[tuple[int, int], tuple[int, ...]],
    enforce: Var | None = None,
) -> None:
    """Between the end of one shift and the start of the next, at least the minimum rest."""
    later_of: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
    for (one, later), too_soon in conflicts.items():
        later_of.setdefault(one, []).append((later, too_soon))
    for agent in agents:
        by_day_shift: dict[tuple[int, int], list[Var]] = {}
        for (day, shift, _), var in agent.x.items():
            by_day_shift.setdefault((day, shift), []).append(var)
        for (day, shift), first in by_day_shift.items():
            for later, too_soon in later_of.get(shift, []):
                clash = [v for two in too_soon for v in by_day_shift.get((day + later, two), [])]
                if clash:
                    _post(model.add(sum(first) + sum(clash) <= 1), enforce)


def add_max_consecutive_days(
    model: cp_model.CpModel, instance: Instance, agents: Sequence[AgentVars],
    enforce: Var | None = None,
) -> None:
    """No more than `max_consecutive_days` working days in a row, counting the days worked
    just before the roster starts."""
    most = instance.rules.max_consecutive_days
    if most is None:
        return
    for agent in agents:
        before = instance.agents[agent.index].days_worked_before
        for first in range(-most, instance.days - most):
            days = range(max(0, first), first + most + 1)
            history = min(before, -first) if first < 0 else 0
            if len(days) + history > most:
                _post(model.add(sum(agent.works[d] for d in days) <= most - history), enforce)


def add_max_shifts_per_week(
    model: cp_model.CpModel, instance: Instance, agents: Sequence[AgentVars],
    enforce: Var | None = None,
) -> None:
    """No more than `max_shifts_per_week` shifts in any week of the roster."""
    most = instance.rules.max_shifts_per_week
    if most is None:
        return
    for agent in agents:
        for days in instance.weeks():
            if len(days) > most:
                _post(model.add(sum(agent.works[d] for d in days) <= most), enforce)


def worked_minutes(instance: Instance, agent: AgentVars, days: range) -> cp_model.LinearExprT:
    """Paid minutes the agent works on `days`."""
    minutes = shift_minutes(instance).tolist()
    return sum(
        (minutes[s] * var for (d, s, _), var in agent.x.items() if d in days),
        cp_model.LinearExpr.constant(0),
    )


def add_contract_hours(
    model: cp_model.CpModel, instance: Instance, agent: AgentVars, band: Band,
    enforce: Var | None = None, *, lower: bool = True,
) -> None:
    """In a full week, worked minutes plus time-off credit stay within the contract plus or
    minus the tolerance; a shorter last week only has the ceiling. `lower` False drops the
    floor (for checking one side alone)."""
    done = worked_minutes(instance, agent, band.days) + band.credit
    if lower and band.low > band.credit:
        _post(model.add(done >= band.low), enforce)
    _post(model.add(done <= band.high), enforce)


def add_hours_deviation(
    model: cp_model.CpModel, instance: Instance, agent: AgentVars, band: Band,
    penalties: Penalties,
) -> Var | None:
    """Soft: each minute a full week's worked minutes plus credit sit off the contract."""
    if band.target is None:
        return None
    done = worked_minutes(instance, agent, band.days) + band.credit
    most = max(band.target, len(band.days) * 1440 + band.credit)
    off = model.new_int_var(0, most, f"off{agent.index}_{band.days.start}")
    model.add(off >= done - band.target)
    model.add(off >= band.target - done)
    penalties.add("hours", off)
    return off


def add_weekend_fairness(
    model: cp_model.CpModel, instance: Instance, agents: Sequence[AgentVars],
    penalties: Penalties,
) -> dict[int, list[Var]]:
    """Soft: weekends are shared out; the k-th weekend day one agent works costs k-1."""
    weekend = [d for d in range(instance.days) if instance.weekend(d)]
    ladders = {}
    if instance.weights.weekend:
        for agent in agents:
            count = sum(agent.works[d] for d in weekend)
            ladders[agent.index] = _ladder(model, count, len(weekend), "weekend", penalties)
    return ladders


def add_late_fairness(
    model: cp_model.CpModel, instance: Instance, agents: Sequence[AgentVars],
    penalties: Penalties,
) -> dict[int, list[Var]]:
    """Soft: late shifts are shared out; the k-th late shift one agent works costs k-1."""
    ladders = {}
    if instance.weights.late:
        for agent in agents:
            late = [v for (d, s, _), v in agent.x.items() if instance.shifts[s].late]
            days = len({d for (d, s, _) in agent.x if instance.shifts[s].late})
            ladders[agent.index] = _ladder(model, sum(late), days, "late", penalties)
    return ladders


def _ladder(
    model: cp_model.CpModel, count: cp_model.LinearExprT, most: int, name: str,
    penalties: Penalties,
) -> list[Var]:
    """Steps 1..most: step k is on when the count reaches k; steps fill from the bottom."""
    steps = [model.new_bool_var(f"{name}{k}") for k in range(most)]
    model.add(sum(steps) == count)
    for lower, upper in itertools.pairwise(steps):
        model.add_implication(upper, lower)
    for k, step in enumerate(steps):
        if k:
            penalties.add(name, step, k)
    return steps


def add_coverage(
    model: cp_model.CpModel, instance: Instance, agents: Sequence[AgentVars],
    penalties: Penalties, need: Ints | None = None,
) -> tuple[dict[Key, Var], dict[tuple[int, int], Var]]:
    """Soft, and first: each agent missing on a queue in a slot costs the shortage weight.
    Returns the head counts per (day, shift, queue) and the shortage per (queue, slot).

    `need` ([queue, slot]) replaces the requirement when only some agents are in the model
    (the requirement less what the others cover); then slots none of them can reach, whose
    shortage they cannot change, are left out."""
    members: dict[Key, list[Var]] = {}
    for agent in agents:
        for key, var in agent.x.items():
            members.setdefault(key, []).append(var)
    counts: dict[Key, Var] = {}
    by_slot: dict[tuple[int, int], list[Var]] = {}
    for (day, shift, queue), chosen in members.items():
        count = model.new_int_var(0, len(chosen), f"n{day}_{shift}_{queue}")
        model.add(count == sum(chosen))
        counts[day, shift, queue] = count
        first, end = covered(instance, day, shift)
        for slot in range(first, end):
            by_slot.setdefault((queue, slot), []).append(count)
    curves = instance.requirement if need is None else need.tolist()
    short: dict[tuple[int, int], Var] = {}
    for queue, curve in enumerate(curves):
        for slot, needed in enumerate(curve):
            reach = by_slot.get((queue, slot))
            if needed > 0 and (reach or need is None):
                var = model.new_int_var(0, needed, f"s{queue}_{slot}")
                model.add(var + sum(reach or []) >= needed)
                short[queue, slot] = var
                penalties.add("shortage", var)
    return counts, short


def add_wishes(
    instance: Instance, agents: Sequence[AgentVars], penalties: Penalties
) -> None:
    """Soft: each wish the roster does not grant costs the wish weight (a wish for every
    day counts once per day it is not granted)."""
    names = {s.name: i for i, s in enumerate(instance.shifts)}
    for vars_ in agents:
        agent = instance.agents[vars_.index]
        if not agent.wishes:
            continue
        on: dict[tuple[int, int], list[Var]] = {}
        for (day, shift, _), var in vars_.x.items():
            on.setdefault((day, shift), []).append(var)
        for wish in agent.wishes:
            shift = names.get(str(wish.shift), -1)
            for day in range(instance.days) if wish.day is None else (wish.day,):
                chosen = sum(on.get((day, shift), []))
                if wish.kind == "day_off":
                    penalties.add("wish", vars_.works[day])
                elif wish.kind == "avoid":
                    penalties.add("wish", chosen)
                elif wish.day is not None:
                    penalties.add("wish", 1 - chosen)
                else:
                    penalties.add("wish", vars_.works[day] - chosen)
