"""Large-neighbourhood search: again and again, free some agents on some days, keep the rest
of the roster fixed, and let CP-SAT find their best days; keep what is better.

Neighbourhoods: agents around a short slot on the days about it; a random window of days
for random agents; a few random agents over the whole horizon. Their size follows the
solver: grown while CP-SAT proves them optimal quickly, shrunk when it runs out of time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduling.roster_domain import OFF, covered
from scheduling.roster_greedy import AgentState, Board
from scheduling.roster_search import agent_cost
from scheduling.roster_solver import build, hint

_STEP_SECONDS = 1.0  # time limit of one neighbourhood
_MIN_AGENTS, _MAX_AGENTS = 4, 400
_IN_VAIN = 30  # neighbourhoods in a row proven without gain after which the search stops


@dataclass
class Neighbourhood:
    """Which agents are freed, on which days."""

    agents: list[int]
    days: range


class Lns:
    """The search state: the board, the random stream, and the current neighbourhood size."""

    def __init__(self, board: Board, seed: int, workers: int) -> None:
        self.board, self.workers, self.seed = board, workers, seed
        self.rng = np.random.default_rng(seed)
        self.budget = 1500  # choice variables per neighbourhood, adapted as it goes
        self.steps = self.improved = 0

    def run(self, deadline: float) -> None:
        """Search until `deadline` (perf_counter seconds), or until many neighbourhoods in a
        row, each solved to optimality, brought nothing (a local optimum for all of them)."""
        proven_in_vain = 0
        while deadline - time.perf_counter() > 0.2 and proven_in_vain < _IN_VAIN:
            hood = self._pick()
            left = min(_STEP_SECONDS, deadline - time.perf_counter())
            self.steps += 1
            better, proven = self._solve(hood, left)
            self.improved += better
            proven_in_vain = 0 if better or not proven else proven_in_vain + 1

    def _pick(self) -> Neighbourhood:
        instance, rng = self.board.instance, self.rng
        kind = rng.choice(3, p=(0.45, 0.45, 0.1))
        short = np.argwhere(self.board.residual > 0)
        if kind == 0 and len(short):
            queue, slot = short[rng.integers(len(short))]
            day = int(slot) // instance.slots_per_day
            days = range(max(0, day - 1), min(instance.days, day + 2))
            able = [i for i, a in enumerate(instance.agents)
                    if instance.queues[int(queue)] in a.skills]
            return Neighbourhood(self._some(able, days), days)
        if kind == 1 or instance.days <= 3:
            width = int(rng.integers(1, min(4, instance.days) + 1))
            first = int(rng.integers(instance.days - width + 1))
            days = range(first, first + width)
            return Neighbourhood(self._some(list(range(len(instance.agents))), days), days)
        days = range(instance.days)  # whole horizon: hard for CP-SAT, so a few agents only
        people = list(range(len(instance.agents)))
        return Neighbourhood(self._some(people, days)[:_MIN_AGENTS], days)

    def _some(self, agents: list[int], days: range) -> list[int]:
        """As many of `agents` at random as the variable budget allows on `days`."""
        per_agent = len(days) * len(self.board.instance.shifts)
        count = int(np.clip(self.budget // max(1, per_agent), _MIN_AGENTS, _MAX_AGENTS))
        count = min(count, len(agents))
        return [int(a) for a in self.rng.choice(np.asarray(agents), size=count, replace=False)]

    def _solve(self, hood: Neighbourhood, time_limit: float) -> tuple[bool, bool]:
        """Re-roster the neighbourhood; whether the roster got better, and whether CP-SAT
        proved the neighbourhood's best."""
        board, instance = self.board, self.board.instance
        plan = board.plan
        need = board.residual.copy()  # requirement less everyone's cover, plus theirs:
        for index in hood.agents:
            for day in np.flatnonzero(plan.shift[index] != OFF):
                first, end = covered(instance, int(day), int(plan.shift[index, day]))
                need[int(plan.queue[index, day]), first:end] += 1
        built = build(instance, board.facts, agents=hood.agents, plan=plan, free=hood.days,
                      need=need)
        hint(built, instance, board.facts, plan)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = int(self.seed + self.steps)
        code = solver.solve(built.model)
        self._adapt(code, solver.wall_time, time_limit)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, False
        values = np.asarray(solver.response_proto.solution, dtype=np.int64)
        chosen = {(v.index, d): (s, q) for v in built.agents
                  for (d, s, q), var in v.x.items() if d in hood.days and values[var.index]}
        return self._apply(hood, chosen), code == cp_model.OPTIMAL

    def _adapt(self, code: cp_model.CpSolverStatus, seconds: float, limit: float) -> None:
        if code == cp_model.OPTIMAL and seconds < limit / 3:
            self.budget = int(self.budget * 1.15)
        elif code != cp_model.OPTIMAL:
            self.budget = max(200, int(self.budget * 0.85))

    def _apply(self, hood: Neighbourhood, chosen: dict[tuple[int, int], tuple[int, int]]
               ) -> bool:
        board = self.board
        before = self._cost(hood.agents)
        saved = (board.plan.shift[hood.agents].copy(), board.plan.queue[hood.agents].copy(),
                 board.residual.copy())
        for index in hood.agents:
            state = AgentState(board, index)
            for day in hood.days:
                if state.row[day] != OFF:
                    state.drop(day)
            for day in hood.days:
                if (index, day) in chosen:
                    state.add(day, *chosen[index, day])
        if self._cost(hood.agents) < before:
            return True
        board.plan.shift[hood.agents], board.plan.queue[hood.agents] = saved[0], saved[1]
        board.residual[:] = saved[2]
        return False

    def _cost(self, agents: list[int]) -> int:
        board = self.board
        short = int(np.maximum(board.residual, 0).sum())
        return (board.instance.weights.shortage * short
                + sum(agent_cost(board, a) for a in agents))
