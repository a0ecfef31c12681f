"""A fast plan by local search: build agent by agent, then ruin and recreate.

Every move is a best response: one agent's breaks placed where they cost least given everyone
else's, by dynamic programming along the agent's chain of breaks. The cost is the objective
plus a tiny pull towards slots with spare agents, so that ties leave room for later moves,
plus a heavy price per agent over `max_on_break`, so that a tight cap is a steep slope the
search climbs down rather than a wall it stops at. Building counts the agents not yet placed
as spread evenly over their windows; improving lifts a handful of agents around one moment
of the day and puts them back one by one, keeping the result when the cost does not rise.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from scheduling.breaks_chains import Board, Chain, objective

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Starts = tuple[int, ...]
_TIE_WEIGHT = 1e-4  # pull towards slack: far below one unit of the objective
_RUIN_AGENTS = (2, 10)  # agents lifted per move, at random in this range
_RUIN_HALF_WIDTH = (6, 36)  # slots around the chosen moment
_STALL_MOVES = 400  # plus four per agent: moves without a better plan before giving up
OVER_CAP_COST = 10**6  # per agent on a break beyond max_on_break, in units of the objective


class _Agent:
    """One chain ready for dynamic programming: candidate starts and allowed successions,
    with slots counted from the first slot the agent can be on a break (`first`)."""

    __slots__ = ("allowed", "begins", "columns", "ends", "first", "last", "lengths", "starts")

    def __init__(self, chain: Chain, board: Board, shared: dict[tuple[int, ...], Bools]) -> None:
        self.lengths = chain.lengths
        self.starts = [np.arange(r.lo, r.hi + 1) for r in chain.ranges]
        ends = [r.hi + length for r, length in zip(chain.ranges, chain.lengths, strict=True)]
        self.first = min((r.lo for r in chain.ranges), default=0)
        self.last = max(ends, default=0)
        self.begins = [t - self.first for t in self.starts]
        self.ends = [
            t + length - self.first for t, length in zip(self.starts, self.lengths, strict=True)
        ]
        self.columns = [np.arange(len(t)) for t in self.starts]
        self.allowed = []  # where break k may follow break k - 1, by index into their starts
        for k in range(1, len(self.starts)):
            before, after = self.starts[k - 1], self.starts[k]
            shape = (len(before), len(after), int(after[0] - before[0]) - self.lengths[k - 1])
            if shape not in shared:  # agents with the same windows share the table
                gap = np.arange(shape[1])[None, :] - np.arange(shape[0])[:, None] + shape[2]
                shared[shape] = (gap >= board.min_work) & (gap <= board.max_work)
            self.allowed.append(shared[shape])

    @property
    def flexible(self) -> bool:
        """Whether any break of the agent can move."""
        return any(len(t) > 1 for t in self.starts)


class Search:
    """Break starts of all agents and the agents on a break per slot, kept in step."""

    def __init__(self, chains: list[Chain], board: Board, seed: int) -> None:
        self.board = board
        shared: dict[tuple[int, ...], Bools] = {}
        self.agents = [_Agent(chain, board, shared) for chain in chains]
        self.starts: list[Starts | None] = [None] * len(chains)
        self.on_break = np.zeros(board.slots, dtype=np.int64)
        self.expected = np.zeros(board.slots, dtype=np.float64)  # agents not yet placed
        self.building = False
        self.rng = random.Random(seed)  # noqa: S311 - for search moves, not for secrets

    def objective(self) -> int:
        """The objective of the agents placed so far."""
        return objective(self.board, self.on_break)

    def over_cap(self) -> int:
        """Agents on a break beyond max_on_break, summed over slots: 0 in a valid plan."""
        return int(np.maximum(0, self.on_break - self.board.cap).sum())

    def cost(self) -> int:
        """What the search minimises: the objective, and the cap as a heavy penalty."""
        return self.objective() + OVER_CAP_COST * self.over_cap()

    def plan(self) -> list[Starts]:
        """The starts of every agent (all placed)."""
        return [s for s in self.starts if s is not None]

    def restore(self, starts: list[Starts]) -> None:
        """Start again from these starts, one tuple per agent."""
        for a, agent_starts in enumerate(starts):
            if self.starts[a] is not None:
                self._lift(a)
            self._place(a, agent_starts)

    def build(self) -> None:
        """Place every agent, least flexible first."""
        self.building = True
        for agent in self.agents:
            self._spread(agent, +1)
        order = sorted(range(len(self.agents)), key=lambda a: sum(map(len, self.agents[a].starts)))
        for a in order:
            self._spread(self.agents[a], -1)
            self._place(a, self._best_response(self.agents[a]))
        self.building = False

    def sweep(self, deadline: float, stop: Callable[[], bool]) -> None:
        """Best responses in random order until a whole pass changes nothing."""
        movable = [a for a, agent in enumerate(self.agents) if agent.flexible]
        changed = True
        while changed:
            changed = False
            self.rng.shuffle(movable)
            for a in movable:
                if time.perf_counter() >= deadline or stop():
                    return
                old = self._lift(a)
                new = self._best_response(self.agents[a])
                self._place(a, new)
                changed = changed or new != old

    def ruin_and_recreate(self, deadline: float, stop: Callable[[], bool]) -> None:
        """Lift a few agents around a random moment and put them back one by one; keep the
        result when it costs no more. Ends at `deadline`, on `stop()`, or when many moves in
        a row found nothing better."""
        spans = np.array([(a.first, a.last) for a in self.agents], dtype=np.int64).reshape(-1, 2)
        flexible = np.array([agent.flexible for agent in self.agents], dtype=bool)
        if not flexible.any():
            return
        current = self.cost()
        stalled, patience = 0, _STALL_MOVES + 4 * len(self.agents)
        while stalled < patience and time.perf_counter() < deadline and not stop():
            moment = self._moment()
            half = self.rng.randint(*_RUIN_HALF_WIDTH)
            near = (spans[:, 0] < moment + half) & (spans[:, 1] > moment - half) & flexible
            candidates = np.flatnonzero(near).tolist()
            stalled += 1
            if not candidates:
                continue
            count = min(len(candidates), self.rng.randint(*_RUIN_AGENTS))
            lifted = self.rng.sample(candidates, count)
            old = {a: self._lift(a) for a in lifted}
            self._recreate(lifted)
            if self.cost() <= current:
                stalled = 0 if self.cost() < current else stalled
                current = self.cost()
                continue
            for a in lifted:
                self._lift(a)
                self._place(a, old[a])

    def _moment(self) -> int:
        """A slot to work around: half the time one over the cap, if any; else any slot."""
        if self.rng.random() < 0.5:
            over = np.flatnonzero(self.on_break > self.board.cap)
            if len(over):
                return int(over[self.rng.randrange(len(over))])
        return self.rng.randrange(self.board.slots)

    def _recreate(self, lifted: list[int]) -> None:
        self.rng.shuffle(lifted)
        for a in lifted:
            self._place(a, self._best_response(self.agents[a]))
        for a in lifted:
            self._lift(a)
            self._place(a, self._best_response(self.agents[a]))

    def _place(self, a: int, starts: Starts) -> None:
        for length, start in zip(self.agents[a].lengths, starts, strict=True):
            self.on_break[start : start + length] += 1
        self.starts[a] = starts

    def _lift(self, a: int) -> Starts:
        starts = self.starts[a]
        assert starts is not None
        for length, start in zip(self.agents[a].lengths, starts, strict=True):
            self.on_break[start : start + length] -= 1
        self.starts[a] = None
        return starts

    def _spread(self, agent: _Agent, sign: int) -> None:
        """Add or remove an unplaced agent's breaks, spread evenly over their ranges."""
        for length, starts in zip(agent.lengths, agent.starts, strict=True):
            load = np.convolve(np.ones(len(starts)), np.ones(length)) / len(starts)
            self.expected[starts[0] : starts[0] + len(load)] += sign * load

    def _cumulative_costs(self, first: int, last: int) -> Floats:
        """Over [first, last): running sums of the cost of one more agent on a break."""
        excess = self.board.deficit[first:last] + self.on_break[first:last]
        if self.building:
            spread = excess + self.expected[first:last]
            cost = np.maximum(0.0, spread + 1) ** 2 - np.maximum(0.0, spread) ** 2
            cost += _TIE_WEIGHT * (2 * spread + 1)
        else:
            cost = (2 * excess + 1) * ((excess >= 0) + _TIE_WEIGHT)
        cost += OVER_CAP_COST * (self.on_break[first:last] >= self.board.cap[first:last])
        running = np.zeros(last - first + 1)
        np.cumsum(cost, out=running[1:])
        return running

    def _best_response(self, agent: _Agent) -> Starts:
        """The cheapest starts for one agent given everyone else's."""
        if not agent.lengths:
            return ()
        running = self._cumulative_costs(agent.first, agent.last)
        best: Floats = np.zeros(1)
        choices: list[Ints] = []
        for k, (begin, end) in enumerate(zip(agent.begins, agent.ends, strict=True)):
            cost = running[end] - running[begin]
            if k:
                reach = np.where(agent.allowed[k - 1], best[:, None], np.inf)
                choice = reach.argmin(axis=0)
                cost += reach[choice, agent.columns[k]]
                choices.append(choice)
            best = cost
        index = int(best.argmin())
        picked = [index]
        for choice in reversed(choices):
            index = int(choice[index])
            picked.append(index)
        picked.reverse()
        return tuple(int(t[i]) for t, i in zip(agent.starts, picked, strict=True))
