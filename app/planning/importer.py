"""Interval history CSV import (`date,interval_start,queue,calls,aht_seconds`): all or nothing.

A queue is named as the site knows it; an unknown or inactive queue name is refused on its
line (never created: a typo would otherwise become a new queue). `date` and
`interval_start` are the site's local day and wall-clock time; an interval start skipped
by a clock change is refused. Each queue keeps one interval length: a file in 15-minute
intervals for a queue whose history is in 30-minute ones is refused on every such line.
Importing the same file again changes nothing and writes no audit entry. A queue's day whose
history is built from the stored calls keeps it: the file's lines for that day are counted as
`from_calls` and left out (app.planning.from_calls has the precedence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.csv_lines import ImportResult, LineError, open_csv
from app.db import utcnow
from app.i18n import _
from app.models import AuditEntry, IntervalHistory, Queue, Site, User
from app.planning.from_calls import days_from_calls, lock_history
from app.shifts.timeconv import NonexistentLocalTime, parse_clock, to_utc

COLUMNS = ("date", "interval_start", "queue", "calls", "aht_seconds")
INTERVAL_CHOICES = (15, 30, 60)
MAX_BYTES = 20 * 1024 * 1024
MAX_CALLS = 100_000  # per interval; with MAX_AHT_SECONDS keeps traffic in staffing's range
MAX_AHT_SECONDS = 7200.0


@dataclass(frozen=True)
class HistoryImportResult(ImportResult):
    """The import's counts, and the lines left out because their day is built from calls."""

    from_calls: int = 0


@dataclass(frozen=True)
class _Row:
    line: int
    queue: Queue
    day: date
    start: time
    starts_at: datetime
    calls: int
    aht_seconds: float


class _Lines:
    """The checks of one file: the site's queues, the lines seen, and the errors found."""

    def __init__(
        self, db: Session, site: Site, interval_minutes: int, errors: list[LineError]
    ) -> None:
        self.zone = ZoneInfo(site.timezone)
        self.interval_minutes = interval_minutes
        self.queues = {q.name: q for q in db.scalars(select(Queue).where(Queue.site_id == site.id))}
        lengths = db.execute(
            select(IntervalHistory.queue_id, IntervalHistory.interval_minutes)
            .where(IntervalHistory.site_id == site.id)
            .distinct()
        )
        self.lengths: dict[int, int] = {queue_id: minutes for queue_id, minutes in lengths}
        self.errors = errors
        self.seen: dict[tuple[int, date, time], int] = {}

    def error(self, line: int, column: str, reason: str) -> None:
        self.errors.append(LineError(line, column, reason))

    def read(self, number: int, cells: list[str]) -> _Row | None:
        if len(cells) != len(COLUMNS):
            self.error(number, "", _("Expected 5 columns, found {n}.").format(n=len(cells)))
            return None
        day_text, start_text, name, calls_text, aht_text = (c.strip() for c in cells)
        found = len(self.errors)
        day = self._day(number, day_text)
        start = self._start(number, start_text)
        queue = self._queue(number, name)
        calls = self._calls(number, calls_text)
        aht = self._aht(number, aht_text)
        if len(self.errors) > found:
            return None
        assert day and start and queue and calls is not None and aht is not None
        try:
            starts_at = to_utc(day, start, self.zone)
        except NonexistentLocalTime:
            reason = _("This time does not exist on that day in the site's time zone.")
            self.error(number, "interval_start", reason)
            return None
        except OverflowError:  # the first or last days a datetime can hold
            reason = _("Not a date (YYYY-MM-DD): “{value}”.").format(value=day_text)
            self.error(number, "date", reason)
            return None
        key = (queue.id, day, start)
        if key in self.seen:
            reason = _("This queue already has this interval on this day (line {line}).")
            self.error(number, "interval_start", reason.format(line=self.seen[key]))
            return None
        self.seen[key] = number
        return _Row(number, queue, day, start, starts_at, calls, aht)

    def _day(self, number: int, text: str) -> date | None:
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.error(number, "date", _("Not a date (YYYY-MM-DD): “{value}”.").format(value=text))
            return None

    def _start(self, number: int, text: str) -> time | None:
        try:
            start = parse_clock(text)
        except ValueError:
            reason = _("Not a time (HH:MM): “{value}”.").format(value=text)
            self.error(number, "interval_start", reason)
            return None
        if (start.hour * 60 + start.minute) % self.interval_minutes:
            reason = _("An interval of {n} minutes starts at a multiple of {n} minutes.")
            self.error(number, "interval_start", reason.format(n=self.interval_minutes))
            return None
        return start

    def _queue(self, number: int, name: str) -> Queue | None:
        queue = self.queues.get(name)
        if queue is None or not queue.active:
            reason = _("No active queue named “{name}” at this site.").format(name=name)
            self.error(number, "queue", reason)
            return None
        length = self.lengths.get(queue.id, self.interval_minutes)
        if length != self.interval_minutes:
            reason = _("This queue's history is in intervals of {n} minutes.").format(n=length)
            self.error(number, "queue", reason)
            return None
        return queue

    def _calls(self, number: int, text: str) -> int | None:
        digits = text.isascii() and text.isdigit()  # "²" is a digit int() refuses
        if not digits or len(text.lstrip("0")) > 6 or int(text) > MAX_CALLS:
            reason = _("A whole number from 0 to {n}: “{value}”.")
            self.error(number, "calls", reason.format(n=MAX_CALLS, value=text))
            return None
        return int(text)

    def _aht(self, number: int, text: str) -> float | None:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not 0 <= value <= MAX_AHT_SECONDS:
            reason = _("A number of seconds from 0 to {n}: “{value}”.")
            self.error(number, "aht_seconds", reason.format(n=int(MAX_AHT_SECONDS), value=text))
            return None
        return value


def import_history(
    db: Session,
    *,
    user: User | None,
    site: Site,
    content: bytes,
    interval_minutes: int = 30,
    filename: str = "",
) -> HistoryImportResult:
    """Check every line first; write the intervals only when the whole file is valid."""
    rows, errors = _read(db, site, content, interval_minutes)
    if errors:
        return HistoryImportResult(errors=tuple(errors))
    lock_history(db, site_id=site.id)
    built = days_from_calls(
        db, site_id=site.id, first=min(r.day for r in rows), last=max(r.day for r in rows)
    )
    kept = [r for r in rows if (r.queue.id, r.day) not in built]
    from_calls, rows = len(rows) - len(kept), kept
    if not rows:
        return HistoryImportResult(from_calls=from_calls)
    existing = _existing(db, site, rows)
    created: list[dict[str, object]] = []
    updated = unchanged = 0
    for row in rows:
        old = existing.get((row.queue.id, row.day, row.start))
        if old is None:
            created.append(_values(site, row, interval_minutes))
        elif (old.calls, old.aht_seconds) == (row.calls, row.aht_seconds):
            unchanged += 1
        else:
            old.calls, old.aht_seconds, old.starts_at = row.calls, row.aht_seconds, row.starts_at
            updated += 1
    if created:
        db.execute(insert(IntervalHistory), created)
    if created or updated:
        _audit(db, user, site, rows, filename, len(created), updated)
    db.flush()
    return HistoryImportResult(
        created=len(created), updated=updated, unchanged=unchanged, from_calls=from_calls
    )


def _values(site: Site, row: _Row, interval_minutes: int) -> dict[str, object]:
    return {
        "site_id": site.id,
        "queue_id": row.queue.id,
        "local_date": row.day,
        "interval_start": row.start,
        "interval_minutes": interval_minutes,
        "starts_at": row.starts_at,
        "calls": row.calls,
        "aht_seconds": row.aht_seconds,
    }


def _existing(
    db: Session, site: Site, rows: list[_Row]
) -> dict[tuple[int, date, time], IntervalHistory]:
    days = [r.day for r in rows]
    found = db.scalars(
        select(IntervalHistory).where(
            IntervalHistory.site_id == site.id,
            IntervalHistory.queue_id.in_({r.queue.id for r in rows}),
            IntervalHistory.local_date.between(min(days), max(days)),
        )
    )
    return {(h.queue_id, h.local_date, h.interval_start): h for h in found}


def _audit(
    db: Session,
    user: User | None,
    site: Site,
    rows: list[_Row],
    filename: str,
    created: int,
    updated: int,
) -> None:
    """One audit entry for the whole file: thousands of intervals are one change."""
    days = [r.day for r in rows]
    db.add(
        AuditEntry(
            at=utcnow(),
            user_id=user.id if user else None,
            action="import",
            entity="interval_history",
            entity_id=str(site.id),
            before=None,
            after={
                "file": filename,
                "created": created,
                "updated": updated,
                "queues": sorted({r.queue.name for r in rows}),
                "from": min(days).isoformat(),
                "to": max(days).isoformat(),
            },
        )
    )


def _read(
    db: Session, site: Site, content: bytes, interval_minutes: int
) -> tuple[list[_Row], list[LineError]]:
    if interval_minutes not in INTERVAL_CHOICES:
        return [], [LineError(0, "", _("Intervals of 15, 30 or 60 minutes."))]
    too_large = _("The file is larger than 20 MB.")
    csv_lines = open_csv(content, columns=COLUMNS, max_bytes=MAX_BYTES, too_large=too_large)
    if isinstance(csv_lines, LineError):
        return [], [csv_lines]
    lines = _Lines(db, site, interval_minutes, csv_lines.errors)
    rows = [row for number, cells in csv_lines if (row := lines.read(number, cells))]
    if not rows and not lines.errors:
        lines.error(2, "", _("The file has no intervals."))
    return rows, lines.errors
