"""Local wall-clock times of a site <-> UTC instants, in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a clock change in the site's zone."""


def to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The instant of `clock` on `day` in `zone`; refuses a time skipped by a clock change."""
    local = datetime.combine(day, clock, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{day} {clock:%H:%M}")
    return instant


def shift_span(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end instants of a shift; an end at or before the start is on the next day."""
    end_day = day + timedelta(days=1) if end <= start else day
    return to_utc(day, start, zone), to_utc(end_day, end, zone)


def parse_clock(text: str) -> time:
    """`HH:MM` (24 h) as a time; ValueError otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        raise ValueError(text)
    return time(int(hours), int(minutes))


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())
