"""Improving a roster by local search: move one agent's shift to the best other shift, day
or queue (or drop it, or add one) while the objective falls.

Every move's gain is exact (Board.gains) and every move keeps every hard rule (AgentState.
fits and the weekly floors), so the plan stays a valid roster throughout.
"""

from __future__ import annotations

import time

import numpy as np

from scheduling.roster_domain import ladder, unmet_wishes
from scheduling.roster_greedy import AgentState, Board

_EPS = 1e-6


def improve(board: Board, deadline: float, rng: np.random.Generator) -> None:
    """Local search until no move gains or `deadline` (perf_counter seconds)."""
    agents = range(len(board.instance.agents))
    while time.perf_counter() < deadline and _sweep(board, agents, deadline, rng):
        pass


def _sweep(board: Board, agents: range | list[int], deadline: float,
           rng: np.random.Generator) -> bool:
    """One pass of moves over `agents` in random order; whether any move was made."""
    moved = False
    for index in rng.permutation(np.asarray(agents, dtype=np.int64)):
        if time.perf_counter() >= deadline:
            break
        state = AgentState(board, int(index))
        for day in rng.permutation(np.flatnonzero(state.row >= 0)):
            moved |= _relocate(board, state, int(day))
        while state.take(board.gains(state), positive_only=True, above=_EPS) is not None:
            moved = True
    return moved


def _relocate(board: Board, state: AgentState, day: int) -> bool:
    """Move the agent's shift on `day` to the best choice open to them, if that gains."""
    week = int(board.week_of[day])
    shift, queue = state.drop(day)
    gains = board.gains(state)
    stay = float(gains[day, shift, queue])
    missing = state.bands[week].low - state.done[week]
    if missing > 0:  # the week would fall below its floor: only a long enough shift in it
        gains[board.week_of != week] = -np.inf
        gains[:, board.minutes < missing] = -np.inf
        if state.take(gains, positive_only=True, above=stay + _EPS) is not None:
            return True
    else:
        if state.take(gains, positive_only=True, above=max(stay, 0.0) + _EPS) is not None:
            return True
        if stay < -_EPS:
            return True  # better off
    state.add(day, shift, queue)
    return False


def agent_cost(board: Board, index: int) -> int:
    """The agent's own penalties: minutes off contract, ladders, unmet wishes, weighted."""
    instance, weights = board.instance, board.instance.weights
    row = board.plan.shift[index]
    worked = row >= 0
    minutes = np.where(worked, board.minutes[row], 0)
    hours = sum(abs(int(minutes[b.days.start:b.days.stop].sum()) + b.credit - b.target)
                for b in board.facts.bands[index] if b.target is not None)
    return (weights.hours * hours
            + weights.weekend * ladder(int((worked & board.weekend).sum()))
            + weights.late * ladder(int((worked & board.late[row]).sum()))
            + weights.wish * unmet_wishes(instance, instance.agents[index], row))
