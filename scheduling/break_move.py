"""Checking one hand move of one agent's break: which rules it breaks, and whether coverage holds.

Time is in whole minutes from the start of the agent's shift (minute 0), so the shift is
[0, shift_end). A move is judged by what it makes worse: a stretch of work, a slot over the
cap or a slot short of agents that the plan had before the move is not the move's fault.
Each rule is checked by `breaks_check` (the agent's day as a one-minute-slot instance); this
module only keeps what the move changed and says it in the move's terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scheduling import breaks_check as rules
from scheduling.breaks_types import Agent, Break, Instance

Rule = Literal[
    "inside_shift",  # the break would not lie wholly inside the shift
    "overlap",  # the break would overlap another break of the same agent
    "window",  # the break would start outside its window
    "min_work",  # a stretch of work would be shorter than min_work
    "max_work",  # a stretch of work would be longer than max_work
    "cap",  # more agents on a break at once than max_on_break
    "coverage",  # fewer agents on the phones than required, where there were enough
    "requirement_unknown",  # no requirement to compare with: coverage cannot be judged
]
HARD_RULES: frozenset[Rule] = frozenset({"inside_shift", "overlap"})
"""Rules no one may waive: a break outside the shift or on top of another is not a break."""


@dataclass(frozen=True, slots=True)
class OwnBreak:
    """One break of the agent: its start and length (minutes), its window if a rule gives one."""

    name: str
    start: int
    length: int
    earliest: int | None = None
    latest: int | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """The agent's shift and breaks, the move asked for, and the floor around them, per minute.

    `others_on_break[m]`: other agents (in the cap's scope) on a break in minute m;
    `others_on_phones[m]`: other agents on shift and not on a break in minute m;
    `requirement[m]`: agents needed on the phones in minute m, or None when unknown.
    Each per-minute tuple has `shift_end` entries (a shorter one counts as zeros).
    """

    shift_end: int
    breaks: tuple[OwnBreak, ...]
    moved: int  # index into breaks
    new_start: int
    min_work: int = 0
    max_work: int | None = None
    max_on_break: int | None = None
    others_on_break: tuple[int, ...] = ()
    others_on_phones: tuple[int, ...] = ()
    requirement: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule the move breaks over minutes [start, end): what is measured against what limit."""

    rule: Rule
    start: int
    end: int
    value: int  # stretch minutes, agents on a break, or agents on the phones
    limit: int  # the rule's bound, the cap, or the requirement


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything the move breaks; it may be approved without a person when nothing is."""

    findings: tuple[Finding, ...]

    @property
    def hard(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.rule in HARD_RULES)

    @property
    def approvable_alone(self) -> bool:
        return not self.findings


def check_move(move: Move) -> Verdict:
    """The findings of one move, hard rules first; coverage is judged only when the rest hold."""
    before = _Day.of(move, move.breaks[move.moved].start)
    after = _Day.of(move, move.new_start)
    hard = _inside_shift(move, after) + _overlaps(move, after)
    if hard:
        return Verdict(hard)
    found = _window(move) + _stretches(before, after) + _cap(move, after)
    return Verdict(found + _coverage(move))


@dataclass(frozen=True, slots=True)
class _Day:
    """The agent's day in breaks_check's terms: minutes as slots, breaks named by their index
    and listed in time order (a move may take a break past another; only overlap is wrong)."""

    instance: Instance
    agent: Agent
    starts: dict[str, int]

    @classmethod
    def of(cls, move: Move, moved_start: int) -> _Day:
        """The day with the moved break starting at `moved_start`."""
        starts = {str(i): b.start for i, b in enumerate(move.breaks)}
        starts[str(move.moved)] = moved_start
        breaks = sorted(
            (_as_break(move, i) for i in range(len(move.breaks))),
            key=lambda b: (starts[b.name], starts[b.name] + b.length, int(b.name)),
        )
        minutes = move.shift_end
        cap = None if move.max_on_break is None else (move.max_on_break,) * minutes
        instance = Instance(
            slot_minutes=1,
            slots=minutes,
            requirement=_per_minute(move.requirement or (), minutes),
            agents=(Agent("me", 0, minutes, tuple(breaks)),),
            max_on_break=cap,
            min_work=move.min_work,
            max_work=move.max_work,
        )
        return cls(instance, instance.agents[0], starts)


def _as_break(move: Move, index: int) -> Break:
    """An own break with its window; no window means anywhere inside the shift."""
    brk = move.breaks[index]
    earliest = 0 if brk.earliest is None else brk.earliest
    latest = move.shift_end - brk.length if brk.latest is None else brk.latest
    return Break(str(index), brk.length, earliest, latest)


def _per_minute(values: tuple[int, ...], minutes: int) -> tuple[int, ...]:
    """`values` over the whole shift: a shorter tuple counts as zeros."""
    return values[:minutes] + (0,) * (minutes - len(values))


def _moved(move: Move) -> Break:
    return _as_break(move, move.moved)


def _inside_shift(move: Move, day: _Day) -> tuple[Finding, ...]:
    broken = rules.outside_shift(day.agent, _moved(move), move.new_start)
    return tuple(
        Finding("inside_shift", v.first, v.last, v.last - v.first, v.limit) for v in broken
    )


def _overlaps(move: Move, day: _Day) -> tuple[Finding, ...]:
    """Every other break the moved one would overlap (`value` is the other's index): the order
    rule, asked of the moved break and each other one in their new time order."""
    moved = str(move.moved)
    found: list[Finding] = []
    for brk in day.agent.breaks:
        if brk.name == moved:
            continue  # two other breaks overlapping is not the move's fault
        pair = sorted((brk, _moved(move)), key=lambda b: (day.starts[b.name], int(b.name)))
        if rules.order(Agent("me", 0, move.shift_end, tuple(pair)), day.starts):
            start = max(day.starts[moved], day.starts[brk.name])
            end = min(day.starts[moved] + _moved(move).length, day.starts[brk.name] + brk.length)
            found.append(Finding("overlap", start, end, int(brk.name), move.moved))
    return tuple(sorted(found, key=lambda f: f.value))


def _window(move: Move) -> tuple[Finding, ...]:
    """The moved break outside its window: [start, end] is the window, `value` the new start."""
    return tuple(
        Finding("window", v.first, v.last, v.value, v.first if v.value < v.first else v.last)
        for v in rules.window(_moved(move), move.new_start)
    )


def _stretches(before: _Day, after: _Day) -> tuple[Finding, ...]:
    """Stretches of work the move creates that are too short or too long (a stretch that was
    there before the move broke the same rule before it)."""
    was = {
        (v.rule, v.first, v.last)
        for v in rules.stretches(before.instance, before.agent, before.starts)
    }
    return tuple(
        Finding(v.rule, v.first, v.last, v.value, v.limit)
        for v in rules.stretches(after.instance, after.agent, after.starts)
        if v.rule in ("min_work", "max_work") and (v.rule, v.first, v.last) not in was
    )


def _newly_on_break(move: Move) -> list[int]:
    """Minutes the agent is on this break after the move but was working before it."""
    brk = move.breaks[move.moved]
    start, end = move.new_start, move.new_start + brk.length
    return [m for m in range(start, end) if not brk.start <= m < brk.start + brk.length]


def _runs(minutes: list[int], rule: Rule, value: list[int], limit: list[int]) -> list[Finding]:
    """Consecutive minutes with the same figures, as one finding each."""
    found: list[Finding] = []
    for m, v, lim in zip(minutes, value, limit, strict=True):
        last = found[-1] if found else None
        if last is not None and last.end == m and (last.value, last.limit) == (v, lim):
            found[-1] = Finding(rule, last.start, m + 1, v, lim)
        else:
            found.append(Finding(rule, m, m + 1, v, lim))
    return found


def _cap(move: Move, day: _Day) -> tuple[Finding, ...]:
    """Minutes the move puts over the cap on agents on a break at once."""
    caps = day.instance.max_on_break
    if caps is None:
        return ()
    others = _per_minute(move.others_on_break, move.shift_end)
    over = rules.over_cap(day.instance, _newly_on_break(move), others)
    counts = [others[m] + 1 for m in over]
    return tuple(_runs(over, "cap", counts, [caps[m] for m in over]))


def _coverage(move: Move) -> tuple[Finding, ...]:
    """Minutes where leaving the phones makes the shortage deeper."""
    newly = _newly_on_break(move)
    if move.requirement is None:
        start, end = move.new_start, move.new_start + move.breaks[move.moved].length
        return (Finding("requirement_unknown", start, end, 0, 0),) if newly else ()
    need = _per_minute(move.requirement, move.shift_end)
    phones = _per_minute(move.others_on_phones, move.shift_end)
    short = [
        m for m in newly if rules.short(need[m], phones[m]) > rules.short(need[m], phones[m] + 1)
    ]
    return tuple(_runs(short, "coverage", [phones[m] for m in short], [need[m] for m in short]))
