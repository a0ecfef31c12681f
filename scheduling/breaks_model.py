"""The CP-SAT model of break scheduling: one builder per business rule.

A break gets one literal per slot where it may start (its range, after each agent's rules
were propagated). The count of agents on a break in a slot is a linear sum of literals, and
the squared shortage a product constraint, which CP-SAT relaxes by the chords of the square:
its bound is at least that of the linear relaxation. (Writing the chords as constraints gave
the same bound but a presolve ten times slower.)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduling.breaks_chains import Board, Chain

Starts = tuple[int, ...]


@dataclass(slots=True)
class BreakStarts:
    """One break in the model: a literal per possible start slot, from `lo` on."""

    lo: int
    length: int
    literals: list[cp_model.IntVar]

    def start(self) -> cp_model.LinearExpr:
        """The start slot as a linear expression."""
        steps = list(range(len(self.literals)))
        return cp_model.LinearExpr.weighted_sum(self.literals, steps) + self.lo


@dataclass(slots=True)
class Coverage:
    """Agents on a break per slot: a count that no choice changes, plus start literals."""

    constant: list[int]
    literals: list[list[cp_model.IntVar]]

    def expression(self, slot: int) -> cp_model.LinearExpr:
        """The number of agents on a break in `slot`."""
        return cp_model.LinearExpr.sum(self.literals[slot]) + self.constant[slot]

    def most(self, slot: int) -> int:
        """The most agents that can be on a break in `slot`."""
        return self.constant[slot] + len(self.literals[slot])


def add_break_windows(model: cp_model.CpModel, chains: list[Chain]) -> list[list[BreakStarts]]:
    """Every break is taken exactly once, starting inside its window and the shift, and not
    before `not_before` unless it is fixed (the ranges of the chains already say where)."""
    agents = []
    for chain in chains:
        breaks = []
        for length, rng in zip(chain.lengths, chain.ranges, strict=True):
            literals = [model.new_bool_var("") for _ in range(rng.lo, rng.hi + 1)]
            model.add_exactly_one(literals)
            breaks.append(BreakStarts(rng.lo, length, literals))
        agents.append(breaks)
    return agents


def add_work_between_breaks(
    model: cp_model.CpModel, agents: list[list[BreakStarts]], board: Board
) -> None:
    """An agent takes the breaks in the listed order, none overlapping, and works at least
    `min_work` and at most `max_work` slots between two breaks. (From the shift start to the
    first break and from the last break to the shift end, every start in a range is fine.)"""
    for breaks in agents:
        for first, second in itertools.pairwise(breaks):
            work = second.start() - first.start() - first.length
            if first.lo + first.length + len(first.literals) + board.min_work > second.lo:
                model.add(work >= board.min_work)
            if board.max_work < second.lo + len(second.literals) - first.lo - first.length:
                model.add(work <= board.max_work)


def coverage(agents: list[list[BreakStarts]], slots: int) -> Coverage:
    """Agents on a break per slot, from the start literals."""
    cover = Coverage([0] * slots, [[] for _ in range(slots)])
    for breaks in agents:
        for brk in breaks:
            if len(brk.literals) == 1:
                for slot in range(brk.lo, brk.lo + brk.length):
                    cover.constant[slot] += 1
                continue
            for start, literal in enumerate(brk.literals, start=brk.lo):
                for slot in range(start, start + brk.length):
                    cover.literals[slot].append(literal)
    return cover


def add_break_cap(model: cp_model.CpModel, cover: Coverage, cap: list[int]) -> None:
    """At most `max_on_break` agents are on a break in any slot."""
    for slot, limit in enumerate(cap):
        if cover.most(slot) > limit:
            model.add(cover.expression(slot) <= limit)


def add_shortage_cost(
    model: cp_model.CpModel, cover: Coverage, deficit: list[int]
) -> dict[int, tuple[cp_model.IntVar, cp_model.IntVar]]:
    """Each slot costs the square of the agents missing on the phones, so a deep hole costs
    more than the same shortage spread thin. Returns slot -> (shortage, cost) variables for
    the slots whose shortage depends on where the breaks go."""
    by_slot: dict[int, tuple[cp_model.IntVar, cp_model.IntVar]] = {}
    fixed_cost = 0
    for slot, missing in enumerate(deficit):
        if not cover.literals[slot]:
            fixed_cost += max(0, missing + cover.constant[slot]) ** 2
            continue
        worst = missing + cover.most(slot)
        if worst <= 0:
            continue
        short = model.new_int_var(0, worst, f"short_{slot}")
        model.add(short >= cover.expression(slot) + missing)
        cost = model.new_int_var(0, worst * worst, f"cost_{slot}")
        model.add_multiplication_equality(cost, [short, short])
        by_slot[slot] = (short, cost)
    model.minimize(sum(cost for _, cost in by_slot.values()) + fixed_cost)
    return by_slot


def hint(
    model: cp_model.CpModel,
    agents: list[list[BreakStarts]],
    starts: list[Starts],
    others: list[tuple[cp_model.IntVar, int]],
) -> None:
    """Start the search from a known plan: its break starts and the `others` values."""
    proto = model.proto.solution_hint
    for breaks, agent_starts in zip(agents, starts, strict=True):
        for brk, start in zip(breaks, agent_starts, strict=True):
            proto.vars.extend(lit.index for lit in brk.literals)
            proto.values.extend(int(t == start) for t in range(brk.lo, brk.lo + len(brk.literals)))
    proto.vars.extend(var.index for var, _ in others)
    proto.values.extend(value for _, value in others)


def read_starts(solution: list[int], agents: list[list[BreakStarts]]) -> list[Starts]:
    """Break starts from the solver's values of all variables."""
    return [
        tuple(
            brk.lo + next(i for i, lit in enumerate(brk.literals) if solution[lit.index])
            for brk in breaks
        )
        for breaks in agents
    ]


# The cap alone, as a cumulative resource: CP-SAT's energy reasoning settles a tight cap in
# a fraction of a second (caps10%-300 in the benchmark) where the model above, with its
# objective, had not settled it after the whole time limit.


def add_break_intervals(
    model: cp_model.CpModel, chains: list[Chain]
) -> list[list[cp_model.IntVar]]:
    """Every break is taken once, starting in its range: a start variable per break."""
    return [[model.new_int_var(r.lo, r.hi, "") for r in chain.ranges] for chain in chains]


def add_work_between_break_starts(
    model: cp_model.CpModel, chains: list[Chain], starts: list[list[cp_model.IntVar]], board: Board
) -> None:
    """Breaks in order, none overlapping, with min_work to max_work slots of work between."""
    for chain, agent in zip(chains, starts, strict=True):
        for k in range(1, len(agent)):
            work = agent[k] - agent[k - 1] - chain.lengths[k - 1]
            model.add(work >= board.min_work)
            if board.max_work < board.slots:
                model.add(work <= board.max_work)


def add_cap_as_cumulative(
    model: cp_model.CpModel, chains: list[Chain], starts: list[list[cp_model.IntVar]], board: Board
) -> None:
    """At most `max_on_break` agents on a break in any slot: breaks share a resource whose
    capacity is the highest cap, lowered slot by slot by fixed blocks of the difference."""
    intervals, demands = [], []
    most = [0] * (board.slots + 1)
    for chain, agent in zip(chains, starts, strict=True):
        for length, rng, start in zip(chain.lengths, chain.ranges, agent, strict=True):
            intervals.append(model.new_fixed_size_interval_var(start, length, ""))
            demands.append(1)
            most[rng.lo] += 1
            most[rng.hi + length] -= 1
    cap = [min(int(c), m) for c, m in zip(board.cap, itertools.accumulate(most), strict=False)]
    capacity = max(cap, default=0)
    for value, run in itertools.groupby(enumerate(cap), key=lambda item: item[1]):
        slots = [slot for slot, _ in run]
        if capacity > value:
            intervals.append(model.new_fixed_size_interval_var(slots[0], len(slots), ""))
            demands.append(capacity - value)
    model.add_cumulative(intervals, demands, capacity)
