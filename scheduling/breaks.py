"""Break scheduling (specs/breaks.md): place every agent's breaks so the phones stay covered.

`solve(instance, params)` first checks each agent alone and names those whose own rules
cannot hold. Then a local search builds and improves a plan; on instances small enough,
CP-SAT runs beside it to prove optimality; a Lagrangian relaxation proves the bound.
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
from scheduling.breaks_solver import BackgroundSolve, Outcome
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
_CP_SAT_STARTS_PER_SECOND = 600  # start literals CP-SAT digests per second of time limit


def solve(instance: Instance, params: Params) -> Plan:
    """The plan with the least sum of squared shortage found within `params`, or why none."""
    started = time.perf_counter()
    deadline = started + params.time_limit_seconds
    chains, reasons = chains_of(instance)
    if reasons:
        who = "agent" if len(reasons) == 1 else "agents"
        why = f"{len(reasons)} {who} cannot take their breaks under their own windows and rules"
        return _without_plan("INFEASIBLE", started, reason=why, agents=tuple(reasons))
    board = board_of(instance)
    held = held_on_break(board.slots, chains)
    over = np.flatnonzero(held > board.cap)
    if len(over):
        return _without_plan("INFEASIBLE", started, reason=_cap_reason(board, held, int(over[0])))
    search = Search(chains, board, params.seed)
    if not search.build():  # the cap left the quick search no place: CP-SAT alone decides
        alone = BackgroundSolve(
            chains, board, None, deadline=deadline, workers=params.workers, seed=params.seed
        )
        return _from_solver(instance, chains, board, alone.start().join(), started)
    floor = objective(board, held)
    starts, status, bound = _improve(search, chains, board, floor, params, started)
    return _plan(instance, chains, starts, status, bound, started)


def _improve(
    search: Search,
    chains: list[Chain],
    board: Board,
    floor: int,
    params: Params,
    started: float,
) -> tuple[list[Starts], Status, int]:
    """Local search, with CP-SAT beside it (or after it, with one worker) when small enough;
    then the bound. Returns the best starts, OPTIMAL or FEASIBLE, and the bound."""
    limit = params.time_limit_seconds
    deadline = started + limit
    until = deadline - _BOUND_SHARE * limit
    small = (
        sum(r.hi - r.lo + 1 for c in chains for r in c.ranges) <= _CP_SAT_STARTS_PER_SECOND * limit
    )
    solver: BackgroundSolve | None = None
    if small and params.workers > 1:
        solver = BackgroundSolve(
            chains,
            board,
            _placed(search),
            deadline=deadline,
            workers=params.workers - 1,
            seed=params.seed,
        ).start()
    elif small:
        until = started + 0.5 * limit

    def stop() -> bool:
        return (solver is not None and solver.done.is_set()) or search.objective() <= floor

    search.sweep(until, stop)
    search.ruin_and_recreate(until, stop)
    if small and solver is None:
        solver = BackgroundSolve(
            chains,
            board,
            _placed(search),
            deadline=until + 0.35 * limit,
            workers=1,
            seed=params.seed,
        ).start()
        solver.join()
    best, value = _placed(search), search.objective()
    bound = floor
    if value > floor and not (solver is not None and solver.done.is_set()):
        bound = lower_bound(chains, board, search.on_break, value, deadline)
    if solver is not None:
        if bound >= value:
            solver.stop()
        outcome = solver.join()
        assert outcome.status != "INFEASIBLE", "CP-SAT refuted a plan the search found"
        bound = max(bound, outcome.bound or 0)
        if outcome.starts is not None:
            theirs = objective(board, on_break(board.slots, chains, outcome.starts))
            if theirs < value or outcome.status == "OPTIMAL":
                best, value = outcome.starts, theirs
                bound = value if outcome.status == "OPTIMAL" else bound
    return best, ("OPTIMAL" if bound >= value else "FEASIBLE"), min(bound, value)


def _placed(search: Search) -> list[Starts]:
    return [s for s in search.starts if s is not None]


def _from_solver(
    instance: Instance, chains: list[Chain], board: Board, outcome: Outcome, started: float
) -> Plan:
    """The plan of CP-SAT alone, when the quick search could not place every agent."""
    if outcome.status == "INFEASIBLE":
        why = "max_on_break is too low: the breaks cannot all fit in their windows under it"
        return _without_plan("INFEASIBLE", started, reason=why)
    if outcome.starts is None:
        return _without_plan(
            "UNKNOWN", started, reason="no plan found in the time limit", bound=outcome.bound
        )
    value = objective(board, on_break(board.slots, chains, outcome.starts))
    bound = max(outcome.bound or 0, objective(board, held_on_break(board.slots, chains)))
    status: Status = "OPTIMAL" if outcome.status == "OPTIMAL" or bound >= value else "FEASIBLE"
    return _plan(instance, chains, outcome.starts, status, bound, started)


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


def _cap_reason(board: Board, held: np.ndarray[Any, Any], slot: int) -> str:
    return (
        f"max_on_break is {board.cap[slot]} at slot {slot}, but {held[slot]} agents must be on "
        "a break then (fixed breaks, not_before or windows that leave no choice)"
    )
