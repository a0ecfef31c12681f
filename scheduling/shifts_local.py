"""Local search for designs that pay for each distinct shift (Musliu-style moves).

From a design, repeat the cheapest of: one more agent on a shift and day, one fewer, or
one agent moved to a neighbouring shift (start or length a slot off); then try dropping
each shift in turn, keeping the drop when the repaired design is cheaper. Every move's
cost change is exact, read off prefix sums of what one more or one fewer agent would cost
in each slot. The work is counted in moves, not seconds, so the result is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scheduling.shifts_domain import Candidate, Instance

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1), (2, 0), (-2, 0))
_EPS = 1e-9


@dataclass
class Board:
    """The counts under search and the head count they give, kept in step."""

    instance: Instance
    first: Ints  # [shift, day] first slot on the horizon
    end: Ints  # [shift, day] one past the last slot, on a horizon extended by a day
    ceiling: Ints  # [shift, day] most agents allowed (0: never worth it)
    neighbour: Ints  # [shift, move] index of the neighbouring shift, -1 if none
    counts: Ints
    cover: Ints

    def cost(self) -> float:
        w = self.instance.weights
        gap = np.asarray(self.instance.requirement) - self.cover
        used = int(np.count_nonzero(self.counts.sum(axis=1)))
        return float(w.under * gap.clip(0).sum() + w.over * (-gap).clip(0).sum() + w.shift * used)

    def add(self, shift: int, day: int, agents: int) -> None:
        self.counts[shift, day] += agents
        slots = np.arange(self.first[shift, day], self.end[shift, day])
        horizon = self.instance.horizon_slots
        if self.instance.cyclic:
            slots %= horizon
        np.add.at(self.cover, slots[slots < horizon], agents)


def board(
    instance: Instance, shifts: Sequence[Candidate], ceiling: Ints, counts: Ints
) -> Board:
    """A board over these candidates, starting from `counts` ([shift, day])."""
    days = np.arange(instance.days)
    starts = np.array([c.start for c in shifts], dtype=np.int64)
    lengths = np.array([c.length for c in shifts], dtype=np.int64)
    first = starts[:, None] + days[None, :] * instance.slots_per_day
    index = {(c.start, c.length): i for i, c in enumerate(shifts)}
    neighbour = np.array(
        [[index.get((c.start + ds, c.length + dl), -1) for ds, dl in NEIGHBOURS] for c in shifts],
        dtype=np.int64,
    ).reshape(len(shifts), len(NEIGHBOURS))
    state = Board(instance, first, first + lengths[:, None], ceiling, neighbour,
                  np.zeros_like(counts), np.zeros(instance.horizon_slots, dtype=np.int64))
    for shift, day in zip(*np.nonzero(counts), strict=True):
        state.add(int(shift), int(day), int(counts[shift, day]))
    return state


def improve(state: Board, moves: int, seed: int) -> int:
    """Passes of `drop_each` while they pay, then random kicks: within `moves` moves."""
    moves = descend(state, moves)
    while moves > 0:
        before = state.cost()
        moves = drop_each(state, moves)
        if state.cost() >= before - _EPS:
            break
    return kick(state, moves, np.random.default_rng(seed))


def kick(state: Board, moves: int, rng: np.random.Generator) -> int:
    """Until the moves run out: move a random shift wholesale to a neighbouring start or
    length, or drop two at once; repair, and keep the result only when it is cheaper."""
    best = state.cost()
    while moves > 0:
        used = np.flatnonzero(state.counts.sum(axis=1))
        if used.size < 2:
            break
        kept, cover = state.counts.copy(), state.cover.copy()
        shift = int(rng.choice(used))
        target = int(state.neighbour[shift, rng.integers(len(NEIGHBOURS))])
        victims = [shift] if target >= 0 else [int(v) for v in rng.choice(used, 2, replace=False)]
        for victim in victims:
            for day in np.flatnonzero(state.counts[victim]):
                agents = int(state.counts[victim, day])
                state.add(victim, int(day), -agents)
                room = int(state.ceiling[target, day] - state.counts[target, day])
                if target >= 0 and room > 0:
                    state.add(target, int(day), min(agents, room))
        moves = descend(state, moves - 1)
        if state.cost() < best - _EPS:
            best = state.cost()
        else:
            state.counts, state.cover = kept, cover
    return moves


def drop_each(state: Board, moves: int) -> int:
    """Drop each shift in use in turn, smallest first, keeping a drop when the repaired
    design is cheaper; the moves left."""
    best = state.cost()
    for shift in np.argsort(state.counts.sum(axis=1), kind="stable"):
        if moves <= 0:
            break
        if not state.counts[shift].any():
            continue
        kept, cover = state.counts.copy(), state.cover.copy()
        for day in np.flatnonzero(state.counts[shift]):
            state.add(int(shift), int(day), -int(state.counts[shift, day]))
        moves = descend(state, moves - 1)
        if state.cost() < best - _EPS:
            best = state.cost()
        else:
            state.counts, state.cover = kept, cover
    return moves


def descend(state: Board, moves: int) -> int:
    """Apply the best single move while one lowers the cost; the moves left."""
    while moves > 0:
        delta, move = _best_move(state)
        if delta >= -_EPS:
            break
        kind, shift, day, other = move
        if kind == "transfer":
            state.add(shift, day, -1)
            state.add(other, day, 1)
        else:
            state.add(shift, day, 1 if kind == "add" else -1)
        moves -= 1
    return moves


def _best_move(state: Board) -> tuple[float, tuple[str, int, int, int]]:
    w = state.instance.weights
    need = np.asarray(state.instance.requirement)
    more = _prefix(state, np.where(state.cover >= need, w.over, -w.under))
    fewer = _prefix(state, np.where(state.cover > need, -w.over, w.under))
    rows = state.counts.sum(axis=1)
    empty, single = (rows == 0)[:, None], (rows == 1)[:, None]
    add = more[state.end] - more[state.first] + w.shift * empty
    add = np.where(state.counts < state.ceiling, add, np.inf)
    drop = fewer[state.end] - fewer[state.first] - w.shift * single
    drop = np.where(state.counts > 0, drop, np.inf)
    shift, day = np.unravel_index(int(add.argmin()), add.shape)
    best = (float(add.min()), ("add", int(shift), int(day), -1))
    if drop.min() < best[0]:
        shift, day = np.unravel_index(int(drop.argmin()), drop.shape)
        best = (float(drop.min()), ("drop", int(shift), int(day), -1))
    transfer = _transfers(state, more, fewer, rows)
    return transfer if transfer[0] < best[0] else best


def _transfers(
    state: Board, more: Floats, fewer: Floats, rows: Ints
) -> tuple[float, tuple[str, int, int, int]]:
    """The best move of one agent from a used shift to a neighbouring one, same day."""
    used = np.flatnonzero(rows)
    if used.size == 0:
        return np.inf, ("transfer", -1, -1, -1)
    target = state.neighbour[used]  # [used, move]
    ok = target >= 0
    target = np.where(ok, target, used[:, None])
    a0, a1 = state.first[used][:, None, :], state.end[used][:, None, :]
    b0, b1 = state.first[target], state.end[target]
    gained = _span(more, b0, np.minimum(b1, a0)) + _span(more, np.maximum(b0, a1), b1)
    lost = _span(fewer, a0, np.minimum(a1, b0)) + _span(fewer, np.maximum(a0, b1), a1)
    w = state.instance.weights.shift
    opened = (rows[target] == 0).astype(np.float64)[..., None]
    closed = (rows[used] == 1).astype(np.float64)[:, None, None]
    delta = gained + lost + w * (opened - closed)
    valid = ok[..., None] & (state.counts[used][:, None, :] > 0)
    valid &= state.counts[target] < state.ceiling[target]
    delta = np.where(valid, delta, np.inf)
    i, m, day = np.unravel_index(int(delta.argmin()), delta.shape)
    return float(delta[i, m, day]), ("transfer", int(used[i]), int(day), int(target[i, m]))


def _span(prefix: Floats, low: Ints, high: Ints) -> Floats:
    """Sum over slots [low, high) per pair, zero where the span is empty."""
    return np.where(high > low, prefix[np.maximum(high, low)] - prefix[low], 0.0)


def _prefix(state: Board, per_slot: Floats) -> Floats:
    """Prefix sums over the horizon extended by a day: wrapped when cyclic, zero if not."""
    slots_per_day = state.instance.slots_per_day
    tail = per_slot[:slots_per_day] if state.instance.cyclic else np.zeros(slots_per_day)
    return np.concatenate([[0.0], np.cumsum(np.concatenate([per_slot, tail]))])
