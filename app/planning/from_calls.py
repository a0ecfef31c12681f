"""Interval history built from the stored calls: calls offered and AHT per queue and interval.

The figures are the Reports' own (app.reports.aggregate, grouped in SQL): a call belongs to
the interval it was offered in, on the site's local clock; `calls` counts every offered
call (answered, abandoned or still waiting) and `aht_seconds` is the mean handle time of the
answered calls that ended (talk plus the agent's following wrap_up), 0 when none did.

Precedence, per queue and local day: a day on which the queue has stored calls takes its
history from them (source "calls"), replacing whatever the day held, an upload included;
a day without calls keeps its uploaded rows (source "upload"). The CSV importer leaves the
days built from calls as they are, so the calls stay the record and Reports agree.
On the day the clocks go back, the repeated wall-clock intervals are one row holding both
(history is kept by wall clock), starting at the first of them.

Interval length: a queue keeps the one its history already has (the importer's rule), else
the length most of the site's history has, else 30 minutes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.orm import Session

from app.events.store import bulk_insert, chunks
from app.models import Call, IntervalHistory, Queue, Site
from app.reports.aggregate import bucket_sums
from app.reports.service import local_span, thresholds_of

DEFAULT_INTERVAL_MINUTES = 30
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 2), date(9999, 12, 30)  # the days history can hold
LONGEST_REBUILD_DAYS = 3660  # ten years at one go
Progress = Callable[[float, str], None]
HISTORY: Table = cast(Table, IntervalHistory.__table__)


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild of the local days first..last wrote."""

    first: date
    last: date
    queue_days: int  # (queue, day) pairs that had calls
    intervals: int  # rows written
    uploads_replaced: int  # uploaded rows on those days, now replaced by the calls'


@dataclass
class _Sum:
    starts_at: datetime
    offered: int = 0
    handled: int = 0
    handle_seconds: float = 0.0


def lock_history(db: Session, *, site_id: int) -> None:
    """Serialise writers of one site's interval history until the transaction ends (PostgreSQL)."""
    if db.connection().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(7469, :site)"), {"site": site_id})


def interval_lengths(db: Session, *, site: Site) -> tuple[dict[int, int], int]:
    """Each queue's history interval (minutes) where it has one, and the site's most usual."""
    H = IntervalHistory
    rows = db.execute(
        select(H.queue_id, H.interval_minutes, func.count())
        .where(H.site_id == site.id)
        .group_by(H.queue_id, H.interval_minutes)
    ).all()
    per_queue: dict[int, Counter[int]] = defaultdict(Counter)
    overall: Counter[int] = Counter()
    for queue_id, minutes, count in rows:
        per_queue[queue_id][minutes] += count
        overall[minutes] += count
    lengths = {queue_id: found.most_common(1)[0][0] for queue_id, found in per_queue.items()}
    return lengths, overall.most_common(1)[0][0] if overall else DEFAULT_INTERVAL_MINUTES


def rebuild_history(db: Session, *, site: Site, first: date, last: date) -> RebuildResult:
    """Replace the history of the local days first..last by the stored calls' (flushes)."""
    if last < first:
        raise ValueError("the last day is before the first")
    lock_history(db, site_id=site.id)
    sums = _interval_sums(db, site=site, first=first, last=last)
    rows = [
        {
            "site_id": site.id,
            "queue_id": queue_id,
            "local_date": day,
            "interval_start": clock,
            "interval_minutes": minutes,
            "starts_at": total.starts_at,
            "calls": total.offered,
            "aht_seconds": total.handle_seconds / total.handled if total.handled else 0.0,
            "source": "calls",
        }
        for (queue_id, minutes, day, clock), total in sorted(sums.items())
        if total.offered > 0
    ]
    covered: dict[int, set[date]] = defaultdict(set)
    for queue_id, _minutes, day, _clock in sums:
        covered[queue_id].add(day)
    H = IntervalHistory
    in_range = (H.site_id == site.id, H.local_date >= first, H.local_date <= last)
    db.execute(delete(H).where(*in_range, H.source == "calls"))
    replaced = 0
    for queue_id, days in covered.items():
        for part in chunks(sorted(days)):
            gone = db.execute(
                delete(H).where(*in_range, H.queue_id == queue_id, H.local_date.in_(part))
            )
            replaced += int(gone.rowcount)  # type: ignore[attr-defined]
    bulk_insert(db, HISTORY, rows)
    db.flush()
    queue_days = sum(len(days) for days in covered.values())
    return RebuildResult(first, last, queue_days, len(rows), replaced)


def _interval_sums(
    db: Session, *, site: Site, first: date, last: date
) -> dict[tuple[int, int, date, time], _Sum]:
    """Offered, handled and handle seconds per (queue, interval minutes, local day, start)."""
    zone = ZoneInfo(site.timezone)
    start, end = local_span(first, last, zone)
    lengths, usual = interval_lengths(db, site=site)
    queue_ids = db.scalars(select(Queue.id).where(Queue.site_id == site.id)).all()
    minutes_of = {queue_id: lengths.get(queue_id, usual) for queue_id in queue_ids}
    sums: dict[tuple[int, int, date, time], _Sum] = {}
    for minutes in sorted(set(minutes_of.values())):
        buckets = bucket_sums(
            db, site_id=site.id, start=start, end=end, tz=zone, length_seconds=minutes * 60,
            dimension="queue", thresholds=thresholds_of(site),
        )  # fmt: skip
        for bucket in buckets:
            if bucket.key is None or minutes_of.get(bucket.key) != minutes:
                continue
            wall = bucket.start.replace(tzinfo=None)
            at = bucket.start.astimezone(UTC)
            key = (bucket.key, minutes, wall.date(), wall.time())
            total = sums.setdefault(key, _Sum(at))
            total.starts_at = min(total.starts_at, at)
            total.offered += bucket.sums.offered
            total.handled += bucket.sums.handled
            total.handle_seconds += bucket.sums.handle_seconds
    return sums


def day_runs(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """The days as runs of consecutive days: (first, last) of each, in order."""
    ordered = sorted(set(days))
    if not ordered:
        return
    first = previous = ordered[0]
    for day in ordered[1:]:
        if day - previous > timedelta(days=1):
            yield first, previous
            first = day
        previous = day
    yield first, previous


def rebuild_days(db: Session, *, site: Site, offered: Iterable[datetime | None]) -> int:
    """Rebuild the local days these offer times fall on (after an import); rows written."""
    zone = ZoneInfo(site.timezone)
    early, late = (datetime.combine(day, time(12), UTC) for day in (EARLIEST_DAY, LATEST_DAY))
    days = {at.astimezone(zone).date() for at in offered if at and early <= at <= late}
    written = 0
    for first, last in day_runs(days):
        written += rebuild_history(db, site=site, first=first, last=last).intervals
    return written


PIECE_DAYS = 31  # a long range is rebuilt a month at a time (one transaction all the same)


def rebuild_range(
    db: Session, *, site: Site, first: date, last: date, progress: Progress | None = None
) -> RebuildResult:
    """`rebuild_history` of first..last a piece at a time; `progress(fraction, message)`."""
    total = RebuildResult(first, last, 0, 0, 0)
    span = (last - first).days + 1
    start = first
    while start <= last:
        end = min(start + timedelta(days=PIECE_DAYS - 1), last)
        if progress is not None:
            progress((start - first).days / span, f"{start.isoformat()} to {end.isoformat()}")
        done = rebuild_history(db, site=site, first=start, last=end)
        total = RebuildResult(
            first, last, total.queue_days + done.queue_days, total.intervals + done.intervals,
            total.uploads_replaced + done.uploads_replaced,
        )  # fmt: skip
        start = end + timedelta(days=1)
    return total


def call_days(db: Session, *, site: Site) -> tuple[date, date] | None:
    """The local days of the site's first and last stored calls; None without calls."""
    found = db.execute(
        select(func.min(Call.offered_at), func.max(Call.offered_at)).where(
            Call.site_id == site.id, Call.offered_at.is_not(None)
        )
    ).one()
    if found[0] is None:
        return None
    zone = ZoneInfo(site.timezone)
    earliest, latest = (at.astimezone(zone).date() for at in found)
    return earliest, latest


LIVE_LOOKBACK_DAYS = 84  # the twelve weeks a forecast reads


def stale_days(db: Session, *, site: Site, today: date) -> tuple[date, date] | None:
    """Days up to yesterday whose calls (the live feed's) are not in the history yet: from
    the last day built from calls (again: its late events) to yesterday; None when none.

    Read only, two indexed look-ups: Planning asks it on every page.
    """
    H = IntervalHistory
    zone = ZoneInfo(site.timezone)
    yesterday = today - timedelta(days=1)
    built = db.scalar(
        select(func.max(H.local_date)).where(
            H.site_id == site.id,
            H.source == "calls",
            H.local_date >= today - timedelta(days=LIVE_LOOKBACK_DAYS),
        )
    )
    since = built + timedelta(days=1) if built else today - timedelta(days=LIVE_LOOKBACK_DAYS)
    if since > yesterday:
        return None
    start, end = local_span(since, yesterday, zone)
    first_call = db.scalar(
        select(func.min(Call.offered_at)).where(
            Call.site_id == site.id, Call.offered_at >= start, Call.offered_at < end
        )
    )
    if first_call is None:
        return None
    return (built or first_call.astimezone(zone).date()), yesterday


def days_from_calls(db: Session, *, site_id: int, first: date, last: date) -> set[tuple[int, date]]:
    """The (queue, day) pairs of first..last whose history was built from calls."""
    H = IntervalHistory
    query = (
        select(H.queue_id, H.local_date)
        .where(H.site_id == site_id, H.source == "calls", H.local_date.between(first, last))
        .distinct()
    )
    return {(queue_id, day) for queue_id, day in db.execute(query)}


__all__ = [
    "RebuildResult",
    "call_days",
    "day_runs",
    "days_from_calls",
    "interval_lengths",
    "lock_history",
    "rebuild_days",
    "rebuild_history",
    "rebuild_range",
    "stale_days",
]
