"""Additive call sums per local bucket and dimension, grouped in SQL (a year of calls stays fast).

The contract's ratios are not additive, but their parts are: counts, the sum of waits and the
sum of handle times. The database groups the calls of each bucket (a fixed number of seconds
counted from the site's local midnight) by those parts; kpi.definitions' ratios follow in
Python. A local bucket is a UTC bucket shifted by the zone's offset, so the range is cut where
the offset changes (DST) and each constant-offset piece is one query.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.models import Agent
from app.models.events import Call
from app.reports.wrapups import wrap_up_corrections
from kpi.definitions import CallFigures, Thresholds

EPOCH = datetime(1970, 1, 1)
DIMENSIONS = ("all", "queue", "team", "agent")


@dataclass(frozen=True, slots=True)
class Sums:
    """The additive parts of the contract's figures; seconds are sums over the counted calls."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandons: int = 0
    answered_in_target: int = 0
    wait_seconds: float = 0.0
    handled: int = 0
    handle_seconds: float = 0.0

    def __add__(self, other: Sums) -> Sums:
        return Sums(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    def figures(self) -> CallFigures:
        """kpi.definitions' figures from these sums (None where nothing divides)."""
        base = self.offered - self.short_abandons
        return CallFigures(
            offered=self.offered,
            answered=self.answered,
            abandoned=self.abandoned,
            short_abandons=self.short_abandons,
            answered_in_target=self.answered_in_target,
            handled=self.handled,
            service_level=_ratio(self.answered_in_target, base),
            abandon_rate=_ratio(self.abandoned - self.short_abandons, base),
            asa_seconds=_ratio(self.wait_seconds, self.answered),
            aht_seconds=_ratio(self.handle_seconds, self.handled),
        )


def _values(sums: Sums) -> tuple[Any, ...]:
    return tuple(getattr(sums, name) for name in Sums.__slots__)


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


@dataclass(frozen=True, slots=True)
class Bucket:
    """Calls offered in [start, start + length) in one dimension key (None: no queue/team/agent)."""

    start: datetime  # aware, with the site's offset at that moment
    key: int | None
    sums: Sums


def offset_pieces(
    start: datetime, end: datetime, tz: tzinfo
) -> Iterator[tuple[datetime, datetime, int]]:
    """[start, end) cut where the zone's UTC offset changes: (piece start, piece end, offset s)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # steps of real time, not wall time
    piece, at = start, start
    offset = _offset(start, tz)
    while at < end:
        step = min(at + timedelta(hours=1), end)
        if _offset(step, tz) != offset and step < end:
            change = at
            while _offset(change, tz) == offset:
                change += timedelta(minutes=1)
            yield piece, change, offset
            piece, offset = change, _offset(change, tz)
        at = step
    yield piece, end, offset


def _offset(at: datetime, tz: tzinfo) -> int:
    delta = at.astimezone(tz).utcoffset()
    assert delta is not None
    return int(delta.total_seconds())


def _epoch(db: Session, column: Any) -> ColumnElement[Any]:
    """Seconds since 1970 of a stored UTC instant (microseconds kept, exact on both databases)."""
    if db.connection().dialect.name == "postgresql":
        return func.date_part("epoch", column)  # double precision: faster than numeric extract
    return _whole(column) + _micro(column) / 1_000_000.0


def _whole(column: Any) -> ColumnElement[Any]:
    """SQLite: whole seconds of 'YYYY-MM-DD HH:MM:SS.ffffff' (cut first: SQLite rounds to ms)."""
    return cast(func.strftime("%s", func.substr(column, 1, 19)), Integer)


def _micro(column: Any) -> ColumnElement[Any]:
    return cast(func.substr(column, 21, 6), Integer)


def _seconds(db: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    if db.connection().dialect.name == "postgresql":
        return func.date_part("epoch", later - earlier)
    return (_whole(later) - _whole(earlier)) + (_micro(later) - _micro(earlier)) / 1_000_000.0


def _bucket(db: Session, offset: int, length: int) -> ColumnElement[Any]:
    local = _epoch(db, Call.offered_at) + offset
    if db.connection().dialect.name == "postgresql":
        return cast(func.floor(local / length), Integer)
    return cast(local / float(length), Integer)  # instants after 1970: truncation is floor


def _dimension(dimension: str) -> ColumnElement[Any]:
    columns: dict[str, Any] = {
        "all": literal(None, Integer),
        "queue": Call.queue_id,
        "agent": Call.agent_id,
        "team": Agent.team_id,
    }
    return columns[dimension]  # type: ignore[no-any-return]


def _sum_columns(db: Session, thresholds: Thresholds) -> list[ColumnElement[Any]]:
    answered = Call.answered_at.is_not(None)
    abandoned = and_(Call.answered_at.is_(None), Call.abandoned_at.is_not(None))
    wait = _seconds(db, Call.answered_at, Call.offered_at)
    gave_up = _seconds(db, Call.abandoned_at, Call.offered_at)
    handled = and_(answered, Call.ended_at.is_not(None))

    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [
        func.count(),
        count(answered),
        count(abandoned),
        count(and_(abandoned, gave_up < thresholds.short_abandon_seconds)),
        count(and_(answered, wait <= thresholds.sl_seconds)),
        func.coalesce(func.sum(cast(case((answered, wait), else_=None), Float)), 0.0),
        count(handled),
        func.coalesce(
            func.sum(cast(case((handled, _seconds(db, Call.ended_at, Call.answered_at))), Float)),
            0.0,
        ),
    ]


def bucket_sums(
    db: Session,
    *,
    site_id: int,
    start: datetime,
    end: datetime,
    tz: tzinfo,
    length_seconds: int,
    dimension: str,
    thresholds: Thresholds,
    queue_id: int | None = None,
) -> list[Bucket]:
    """Sums of the calls offered in [start, end) per local bucket and dimension key.

    Talk is summed in SQL; the wrap-ups that follow calls come as further buckets that only
    change `handled` and `handle_seconds` (callers add buckets with the same start and key).
    """
    if 86400 % length_seconds:
        raise ValueError("the bucket length must divide a day")
    found: list[Bucket] = []
    for piece_start, piece_end, offset in offset_pieces(start, end, tz):
        bucket, key = _bucket(db, offset, length_seconds), _dimension(dimension)
        query = select(bucket, key, *_sum_columns(db, thresholds)).where(
            Call.site_id == site_id, Call.offered_at >= piece_start, Call.offered_at < piece_end
        )
        if dimension == "team":
            query = query.outerjoin(Agent, Agent.id == Call.agent_id)
        if queue_id is not None:
            query = query.where(Call.queue_id == queue_id)
        zone = timezone(timedelta(seconds=offset))
        for index, group, *sums in db.execute(query.group_by(bucket, key)):
            wall = EPOCH + timedelta(seconds=int(index) * length_seconds)
            offered, answered, abandoned, short, in_target = (int(v) for v in sums[:5])
            total = Sums(
                offered, answered, abandoned, short, in_target,
                float(sums[5]), int(sums[6]), float(sums[7]),
            )  # fmt: skip
            found.append(Bucket(wall.replace(tzinfo=zone), group, total))
    changes = wrap_up_corrections(
        db, site_id=site_id, start=start, end=end, tz=tz, length_seconds=length_seconds,
        dimension=dimension, thresholds=thresholds, queue_id=queue_id,
    )  # fmt: skip
    found.extend(
        Bucket(at, key, Sums(handled=handled, handle_seconds=seconds))
        for at, key, handled, seconds in changes
    )
    return found


def utc(at: datetime) -> datetime:
    """The instant in UTC (the stored form)."""
    return at.astimezone(UTC)
