"""A proven lower bound on the objective by Lagrangian relaxation.

Price every slot at lambda[s] per agent on a break there. Then each agent alone takes its
cheapest breaks (dynamic programming along its chain, all agents at once with numpy), and
each slot alone picks its count of agents on a break B minimising short(B)^2 - lambda*B.
For any prices the two minima add up to at most the optimum; subgradient steps raise them.
Starting from the marginal costs of a good plan, a few dozen steps come close to the bound
of the linear relaxation.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scheduling.breaks_chains import Board, Chain, held_on_break

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
# Deflected subgradient steps towards a target between the bound and the best plan; the
# step shrinks when the bound has not risen for a while. Tuned on generated instances.
_THETA, _PATIENCE, _SHRINK, _DEFLECTION, _AIM = 1.5, 8, 0.8, 0.8, 0.5
_THETA_LEAST = 1e-3  # the steps have become too small to matter


@dataclass(frozen=True, slots=True)
class _Group:
    """Agents with the same number of breaks, padded to common widths."""

    starts: list[Ints]  # per break: (agents, width) start slots
    lengths: list[Ints]  # per break: (agents, 1)
    valid: list[Bools]  # per break: (agents, width)
    allowed: list[Bools]  # per pair: (agents, width before, width after)


def lower_bound(
    chains: list[Chain], board: Board, on_break: Ints, best_known: int, deadline: float
) -> int:
    """The best bound found by `deadline`, starting from the prices of the plan `on_break`."""
    groups = _groups(chains, board)
    low = held_on_break(board.slots, chains)
    high = np.maximum(low, np.minimum(board.cap, _most_on_break(board.slots, chains)))
    excess = board.deficit + on_break
    prices = (np.maximum(0, excess + 1) ** 2 - np.maximum(0, excess - 1) ** 2) / 2.0
    bound = -math.inf
    theta, since_better = _THETA, 0
    direction = np.zeros(board.slots)
    while time.perf_counter() < deadline and best_known - bound >= 1 and theta > _THETA_LEAST:
        slot_part, chosen = _slots_alone(board, low, high, prices)
        agent_part, covered = _agents_alone(groups, prices, board.slots)
        value = slot_part + agent_part
        if value > bound + 1e-9:
            bound, since_better = value, 0
        else:
            since_better += 1
            if since_better >= _PATIENCE:
                theta, since_better = theta * _SHRINK, 0
        direction = (covered - chosen) + _DEFLECTION * direction
        norm = float((direction**2).sum())
        if norm == 0:
            break
        target = bound + _AIM * (best_known - bound)
        prices = prices + theta * (target - value) / norm * direction
    return max(0, math.ceil(bound - 1e-6)) if math.isfinite(bound) else 0


def _slots_alone(board: Board, low: Ints, high: Ints, prices: Floats) -> tuple[float, Ints]:
    """Per slot, the count of agents on a break in [low, high] minimising short^2 - price*B."""
    ideal = np.floor(prices / 2 - board.deficit).astype(np.int64)
    best_value = np.full(board.slots, np.inf)
    best_count = low.copy()
    for candidate in (ideal, ideal + 1, low, high):
        count = np.clip(candidate, low, high)
        value = np.maximum(0, board.deficit + count) ** 2 - prices * count
        better = value < best_value
        best_value[better], best_count[better] = value[better], count[better]
    return float(best_value.sum()), best_count


def _agents_alone(groups: list[_Group], prices: Floats, slots: int) -> tuple[float, Ints]:
    """Each agent's cheapest breaks at these prices: total price, and agents on break per slot."""
    running = np.concatenate(([0.0], np.cumsum(prices)))
    total = 0.0
    diff = np.zeros(slots + 1, dtype=np.int64)
    for group in groups:
        best: Floats = np.zeros(0)
        choices: list[Ints] = []
        parts = zip(group.starts, group.lengths, group.valid, strict=True)
        for k, (starts, length, valid) in enumerate(parts):
            cost = np.where(valid, running[starts + length] - running[starts], np.inf)
            if k:
                reach = np.where(group.allowed[k - 1], best[:, :, None], np.inf)
                choice = np.argmin(reach, axis=1)
                choices.append(choice)
                cost = cost + np.take_along_axis(reach, choice[:, None, :], axis=1)[:, 0, :]
            best = cost
        index = np.argmin(best, axis=1)
        rows = np.arange(len(index))
        total += float(best[rows, index].sum())
        for k in range(len(group.starts) - 1, -1, -1):
            start = group.starts[k][rows, index]
            np.add.at(diff, start, 1)
            np.add.at(diff, start + group.lengths[k][:, 0], -1)
            if k:
                index = choices[k - 1][rows, index]
    return total, np.cumsum(diff)[:slots]


def _groups(chains: list[Chain], board: Board) -> list[_Group]:
    by_count: dict[int, list[Chain]] = {}
    for chain in chains:
        if chain.lengths:
            by_count.setdefault(len(chain.lengths), []).append(chain)
    return [_group(members, board) for members in by_count.values()]


def _group(members: list[Chain], board: Board) -> _Group:
    count = len(members[0].lengths)
    lo = np.array([[r.lo for r in c.ranges] for c in members], dtype=np.int64)
    width = np.array([[r.hi - r.lo + 1 for r in c.ranges] for c in members], dtype=np.int64)
    lengths = np.array([c.lengths for c in members], dtype=np.int64)
    starts, valid = [], []
    for k in range(count):
        offsets = np.arange(int(width[:, k].max()))
        valid.append(offsets[None, :] < width[:, k, None])
        starts.append(lo[:, k, None] + np.minimum(offsets[None, :], width[:, k, None] - 1))
    allowed = []
    for k in range(1, count):
        gap = starts[k][:, None, :] - starts[k - 1][:, :, None] - lengths[:, k - 1, None, None]
        ok = (gap >= board.min_work) & (gap <= board.max_work)
        allowed.append(ok & valid[k - 1][:, :, None] & valid[k][:, None, :])
    return _Group(starts, [lengths[:, k, None] for k in range(count)], valid, allowed)


def _most_on_break(slots: int, chains: list[Chain]) -> Ints:
    count = np.zeros(slots + 1, dtype=np.int64)
    for chain in chains:
        for length, rng in zip(chain.lengths, chain.ranges, strict=True):
            count[rng.lo] += 1
            count[rng.hi + length] -= 1
    return np.cumsum(count)[:slots]
