"""The rules a roster row must keep, checked all at once on real instants.

A row is an agent's worked shifts by local day (the week being edited plus the shifts just
before and after it). Hard rules refuse an edit; the contract hours only warn.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from app.rosters.instance import Span


@dataclass(frozen=True)
class Finding:
    """A rule a row breaks: `rule` names it, `days` are the days involved, `hard` refuses."""

    rule: str  # rest, overlap, consecutive, time_off, hours
    days: tuple[date, ...]
    hard: bool
    value: int = 0  # minutes of rest, days in a row, or minutes worked
    limit: int = 0


@dataclass(frozen=True)
class RowRules:
    """The limits a row is checked against."""

    min_rest_minutes: int
    max_consecutive_days: int | None
    weekly_minutes: int
    tolerance_minutes: int


def check_row(
    spans: list[Span],
    *,
    week: list[date],
    time_off: set[date],
    credit_minutes: int,
    rules: RowRules,
) -> list[Finding]:
    """Every rule `spans` break, hard ones first."""
    ordered = sorted(spans, key=lambda s: s.starts_at)
    found = _rest(ordered, rules) + _consecutive(ordered, rules)
    found += [Finding("time_off", (s.day,), True) for s in ordered if s.day in time_off]
    found += _hours(ordered, week, credit_minutes, rules)
    return found


def new_findings(before: list[Finding], after: list[Finding]) -> list[Finding]:
    """What an edit breaks that was not broken already."""
    return [f for f in after if f not in before]


def _rest(ordered: list[Span], rules: RowRules) -> list[Finding]:
    found = []
    for one, two in itertools.pairwise(ordered):
        gap = int((two.starts_at - one.ends_at) / timedelta(minutes=1))
        if gap < 0:
            found.append(Finding("overlap", (one.day, two.day), True, gap, 0))
        elif gap < rules.min_rest_minutes:
            found.append(Finding("rest", (one.day, two.day), True, gap, rules.min_rest_minutes))
    return found


def _consecutive(ordered: list[Span], rules: RowRules) -> list[Finding]:
    cap = rules.max_consecutive_days
    if cap is None:
        return []
    days = sorted({s.day for s in ordered})
    found, run = [], [days[0]] if days else []
    for day in [*days[1:], None]:
        if day is not None and run and day == run[-1] + timedelta(days=1):
            run.append(day)
            continue
        if len(run) > cap:
            found.append(Finding("consecutive", (run[0], run[-1]), True, len(run), cap))
        run = [day] if day is not None else []
    return found


def _hours(
    ordered: list[Span], week: list[date], credit_minutes: int, rules: RowRules
) -> list[Finding]:
    worked = sum(
        int((s.ends_at - s.starts_at) / timedelta(minutes=1)) for s in ordered if s.day in week
    )
    total = worked + credit_minutes
    if abs(total - rules.weekly_minutes) <= rules.tolerance_minutes:
        return []
    return [Finding("hours", (week[0], week[-1]), False, total, rules.weekly_minutes)]
