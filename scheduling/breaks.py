"""Break scheduling (specs/breaks.md): place every agent's breaks so the phones stay covered.

`solve(instance, params)` first checks each agent alone and names those whose own rules
cannot hold, and checks the cap against the breaks that cannot move. Then a local search
builds a plan and improves it. Where the cap binds, CP-SAT settles first whether the breaks
fit under it at all; on small instances CP-SAT also runs beside the search to prove
optimality; a Lagrangian relaxation proves the bound on the rest.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from scheduling.breaks_bound import lower_bound
from scheduling.breaks_chains import (
    Board,
    Chain,
    board_of,
    chains_of,
    held_on_break,
    objective,
    on_break,
)
from scheduling.breaks_explain import loads, short_slots
from scheduling.breaks_input import parse_instance
from scheduling.breaks_search import Search
from scheduling.breaks_solver import BackgroundSolve, Outcome, cap_feasible
from scheduling.breaks_types import (
    Agent,
    AgentReason,
    Break,
    BreakStart,
    Instance,
    Params,
    Plan,
    ShortSlot,
    Status,
)

Starts = tuple[int, ...]

__all__ = [
    "Agent",
    "AgentReason",
    "Break",
    "BreakStart",
    "Instance",
    "Params",
    "Plan",
    "ShortSlot",
    "Status",
    "parse_instance",
    "plan_to_json",
    "solve",
]

_BOUND_SHARE = 0.15  # of the time limit, for the Lagrangian bound at the end
_CAP_SHARE = 0.3  # of the time limit, at most, to settle whether a tight cap can be kept
_CAP_TOO_LOW = "max_on_break is too low: the breaks cannot all fit in their windows under it"
_CP_SAT_STARTS_PER_SECOND = 600  # start literals CP-SAT digests per second of time limit


def solve(instance: Instance, params: Params) -> Plan:
    """The plan with the least sum of squared shortage found within `params`, or why none."""
    started = time.perf_counter()
    chains, reasons = chains_of(instance)
    if reasons:
        who = "agent" if len(reasons) == 1 else "agents"
        why = f"{len(reasons)} {who} cannot take their breaks under their own windows and rules"
        return _without_plan("INFEASIBLE", started, reason=why, agents=tuple(reasons))
    board = board_of(instance)
    held = held_on_break(board.slots, chains)
    if (held > board.cap).any():
        return _without_plan("INFEASIBLE", started, reason=_cap_reason(board, held))
    search = Search(chains, board, params.seed)
    search.build()
    if search.over_cap() and not _fits_under_cap(search, chains, board, params):
        return _without_plan("INFEASIBLE", started, reason=_CAP_TOO_LOW)
    floor = objective(board, held)
    found, bound, outcome = _improve(search, chains, board, floor, params, started)
    return _decide(instance, chains, board, found, bound, outcome, started)


def _fits_under_cap(search: Search, chains: list[Chain], board: Board, params: Params) -> bool:
    """False when the breaks cannot fit under the cap at all; else start from a plan that
    keeps it, when CP-SAT found one in time."""
    limit = _CAP_SHARE * params.time_limit_seconds
    fit = cap_feasible(chains, board, time_limit=limit, workers=params.workers, seed=params.seed)
    if fit.starts is not None:
        search.restore(fit.starts)
    return fit.status != "INFEASIBLE"


def _improve(
    search: Search,
    chains: list[Chain],
    board: Board,
    floor: int,
    params: Params,
    started: float,
) -> tuple[list[Starts] | None, int, Outcome]:
    """Local search until the bound's share of the time; CP-SAT beside it (or after it, with
    one worker) on small instances or when the cap is still broken; then the bound. Returns
    the plan found by the search (None if it breaks the cap), a bound, CP-SAT's outcome."""
    limit = params.time_limit_seconds
    deadline = started + limit
    starts = sum(r.hi - r.lo + 1 for c in chains for r in c.ranges)
    with_solver = starts <= _CP_SAT_STARTS_PER_SECOND * limit or search.over_cap() > 0
    solver = None
    if with_solver and params.workers > 1:
        solver = _solver(search, chains, board, params, deadline, params.workers - 1)
    until = started + 0.5 * limit if with_solver and not solver else deadline - _BOUND_SHARE * limit

    def stop() -> bool:
        return (solver is not None and solver.done.is_set()) or search.cost() <= floor

    search.sweep(until, stop)
    search.ruin_and_recreate(until, stop)
    if with_solver and solver is None:  # one worker: CP-SAT after the search, not beside it
        solver = _solver(search, chains, board, params, deadline - _BOUND_SHARE * limit, 1)
        solver.join()
    found = search.plan() if search.over_cap() == 0 else None
    bound = floor
    if found is not None and search.objective() > floor and not (solver and solver.done.is_set()):
        bound = lower_bound(chains, board, search.on_break, search.objective(), deadline)
    if solver is None:
        return found, bound, Outcome("UNKNOWN", None, None)
    if found is not None and bound >= search.objective():
        solver.stop()
    return found, bound, solver.join()


def _solver(
    search: Search,
    chains: list[Chain],
    board: Board,
    params: Params,
    deadline: float,
    workers: int,
) -> BackgroundSolve:
    """CP-SAT started on its thread from the search's current plan."""
    plan = search.plan()
    return BackgroundSolve(
        chains, board, plan, deadline=deadline, workers=workers, seed=params.seed
    ).start()


def _decide(
    instance: Instance,
    chains: list[Chain],
    board: Board,
    found: list[Starts] | None,
    bound: int,
    outcome: Outcome,
    started: float,
) -> Plan:
    """The plan from what the search found, what CP-SAT found, and the bounds proven."""
    if outcome.status == "INFEASIBLE":
        assert found is None, "CP-SAT refuted a plan the search found"
        return _without_plan("INFEASIBLE", started, reason=_CAP_TOO_LOW)
    bound = max(bound, outcome.bound or 0)
    plans = [p for p in (found, outcome.starts) if p is not None]
    if not plans:
        why = "no plan within max_on_break found in the time limit"
        return _without_plan("UNKNOWN", started, reason=why, bound=bound)
    values = [objective(board, on_break(board.slots, chains, p)) for p in plans]
    value = min(values)
    if outcome.status == "OPTIMAL":
        bound = values[-1]  # CP-SAT proved its plan optimal
    status: Status = "OPTIMAL" if bound >= value else "FEASIBLE"
    return _plan(instance, chains, plans[values.index(value)], status, min(bound, value), started)


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as the JSON object of specs/breaks.md (plus `reason` and `short_slots`)."""
    doc: dict[str, Any] = {
        "status": plan.status,
        "objective": plan.objective,
        "bound": plan.bound,
        "shortage_total": plan.shortage_total,
        "shortage_peak": plan.shortage_peak,
        "solve_seconds": round(plan.solve_seconds, 2),
        "breaks": [{"agent": b.agent, "name": b.name, "start": b.start} for b in plan.breaks],
        "infeasible_agents": [
            {"agent": a.agent, "reason": a.reason} for a in plan.infeasible_agents
        ],
    }
    if plan.reason is not None:
        doc["reason"] = plan.reason
    doc["short_slots"] = [
        {
            "slot": s.slot,
            "short": s.short,
            "required": s.required,
            "on_shift": s.on_shift,
            "on_break": s.on_break,
            "why": s.why,
        }
        for s in plan.short_slots
    ]
    return doc


def _plan(
    instance: Instance,
    chains: list[Chain],
    starts: list[Starts],
    status: Status,
    bound: int | None,
    started: float,
) -> Plan:
    load = loads(instance, chains, starts)
    value = int((load.short**2).sum())
    if status == "OPTIMAL" or (bound is not None and bound >= value):
        status, bound = "OPTIMAL", value
    return Plan(
        status=status,
        objective=value,
        bound=bound,
        shortage_total=int(load.short.sum()),
        shortage_peak=int(load.short.max(initial=0)),
        solve_seconds=time.perf_counter() - started,
        breaks=tuple(
            BreakStart(agent.id, brk.name, start)
            for agent, agent_starts in zip(instance.agents, starts, strict=True)
            for brk, start in zip(agent.breaks, agent_starts, strict=True)
        ),
        short_slots=short_slots(instance, chains, load),
    )


def _without_plan(
    status: Status,
    started: float,
    *,
    reason: str,
    agents: tuple[AgentReason, ...] = (),
    bound: int | None = None,
) -> Plan:
    return Plan(
        status=status,
        objective=None,
        bound=bound,
        shortage_total=None,
        shortage_peak=None,
        solve_seconds=time.perf_counter() - started,
        infeasible_agents=agents,
        reason=reason,
    )


def _cap_reason(board: Board, held: np.ndarray[Any, Any]) -> str:
    slot = int(np.flatnonzero(held > board.cap)[0])
    return (
        f"max_on_break is {board.cap[slot]} at slot {slot}, but {held[slot]} agents must be on "
        "a break then (fixed breaks, not_before or windows that leave no choice)"
    )
