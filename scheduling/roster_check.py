"""One agent alone: a week plan within their own rules, or the rules that cannot all hold.

Coverage is soft, so every hard rule is one agent's own: the roster is infeasible exactly
when some agent alone is. For such an agent each rule is switched on by its own literal and
CP-SAT names a set of rules that cannot hold together, shrunk until none can be dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduling import roster_model as rm
from scheduling.roster_domain import (
    Band,
    Bools,
    Facts,
    Ints,
    Plan,
    coverage,
    covered,
    on_leave,
    shift_minutes,
    shortage,
    too_soon_after_last_shift,
    unavailable,
)
from scheduling.roster_greedy import AgentState, Board
from scheduling.roster_types import AgentReason, Explanation, Figure, Instance, Status
from scheduling.roster_words import reason_in_english

Choice = tuple[int, int, int]  # (day, shift, queue)
_ALONE_SECONDS = 5.0  # at most, for one agent the greedy could not place


@dataclass(frozen=True)
class Alone:
    """The agent's own verdict: FEASIBLE with choices, INFEASIBLE with a reason, or UNKNOWN."""

    status: Status
    choices: tuple[Choice, ...] = ()
    reason: tuple[Explanation, ...] = ()  # the clash, then each of its rules (roster_words)


def place_stuck(
    board: Board, stuck: list[int], *, deadline: float, seed: int
) -> tuple[list[AgentReason], bool]:
    """Place alone each agent the greedy could not, onto `board`; the reasons of those who
    cannot be placed, and whether every agent now has days."""
    instance, facts = board.instance, board.facts
    reasons: list[AgentReason] = []
    complete = True
    for index in sorted(stuck):
        left = min(_ALONE_SECONDS, max(0.1, deadline - time.perf_counter()))
        alone = place_alone(
            instance, facts, index, _short_covered(instance, board.plan), time_limit=left, seed=seed
        )
        if alone.status == "FEASIBLE":
            state = AgentState(board, index)
            for day, shift, queue in alone.choices:
                state.add(day, shift, queue)
        elif alone.status == "INFEASIBLE":
            reasons.append(
                AgentReason(
                    instance.agents[index].id,
                    reason_in_english(instance, alone.reason),
                    alone.reason,
                )
            )
        else:
            complete = False
    return reasons, complete


def _short_covered(instance: Instance, plan: Plan) -> Ints:
    """[day, shift, queue]: slots still short that each choice would cover."""
    short = shortage(instance, coverage(instance, plan)) > 0
    running = np.concatenate(
        [np.zeros((len(instance.queues), 1), dtype=np.int64), np.cumsum(short, axis=1)], axis=1
    )
    value = np.zeros((instance.days, len(instance.shifts), len(instance.queues)), dtype=np.int64)
    for day in range(instance.days):
        for shift in range(len(instance.shifts)):
            first, end = covered(instance, day, shift)
            value[day, shift] = running[:, end] - running[:, first]
    return value


def place_alone(
    instance: Instance, facts: Facts, index: int, value: Ints, *, time_limit: float, seed: int
) -> Alone:
    """The agent's days that cover the most `value` ([day, shift, queue]) within their rules."""
    model = cp_model.CpModel()
    vars_ = rm.new_agent_vars(model, instance, index, facts.offered[index])
    _add_own_rules(model, instance, facts, vars_)
    model.maximize(sum(int(value[key]) * var for key, var in vars_.x.items()))
    solver = _solver(time_limit, seed)
    code = solver.solve(model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = tuple(key for key, var in vars_.x.items() if solver.boolean_value(var))
        return Alone("FEASIBLE", chosen)
    if code == cp_model.INFEASIBLE:
        return Alone("INFEASIBLE", reason=explain(instance, facts, index, time_limit, seed))
    return Alone("UNKNOWN")


def _add_own_rules(
    model: cp_model.CpModel,
    instance: Instance,
    facts: Facts,
    vars_: rm.AgentVars,
    enforce: dict[str, rm.Var] | None = None,
) -> None:
    on = enforce or {}
    rm.add_one_shift_a_day(model, [vars_])
    rm.add_rest(model, [vars_], facts.conflicts, on.get("rest"))
    rm.add_max_consecutive_days(model, instance, [vars_], on.get("consecutive"))
    rm.add_max_shifts_per_week(model, instance, [vars_], on.get("week_cap"))
    for week, band in enumerate(facts.bands[vars_.index]):
        if enforce is None:
            rm.add_contract_hours(model, instance, vars_, band)
        else:
            rm.add_contract_hours(model, instance, vars_, band, on[f"floor{week}"])
            rm.add_contract_hours(model, instance, vars_, band, on[f"ceiling{week}"], lower=False)


def add_forbidden(
    model: cp_model.CpModel, vars_: rm.AgentVars, mask: Bools, enforce: rm.Var
) -> None:
    """No shift where `mask` ([day, shift]) says the agent may not work: time off,
    unavailability, or too little rest after the last shift before the roster."""
    for (day, shift, _), var in vars_.x.items():
        if mask[day, shift]:
            model.add(var == 0).only_enforce_if(enforce)


def explain(
    instance: Instance, facts: Facts, index: int, time_limit: float, seed: int
) -> tuple[Explanation, ...]:
    """Why the agent cannot be rostered: the smallest set of their rules found to clash."""
    agent = instance.agents[index]
    model = cp_model.CpModel()
    every = np.ones((instance.days, len(instance.shifts)), dtype=np.bool_)
    vars_ = rm.new_agent_vars(model, instance, index, every)
    phrases = _phrases(instance, facts, index)
    literals = {name: model.new_bool_var(name) for name in phrases}
    _add_own_rules(model, instance, facts, vars_, literals)
    masks = {
        "time_off": on_leave,
        "unavailable": unavailable,
        "last_shift": too_soon_after_last_shift,
    }
    for name, mask in masks.items():
        if name in literals:
            add_forbidden(model, vars_, mask(instance, agent), literals[name])
    core = _core(model, literals, time_limit, seed)
    if not core:
        return (Explanation("clash_unknown", {"name": agent.name}),)
    return _reason(instance, facts, index, [phrases[name] for name in core], core)


def _core(
    model: cp_model.CpModel, literals: dict[str, rm.Var], time_limit: float, seed: int
) -> list[str]:
    """Names of rules that cannot hold together, none of which can be dropped."""

    def infeasible(names: list[str]) -> bool:
        model.clear_assumptions()
        model.add_assumptions([literals[name] for name in names])
        return _solver(time_limit, seed).solve(model) == cp_model.INFEASIBLE

    names = list(literals)
    if not infeasible(names):
        return []
    for name in list(names):
        rest = [other for other in names if other != name]
        if infeasible(rest):
            names = rest
    return names


def _phrases(instance: Instance, facts: Facts, index: int) -> dict[str, Explanation]:
    """Each of the agent's rules, by name, as roster_words says it."""
    agent, rules = instance.agents[index], instance.rules
    phrases = {
        "time_off": Explanation("rule_time_off", {"days": _days([t.day for t in agent.time_off])}),
        "unavailable": Explanation(
            "rule_unavailable", {"days": _days([u.day for u in agent.unavailable])}
        ),
        "last_shift": Explanation("rule_last_shift"),
        "rest": Explanation("rule_rest", {"minutes": rules.min_rest_minutes}),
        "consecutive": Explanation(
            "rule_consecutive",
            {"days": rules.max_consecutive_days or 0, "before": agent.days_worked_before},
        ),
        "week_cap": Explanation("rule_week_cap", {"shifts": rules.max_shifts_per_week or 0}),
    }
    applies = {
        "time_off": bool(agent.time_off),
        "unavailable": bool(agent.unavailable),
        "last_shift": agent.last_end is not None,
        "rest": bool(facts.conflicts),
        "consecutive": rules.max_consecutive_days is not None,
        "week_cap": rules.max_shifts_per_week is not None,
    }
    phrases = {name: text for name, text in phrases.items() if applies[name]}
    for week, band in enumerate(facts.bands[index]):
        phrases[f"floor{week}"] = Explanation("rule_floor", _week(band) | {"minutes": band.low})
        phrases[f"ceiling{week}"] = Explanation(
            "rule_ceiling", _week(band) | {"minutes": band.high, "credit": band.credit}
        )
    return phrases


def _reason(
    instance: Instance, facts: Facts, index: int, parts: list[Explanation], names: list[str]
) -> tuple[Explanation, ...]:
    """The clash: the hours the contract needs against the rules that stop them."""
    agent = instance.agents[index]
    if len(names) == 1 and names[0].startswith("ceiling"):
        band = facts.bands[index][int(names[0].removeprefix("ceiling"))]
        return (
            Explanation(
                "credit_over_ceiling",
                _week(band) | {"name": agent.name, "credit": band.credit, "high": band.high},
            ),
        )
    if all(name.startswith(("floor", "ceiling")) for name in names):
        lengths = tuple(sorted({int(m) for m in shift_minutes(instance)}))
        return (Explanation("no_mix", {"name": agent.name, "lengths": lengths}), *parts)
    if any(name.startswith(("floor", "ceiling")) for name in names):
        return (Explanation("hours_unmet", {"name": agent.name}), *parts)
    return (Explanation("rules_clash", {"name": agent.name}), *parts)


def _days(days: list[int]) -> tuple[int, ...]:
    return tuple(sorted(set(days)))


def _week(band: Band) -> dict[str, Figure]:
    first, last = band.days.start, band.days.stop - 1
    return {"week": first // 7 + 1, "first": first, "last": last}


def _solver(time_limit: float, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    return solver
