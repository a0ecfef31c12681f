"""The whole roster in one CP-SAT model, started from the greedy roster as a hint."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from scheduling import roster_model as rm
from scheduling.roster_domain import OFF, Facts, Ints, Plan, covered, shift_minutes
from scheduling.roster_types import Instance, Status


@dataclass(frozen=True)
class Outcome:
    """What CP-SAT found: a status, a plan when it has one, and its proven bound."""

    status: Status
    plan: Plan | None
    bound: int | None


@dataclass
class RosterModel:
    """The CP-SAT model of the roster, or of some agents on some days with the rest fixed."""

    model: cp_model.CpModel
    agents: list[rm.AgentVars]
    free: range  # the days open to change
    need: Ints  # [queue, slot]: the requirement these agents face
    counts: dict[rm.Key, rm.Var] = field(default_factory=dict)
    short: dict[tuple[int, int], rm.Var] = field(default_factory=dict)
    off: dict[tuple[int, int], rm.Var] = field(default_factory=dict)  # (agent, week)
    weekend: dict[int, list[rm.Var]] = field(default_factory=dict)
    late: dict[int, list[rm.Var]] = field(default_factory=dict)


def build(
    instance: Instance, facts: Facts, *, agents: Sequence[int] | None = None,
    plan: Plan | None = None, free: range | None = None, need: Ints | None = None,
) -> RosterModel:
    """Every hard rule and every named penalty of the roster; with `agents`, `plan`, `free`
    and `need` only those agents on the `free` days, the rest of their plan fixed, facing
    `need` (the requirement less what everyone else covers)."""
    model = cp_model.CpModel()
    chosen = range(len(instance.agents)) if agents is None else agents
    days = range(instance.days) if free is None else free
    rows = None if plan is None else (plan.shift.tolist(), plan.queue.tolist())
    # Time off, unavailability, the rest after the last shift before day 0 and skills are
    # kept by offering each agent only the (day, shift, queue) they may take.
    vars_list = [rm.new_agent_vars(model, instance, index, facts.offered[index],
                                   None if rows is None else (rows[0][index], rows[1][index]),
                                   days)
                 for index in chosen]
    penalties = rm.Penalties()
    rm.add_one_shift_a_day(model, vars_list)
    rm.add_rest(model, vars_list, facts.conflicts)
    rm.add_max_consecutive_days(model, instance, vars_list)
    rm.add_max_shifts_per_week(model, instance, vars_list)
    required = np.asarray(instance.requirement, dtype=np.int64).reshape(
        len(instance.queues), -1)
    built = RosterModel(model, vars_list, days, required if need is None else need)
    for vars_ in vars_list:
        for week, band in enumerate(facts.bands[vars_.index]):
            rm.add_contract_hours(model, instance, vars_, band)
            if instance.weights.hours:
                off = rm.add_hours_deviation(model, instance, vars_, band, penalties)
                if off is not None:
                    built.off[vars_.index, week] = off
    built.counts, built.short = rm.add_coverage(model, instance, vars_list, penalties, need)
    built.weekend = rm.add_weekend_fairness(model, instance, vars_list, penalties)
    built.late = rm.add_late_fairness(model, instance, vars_list, penalties)
    rm.add_wishes(instance, vars_list, penalties)
    weights = instance.weights
    model.minimize(penalties.objective({
        "shortage": weights.shortage, "hours": weights.hours, "weekend": weights.weekend,
        "late": weights.late, "wish": weights.wish}))
    return built


def hint(built: RosterModel, instance: Instance, facts: Facts, plan: Plan) -> None:
    """Hint every variable with the value the plan gives it."""
    model = built.model
    shift_of, queue_of = plan.shift.tolist(), plan.queue.tolist()
    counts: dict[rm.Key, int] = {}
    for vars_ in built.agents:
        row, queues = shift_of[vars_.index], queue_of[vars_.index]
        for day in range(instance.days):
            if row[day] != OFF:
                key = (day, row[day], queues[day])
                counts[key] = counts.get(key, 0) + 1
        for (day, shift, queue), var in vars_.x.items():
            if day in built.free:
                model.add_hint(var, row[day] == shift and queues[day] == queue)
        for day in built.free:
            model.add_hint(vars_.works[day], row[day] != OFF)
        late = sum(instance.shifts[s].late for s in row if s != OFF)
        weekend = sum(1 for d, s in enumerate(row) if s != OFF and instance.weekend(d))
        for ladder, count in ((built.late, late), (built.weekend, weekend)):
            for k, step in enumerate(ladder.get(vars_.index, [])):
                model.add_hint(step, k < count)
    for key, var in built.counts.items():
        model.add_hint(var, counts.get(key, 0))
    cover = np.zeros_like(built.need)
    for (day, shift, queue), count in counts.items():
        first, end = covered(instance, day, shift)
        cover[queue, first:end] += count
    short = np.maximum(0, built.need - cover)
    for (queue, slot), var in built.short.items():
        model.add_hint(var, int(short[queue, slot]))
    minutes = shift_minutes(instance)
    for (agent, week), var in built.off.items():
        band = facts.bands[agent][week]
        row_ = plan.shift[agent, band.days.start:band.days.stop]
        done = int(np.where(row_ >= 0, minutes[row_], 0).sum()) + band.credit
        model.add_hint(var, abs(done - int(band.target or 0)))


def read_plan(built: RosterModel, solver: cp_model.CpSolver, instance: Instance) -> Plan:
    """The plan of the solver's best solution."""
    values = np.asarray(solver.response_proto.solution, dtype=np.int64)
    plan = Plan(np.full((len(instance.agents), instance.days), OFF, dtype=np.int64),
                np.full((len(instance.agents), instance.days), OFF, dtype=np.int64))
    for vars_ in built.agents:
        for (day, shift, queue), var in vars_.x.items():
            if values[var.index]:
                plan.shift[vars_.index, day] = shift
                plan.queue[vars_.index, day] = queue
    return plan


def solve_model(
    instance: Instance, facts: Facts, first: Plan | None, *, time_limit: float, workers: int,
    seed: int,
) -> Outcome:
    """The best plan CP-SAT finds from `first` within `time_limit` seconds, and its bound."""
    built = build(instance, facts)
    if first is not None:
        hint(built, instance, facts, first)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    code = solver.solve(built.model)
    if code == cp_model.INFEASIBLE:
        return Outcome("INFEASIBLE", None, None)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome("UNKNOWN", None, None)
    bound = math.ceil(solver.best_objective_bound - 1e-6)
    status: Status = "OPTIMAL" if code == cp_model.OPTIMAL else "FEASIBLE"
    return Outcome(status, read_plan(built, solver, instance), bound)
