"""A small iCalendar (RFC 5545) writer: VEVENTs in UTC, text escaped, lines folded at 75 octets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

CRLF = "\r\n"
MAX_LINE_OCTETS = 75
PRODID = "-//smena//smena calendar feed//EN"


@dataclass(frozen=True)
class Event:
    """One VEVENT: a stable `uid`, a span of time (time-zone aware) and what to call it."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    transparent: bool = False  # TRANSP:TRANSPARENT: does not block time (a break in a shift)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def format_utc(value: datetime) -> str:
    """A DATE-TIME in UTC form, e.g. 20261128T093000Z; naive datetimes are refused."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass a time-zone aware value")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """A content line folded (RFC 5545 3.1): at most 75 octets a line, never inside a character."""
    parts: list[str] = []
    current, size, limit = "", 0, MAX_LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append(current)
            current, size, limit = "", 0, MAX_LINE_OCTETS - 1  # the leading space counts
        current += char
        size += octets
    parts.append(current)
    return (CRLF + " ").join(parts)


def _event_lines(event: Event, stamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{format_utc(event.starts_at)}",
        f"DTEND:{format_utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    lines.append(f"TRANSP:{'TRANSPARENT' if event.transparent else 'OPAQUE'}")
    lines.append("END:VEVENT")
    return lines


def calendar(name: str, events: Iterable[Event], *, now: datetime) -> str:
    """A whole VCALENDAR; `now` is each event's DTSTAMP (when the feed was written)."""
    stamp = format_utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
