"""The instance as the searches see it: per agent a chain of breaks, per slot a shared board."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scheduling.breaks_types import AgentReason, Instance
from scheduling.breaks_windows import NO_LIMIT, StartRange, start_ranges

Ints = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Chain:
    """One agent's breaks: lengths and the start ranges its own rules leave, in order."""

    lengths: tuple[int, ...]
    ranges: tuple[StartRange, ...]

    @property
    def flexible(self) -> bool:
        """Whether any break of the agent can move."""
        return any(r.hi > r.lo for r in self.ranges)


@dataclass(frozen=True, slots=True)
class Board:
    """What all agents share: agents missing per slot before breaks, the cap, the work rules."""

    deficit: Ints  # requirement minus agents on shift, per slot (negative: spare agents)
    cap: Ints  # most agents on a break, per slot
    min_work: int
    max_work: int  # NO_LIMIT when there is none

    @property
    def slots(self) -> int:
        """Slots in the horizon."""
        return len(self.deficit)


def chains_of(instance: Instance) -> tuple[list[Chain], list[AgentReason]]:
    """A chain per agent when every agent can take its breaks, else why each one cannot."""
    chains: list[Chain] = []
    reasons: list[AgentReason] = []
    for agent in instance.agents:
        ranges = start_ranges(agent, instance)
        if isinstance(ranges, AgentReason):
            reasons.append(ranges)
        else:
            chains.append(Chain(tuple(b.length for b in agent.breaks), ranges))
    return chains, reasons


def board_of(instance: Instance) -> Board:
    """The per-slot board of an instance."""
    return Board(
        deficit=np.asarray(instance.requirement, dtype=np.int64) - on_shift(instance),
        cap=np.asarray(instance.max_on_break or (NO_LIMIT,) * instance.slots, dtype=np.int64),
        min_work=instance.min_work,
        max_work=NO_LIMIT if instance.max_work is None else instance.max_work,
    )


def on_shift(instance: Instance) -> Ints:
    """Agents whose shift covers each slot."""
    count = np.zeros(instance.slots + 1, dtype=np.int64)
    for agent in instance.agents:
        count[agent.shift_start] += 1
        count[agent.shift_end] -= 1
    return np.cumsum(count)[: instance.slots]


def on_break(slots: int, chains: list[Chain], starts: list[tuple[int, ...]]) -> Ints:
    """Agents on a break per slot when the breaks start at `starts`."""
    count = np.zeros(slots + 1, dtype=np.int64)
    for chain, agent_starts in zip(chains, starts, strict=True):
        for length, start in zip(chain.lengths, agent_starts, strict=True):
            count[start] += 1
            count[start + length] -= 1
    return np.cumsum(count)[:slots]


def held_on_break(slots: int, chains: list[Chain]) -> Ints:
    """Agents on a break per slot wherever in their ranges the breaks start."""
    count = np.zeros(slots + 1, dtype=np.int64)
    for chain in chains:
        for length, rng in zip(chain.lengths, chain.ranges, strict=True):
            if rng.hi < rng.lo + length:
                count[rng.hi] += 1
                count[rng.lo + length] -= 1
    return np.cumsum(count)[:slots]


def objective(board: Board, breaks: Ints) -> int:
    """Sum over slots of the squared shortage, with `breaks` agents on a break per slot."""
    return int((np.maximum(0, board.deficit + breaks) ** 2).sum())
