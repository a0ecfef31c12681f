"""Planning: interval history per queue, and the staffing plans saved for a week.

Times: an interval is kept both as the site's local day and wall-clock start (`local_date`,
`interval_start`: what history files and forecasts speak in, by weekday and time of day)
and as the UTC instant it starts (`starts_at`: what the rest of smena joins on). The two
are written together by the importer, from the site's time zone at import time.

A queue's day comes from the stored calls when it has any (`source` "calls",
app.planning.from_calls), else from an upload; see from_calls for the precedence.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.org import Queue


class IntervalHistory(Base):
    """Calls offered to a queue in one interval of a past day, and their AHT (seconds)."""

    __tablename__ = "interval_history"
    __table_args__ = (
        UniqueConstraint("site_id", "queue_id", "local_date", "interval_start"),
        CheckConstraint("calls >= 0", name="calls"),
        CheckConstraint("aht_seconds >= 0", name="aht"),
        CheckConstraint("interval_minutes > 0 AND interval_minutes <= 1440", name="interval"),
        CheckConstraint("source IN ('upload', 'calls')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    interval_start: Mapped[time] = mapped_column(Time)  # site wall clock
    interval_minutes: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    calls: Mapped[int] = mapped_column(Integer)
    aht_seconds: Mapped[float] = mapped_column(Float)
    # "upload": a CSV (or the demo's synthetic days); "calls": built from the stored calls
    source: Mapped[str] = mapped_column(String(8), server_default="upload")


class StaffingPlan(Base):
    """The requirement saved for one queue and one week (Monday, site's local date)."""

    __tablename__ = "staffing_plans"
    __table_args__ = (
        UniqueConstraint("site_id", "queue_id", "week_start"),
        CheckConstraint("service_level > 0 AND service_level < 1", name="service_level"),
        CheckConstraint("answer_seconds >= 0", name="answer_seconds"),
        CheckConstraint("shrinkage >= 0 AND shrinkage < 1", name="shrinkage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    service_level: Mapped[float] = mapped_column(Float)
    answer_seconds: Mapped[int] = mapped_column(Integer)
    max_occupancy: Mapped[float | None] = mapped_column(Float)
    shrinkage: Mapped[float] = mapped_column(Float)
    patience_seconds: Mapped[float | None] = mapped_column(Float)
    forecast_method: Mapped[str] = mapped_column(String(32))
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    queue: Mapped[Queue] = relationship(lazy="raise")


class StaffingPlanInterval(Base):
    """One interval of a saved plan: the forecast and the agents and positions it needs."""

    __tablename__ = "staffing_plan_intervals"
    __table_args__ = (CheckConstraint("agents >= 0 AND positions >= agents", name="staff"),)

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("staffing_plans.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    calls: Mapped[float] = mapped_column(Float)
    aht_seconds: Mapped[float] = mapped_column(Float)
    agents: Mapped[int] = mapped_column(Integer)
    positions: Mapped[int] = mapped_column(Integer)
    service_level: Mapped[float] = mapped_column(Float)
    occupancy: Mapped[float] = mapped_column(Float)


class StoredForecast(Base):
    """A queue's forecast for a week, computed by a background job from `history_digest`.

    Kept so that the Planning screen need not wait for a forecast (the method is chosen by
    backtests, which take a while); stale once the queue's history changes (another digest).
    """

    __tablename__ = "queue_forecasts"
    __table_args__ = (UniqueConstraint("queue_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    week_start: Mapped[date] = mapped_column(Date)
    history_digest: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    interval_minutes: Mapped[int] = mapped_column(Integer)
    calls: Mapped[list[list[float]]] = mapped_column(JSON)  # 7 days x intervals
    aht_seconds: Mapped[list[list[float]]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
