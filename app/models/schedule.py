"""Shifts and breaks: templates, agents' shifts, break types and rules, planned breaks."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.models.org import Agent, Site, Team


class ShiftTemplate(Base):
    """A named shift pattern: local start time and length."""

    __tablename__ = "shift_templates"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint("length_minutes > 0 AND length_minutes <= 1440", name="length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    start_local: Mapped[time] = mapped_column(Time)
    length_minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Shift(Base):
    """An agent's working time on one local day (at most one shift per agent per day)."""

    __tablename__ = "shifts"
    __table_args__ = (
        UniqueConstraint("agent_id", "work_date"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("source IN ('manual', 'import', 'roster')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    work_date: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("shift_templates.id"))
    source: Mapped[str] = mapped_column(String(16), default="manual")

    agent: Mapped[Agent] = relationship(lazy="raise")


class BreakType(Base):
    """A kind of break (short break, lunch) with its length and whether it is paid."""

    __tablename__ = "break_types"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint("length_minutes > 0", name="length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    length_minutes: Mapped[int] = mapped_column(Integer)
    paid: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    site: Mapped[Site] = relationship(lazy="raise")


class BreakRule(Base):
    """How many breaks of a type a shift of a given length gets, and their window."""

    __tablename__ = "break_rules"
    __table_args__ = (
        CheckConstraint("min_shift_minutes <= max_shift_minutes", name="shift_range"),
        CheckConstraint("count >= 1", name="count"),
        CheckConstraint("window_start_minutes <= window_end_minutes", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    break_type_id: Mapped[int] = mapped_column(ForeignKey("break_types.id"))
    min_shift_minutes: Mapped[int] = mapped_column(Integer)
    max_shift_minutes: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=1)
    window_start_minutes: Mapped[int] = mapped_column(Integer)
    window_end_minutes: Mapped[int] = mapped_column(Integer)

    break_type: Mapped[BreakType] = relationship(lazy="raise")
    team: Mapped[Team | None] = relationship(lazy="raise")


class BreakPolicy(Base):
    """Limits on work stretches and on people on break at once, per site or team."""

    __tablename__ = "break_policies"
    __table_args__ = (
        UniqueConstraint("site_id", "team_id"),
        CheckConstraint("min_work_minutes <= max_work_minutes", name="work_range"),
        CheckConstraint("max_on_break >= 1", name="cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    min_work_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_work_minutes: Mapped[int] = mapped_column(Integer, default=150)
    max_on_break: Mapped[int] = mapped_column(Integer, default=4)


class BreakState(StrEnum):
    """Where a planned break is in its life."""

    PLANNED = "planned"
    PUBLISHED = "published"
    TAKEN = "taken"
    CANCELLED = "cancelled"


class PlannedBreak(Base):
    """A break placed inside a shift."""

    __tablename__ = "planned_breaks"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "state IN ('planned', 'published', 'taken', 'cancelled')", name="state_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    break_type_id: Mapped[int] = mapped_column(ForeignKey("break_types.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=BreakState.PLANNED.value)
    set_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)

    shift: Mapped[Shift] = relationship(lazy="raise")
    break_type: Mapped[BreakType] = relationship(lazy="raise")
