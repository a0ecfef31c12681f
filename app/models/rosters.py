"""Rosters: versions of a team's week with their shifts, time-off and shift-swap requests."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.org import Agent


class RosterStatus(StrEnum):
    """A draft is edited; publishing writes it into the shifts; the one it replaced is archived."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class RequestState(StrEnum):
    """Where an operator's time-off or swap request is."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class RosterVersion(Base):
    """One version of a team's week (Monday `week_start`, site-local days).

    `result`: what the solver said: {"status", "objective", "bound", "shortage_total",
    "penalties", "notes", "infeasible_agents": [{"agent", "reason"}],
    "explanations": {agent id: [lines]}}; empty for a version made by hand.
    """

    __tablename__ = "roster_versions"
    __table_args__ = (
        UniqueConstraint("team_id", "week_start", "number"),
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=RosterStatus.DRAFT.value)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RosterEntry(Base):
    """A shift of a version: an agent works `code` on a local day; a day without one is off."""

    __tablename__ = "roster_entries"
    __table_args__ = (
        UniqueConstraint("version_id", "agent_id", "work_date"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("roster_versions.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    work_date: Mapped[date] = mapped_column(Date)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("shift_templates.id"))
    code: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_hand: Mapped[bool] = mapped_column(Boolean, default=False)


class TimeOffRequest(Base):
    """An operator asks for days off, `first_day` to `last_day` (local dates, inclusive)."""

    __tablename__ = "time_off_requests"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="days_ordered"),
        CheckConstraint("state IN ('pending', 'approved', 'refused')", name="state_known"),
        Index("ix_time_off_requests_agent_id_first_day", "agent_id", "first_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(16), default=RequestState.PENDING.value)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="")

    agent: Mapped[Agent] = relationship(lazy="raise")


class SwapRequest(Base):
    """An operator asks to swap with a colleague: on `day` and on `other_day` the two agents
    exchange what they work (a shift or a day off); the two days may be the same."""

    __tablename__ = "swap_requests"
    __table_args__ = (
        CheckConstraint("agent_id <> other_agent_id", name="two_agents"),
        CheckConstraint("state IN ('pending', 'approved', 'refused')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    other_agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    other_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(16), default=RequestState.PENDING.value)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="")
