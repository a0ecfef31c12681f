"""One agent's breaks, placed by hand, checked against every hard rule at once; shortage figures.

Unlike `solve`, which names only the first reason an agent cannot take its breaks, the check
lists every rule a concrete placement breaks, so a supervisor sees all of them together.
Each rule is one public function here; `break_move` judges a hand move with the same ones.
Time is in slots, as in specs/breaks.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from scheduling.breaks_types import Agent, Break, Instance

Rule = Literal["window", "shift", "order", "min_work", "max_work", "cap"]
Starts = Mapping[str, Mapping[str, int]]  # agent id -> break name -> start slot


@dataclass(frozen=True, slots=True)
class Violation:
    """A hard rule a placement breaks: over slots [first, last), `value` against `limit`.

    window: the break `name` starts at `value`, outside [first, last] (its earliest, latest).
    shift: the break `name` covers [first, last), not inside the shift [value, limit).
    order: the break `name` starts at `first`, before `other` ends at `last`.
    min_work, max_work: a stretch of work [first, last) lasts `value` slots, limit `limit`.
    cap: `value` agents on a break somewhere in [first, last), at most `limit` allowed.
    """

    rule: Rule
    first: int
    last: int
    value: int
    limit: int
    name: str = ""
    other: str = ""


def check_agent(
    instance: Instance, agent: Agent, starts: Mapping[str, int], others_on_break: Sequence[int]
) -> list[Violation]:
    """Every hard rule `agent`'s breaks at `starts` break; others' breaks count toward the cap."""
    found: list[Violation] = []
    for brk in agent.breaks:
        found += window(brk, starts[brk.name]) + outside_shift(agent, brk, starts[brk.name])
    found += order(agent, starts)
    found += stretches(instance, agent, starts)
    found += cap(instance, agent, starts, others_on_break)
    return found


def window(brk: Break, start: int) -> list[Violation]:
    """The break starts inside its window [earliest, latest]."""
    if brk.earliest <= start <= brk.latest:
        return []
    return [Violation("window", brk.earliest, brk.latest, start, 0, brk.name)]


def outside_shift(agent: Agent, brk: Break, start: int) -> list[Violation]:
    """The break lies wholly inside the shift."""
    if agent.shift_start <= start and start + brk.length <= agent.shift_end:
        return []
    end = start + brk.length
    return [Violation("shift", start, end, agent.shift_start, agent.shift_end, brk.name)]


def order(agent: Agent, starts: Mapping[str, int]) -> list[Violation]:
    """Breaks come in their order, none overlapping the one before."""
    found: list[Violation] = []
    for before, brk in zip(agent.breaks, agent.breaks[1:], strict=False):
        end_before = starts[before.name] + before.length
        if starts[brk.name] < end_before:
            found.append(
                Violation("order", starts[brk.name], end_before, 0, 0, brk.name, before.name)
            )
    return found


def stretches(instance: Instance, agent: Agent, starts: Mapping[str, int]) -> list[Violation]:
    """Each stretch of work (shift start, between breaks, shift end) within min/max work."""
    edges = [agent.shift_start]
    for brk in agent.breaks:
        edges += [starts[brk.name], starts[brk.name] + brk.length]
    edges.append(agent.shift_end)
    found: list[Violation] = []
    for first, last in zip(edges[::2], edges[1::2], strict=True):
        work = last - first
        if 0 <= work < instance.min_work:
            found.append(Violation("min_work", first, last, work, instance.min_work))
        if instance.max_work is not None and work > instance.max_work:
            found.append(Violation("max_work", first, last, work, instance.max_work))
    return found


def over_cap(instance: Instance, slots: Iterable[int], others: Sequence[int]) -> list[int]:
    """The slots among `slots` where one more agent on a break goes over max_on_break."""
    if instance.max_on_break is None:
        return []
    return [s for s in slots if others[s] + 1 > instance.max_on_break[s]]


def cap(
    instance: Instance, agent: Agent, starts: Mapping[str, int], others: Sequence[int]
) -> list[Violation]:
    """At most max_on_break agents on a break in each slot this agent is on a break."""
    if instance.max_on_break is None:
        return []
    found: list[Violation] = []
    for brk in agent.breaks:
        start = starts[brk.name]
        over = over_cap(
            instance, range(max(0, start), min(instance.slots, start + brk.length)), others
        )
        if over:
            peak = max(others[s] + 1 for s in over)
            limit = min(instance.max_on_break[s] for s in over)
            found.append(Violation("cap", over[0], over[-1] + 1, peak, limit, brk.name))
    return found


def short(required: int, on_phones: int) -> int:
    """Agents missing on the phones: the requirement less those on them, never below zero."""
    return max(0, required - on_phones)


def on_break(instance: Instance, starts: Starts, *, without: str | None = None) -> list[int]:
    """Agents on a break per slot, from the breaks in `starts` (all agents but `without`)."""
    count = [0] * instance.slots
    for agent in instance.agents:
        if agent.id == without:
            continue
        placed = starts.get(agent.id, {})
        for brk in agent.breaks:
            if brk.name in placed:
                start = placed[brk.name]
                for s in range(max(0, start), min(instance.slots, start + brk.length)):
                    count[s] += 1
    return count


def shortage(instance: Instance, starts: Starts) -> list[int]:
    """short(s) = max(0, requirement - agents on shift and not on a break); unplaced breaks idle."""
    working = [0] * instance.slots
    for agent in instance.agents:
        for s in range(agent.shift_start, agent.shift_end):
            working[s] += 1
    breaks = on_break(instance, starts)
    return [
        short(need, w - b) for need, w, b in zip(instance.requirement, working, breaks, strict=True)
    ]


def rest_of_day(instance: Instance, cut: int) -> Instance:
    """The instance of a re-plan at slot `cut`: what ended before it is left out, so that the
    rules bind only what can still change.

    Breaks that ended by `cut` drop out and the agent's work restarts at the end of the last
    one; a break not yet placed whose window has passed is missed and drops out too. An agent
    already past max_work with no break may take one from `cut` on (as if they had worked
    min_work so far), rather than make the whole re-plan infeasible.
    """
    agents = tuple(_rest_of_agent(instance, agent, cut) for agent in instance.agents)
    return replace(instance, agents=agents, not_before=cut)


def _rest_of_agent(instance: Instance, agent: Agent, cut: int) -> Agent:
    def ended(brk: Break) -> bool:
        return brk.fixed_start is not None and brk.fixed_start + brk.length <= cut

    def missed(brk: Break) -> bool:
        return brk.fixed_start is None and min(brk.latest, agent.shift_end - brk.length) < cut

    ends = [
        b.fixed_start + b.length for b in agent.breaks if b.fixed_start is not None and ended(b)
    ]
    start = max([agent.shift_start, *ends])
    rest = tuple(b for b in agent.breaks if not ended(b) and not missed(b))
    on_break_now = any(b.fixed_start is not None and b.fixed_start < cut for b in rest)
    overdue = instance.max_work is not None and start + instance.max_work < cut
    if overdue and not on_break_now:
        start = cut - instance.min_work
    return replace(agent, shift_start=min(start, agent.shift_end), breaks=rest)
