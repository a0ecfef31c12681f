"""Checking one hand move of one agent's break: which rules it breaks, and whether coverage holds.

Time is in whole minutes from the start of the agent's shift (minute 0), so the shift is
[0, shift_end). A move is judged by what it makes worse: a stretch of work, a slot over the
cap or a slot short of agents that the plan had before the move is not the move's fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    hard = _inside_shift(move) + _overlaps(move)
    if hard:
        return Verdict(hard)
    rules = _window(move) + _stretches(move) + _cap(move)
    return Verdict(rules + _coverage(move))


def _span(move: Move) -> tuple[int, int]:
    brk = move.breaks[move.moved]
    return move.new_start, move.new_start + brk.length


def _inside_shift(move: Move) -> tuple[Finding, ...]:
    start, end = _span(move)
    if start < 0 or end > move.shift_end:
        return (Finding("inside_shift", start, end, end - start, move.shift_end),)
    return ()


def _overlaps(move: Move) -> tuple[Finding, ...]:
    start, end = _span(move)
    return tuple(
        Finding("overlap", max(start, b.start), min(end, b.start + b.length), i, move.moved)
        for i, b in enumerate(move.breaks)
        if i != move.moved and b.start < end and start < b.start + b.length
    )


def _window(move: Move) -> tuple[Finding, ...]:
    """The moved break outside its window: [start, end] is the window, `value` the new start."""
    brk = move.breaks[move.moved]
    earliest = 0 if brk.earliest is None else brk.earliest
    latest = move.shift_end - brk.length if brk.latest is None else brk.latest
    if move.new_start < earliest:
        return (Finding("window", earliest, latest, move.new_start, earliest),)
    if move.new_start > latest:
        return (Finding("window", earliest, latest, move.new_start, latest),)
    return ()


def _stretch_edges(shift_end: int, spans: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Stretches of work [from, to) between the shift's edges and the breaks, in time order."""
    edges = [0]
    for start, end in sorted(spans):
        edges += [start, end]
    edges.append(shift_end)
    return {(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)}


def _stretches(move: Move) -> tuple[Finding, ...]:
    """Stretches of work the move creates that are too short or too long."""
    before = [(b.start, b.start + b.length) for b in move.breaks]
    after = [s if i != move.moved else _span(move) for i, s in enumerate(before)]
    new = _stretch_edges(move.shift_end, after) - _stretch_edges(move.shift_end, before)
    found: list[Finding] = []
    for start, end in sorted(new):
        if end - start < move.min_work:
            found.append(Finding("min_work", start, end, end - start, move.min_work))
        elif move.max_work is not None and end - start > move.max_work:
            found.append(Finding("max_work", start, end, end - start, move.max_work))
    return tuple(found)


def _newly_on_break(move: Move) -> list[int]:
    """Minutes the agent is on this break after the move but was working before it."""
    brk = move.breaks[move.moved]
    start, end = _span(move)
    return [m for m in range(start, end) if not brk.start <= m < brk.start + brk.length]


def _at(values: tuple[int, ...], minute: int) -> int:
    return values[minute] if minute < len(values) else 0


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


def _cap(move: Move) -> tuple[Finding, ...]:
    """Minutes the move puts over the cap on agents on a break at once."""
    cap = move.max_on_break
    if cap is None:
        return ()
    over = [m for m in _newly_on_break(move) if _at(move.others_on_break, m) + 1 > cap]
    counts = [_at(move.others_on_break, m) + 1 for m in over]
    return tuple(_runs(over, "cap", counts, [cap] * len(over)))


def _coverage(move: Move) -> tuple[Finding, ...]:
    """Minutes where leaving the phones makes the shortage deeper (requirement > the others)."""
    newly = _newly_on_break(move)
    if move.requirement is None:
        start, end = _span(move)
        return (Finding("requirement_unknown", start, end, 0, 0),) if newly else ()
    need = move.requirement
    short = [m for m in newly if _at(move.others_on_phones, m) < _at(need, m)]
    working = [_at(move.others_on_phones, m) for m in short]
    required = [_at(need, m) for m in short]
    return tuple(_runs(short, "coverage", working, required))
