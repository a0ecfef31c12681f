"""KPI reports: the contract's figures per day, week or month and per queue, team or agent.

Sums come grouped from the database (app.reports.aggregate); days are rolled up into weeks
(Monday first) and months here, and the ratios are the contract's (kpi.definitions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, Queue, Site, Team
from app.reports.aggregate import Bucket, Sums, bucket_sums
from app.shifts.timeconv import to_utc
from kpi.definitions import CallFigures, Thresholds

PERIODS = ("day", "week", "month")
DIMENSIONS = ("all", "queue", "team", "agent")


@dataclass(frozen=True)
class ReportRow:
    """One period and one queue, team or agent (key None: none of them, or all calls)."""

    period: date
    key: int | None
    label: str
    figures: CallFigures


@dataclass(frozen=True)
class Report:
    """Rows by period then label, and each period's all-calls figures for the chart."""

    site: Site
    period: str
    dimension: str
    first: date
    last: date
    rows: tuple[ReportRow, ...]
    totals: tuple[ReportRow, ...]


@dataclass(frozen=True)
class IntervalRow:
    """The calls offered in [start, start + interval) in one queue (None: all queues)."""

    start: datetime
    queue: str | None
    figures: CallFigures


def thresholds_of(
    site: Site, *, sl_seconds: float | None = None, short: float | None = None
) -> Thresholds:
    """The site's thresholds, or the ones asked for."""
    return Thresholds(
        sl_seconds=float(
            site.service_level_threshold_seconds if sl_seconds is None else sl_seconds
        ),
        short_abandon_seconds=float(site.short_abandon_seconds if short is None else short),
    )


def period_of(day: date, period: str) -> date:
    """The first day of the day's week (Monday) or month, or the day itself."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def local_span(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC [start, end) of the local days first..last."""
    return to_utc(first, time(0), zone), to_utc(last + timedelta(days=1), time(0), zone)


def labels(db: Session, *, site_id: int, dimension: str) -> dict[int | None, str]:
    """Names of the dimension's keys; None stands for calls without a queue, team or agent."""
    if dimension == "queue":
        rows = db.execute(select(Queue.id, Queue.name).where(Queue.site_id == site_id)).all()
    elif dimension == "team":
        rows = db.execute(select(Team.id, Team.name).where(Team.site_id == site_id)).all()
    elif dimension == "agent":
        query = select(Agent.id, Agent.code + " " + Agent.display_name)
        rows = db.execute(query.where(Agent.site_id == site_id)).all()
    else:
        return {None: ""}
    return {None: "—", **{key: str(name) for key, name in rows}}


def kpi_report(
    db: Session,
    *,
    site: Site,
    period: str,
    dimension: str,
    first: date,
    last: date,
    thresholds: Thresholds | None = None,
) -> Report:
    """The site's figures per period and dimension key for the local days first..last."""
    zone = ZoneInfo(site.timezone)
    start, end = local_span(first, last, zone)
    found = bucket_sums(
        db, site_id=site.id, start=start, end=end, tz=zone, length_seconds=86400,
        dimension=dimension, thresholds=thresholds or thresholds_of(site),
    )  # fmt: skip
    names = labels(db, site_id=site.id, dimension=dimension)
    rows = [
        ReportRow(day, key, names.get(key, str(key)), sums.figures())
        for (day, key), sums in _rolled_up(found, period, lambda key: key).items()
    ]
    totals = [
        ReportRow(day, None, "", sums.figures())
        for (day, _), sums in _rolled_up(found, period, lambda _key: None).items()
    ]
    return Report(
        site=site, period=period, dimension=dimension, first=first, last=last,
        rows=tuple(sorted(rows, key=lambda row: (row.period, row.label))),
        totals=tuple(sorted(totals, key=lambda row: row.period)),
    )  # fmt: skip


def _rolled_up(
    found: Sequence[Bucket], period: str, key_of: object
) -> dict[tuple[date, int | None], Sums]:
    rolled: dict[tuple[date, int | None], Sums] = defaultdict(Sums)
    for bucket in found:
        key = (period_of(bucket.start.date(), period), key_of(bucket.key))  # type: ignore[operator]
        rolled[key] = rolled[key] + bucket.sums
    return rolled


def interval_report(
    db: Session,
    *,
    site: Site,
    start: datetime,
    end: datetime,
    interval_minutes: int = 30,
    queue: str | None = None,
    thresholds: Thresholds | None = None,
) -> tuple[IntervalRow, ...] | None:
    """Rows per interval and queue with calls, plus all queues (queue None); None: unknown queue.

    Intervals are aligned to the site's local midnight; with `queue`, only that queue's rows.
    """
    queues = dict(db.execute(select(Queue.id, Queue.name).where(Queue.site_id == site.id)).all())
    queue_id = next((key for key, name in queues.items() if name == queue), None)
    if queue is not None and queue_id is None:
        return None
    found = bucket_sums(
        db, site_id=site.id, start=start, end=end, tz=ZoneInfo(site.timezone),
        length_seconds=interval_minutes * 60, dimension="queue",
        thresholds=thresholds or thresholds_of(site), queue_id=queue_id,
    )  # fmt: skip
    rows: dict[tuple[datetime, str | None], Sums] = defaultdict(Sums)
    for bucket in found:
        name = queues.get(bucket.key) if bucket.key is not None else "—"
        if queue is None:
            rows[bucket.start, None] = rows[bucket.start, None] + bucket.sums
        rows[bucket.start, name] = rows[bucket.start, name] + bucket.sums
    ordered = sorted(rows.items(), key=lambda i: (i[0][0], i[0][1] is not None, i[0][1] or ""))
    return tuple(IntervalRow(start_, name, sums.figures()) for (start_, name), sums in ordered)
