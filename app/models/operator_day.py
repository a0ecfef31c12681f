"""An operator's own day: requests to move a break, the calendar feed, what they last saw."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.org import Agent
from app.models.schedule import PlannedBreak


class MoveState(StrEnum):
    """Where a request to move a break is: waiting for a supervisor, or decided."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class BreakMoveRequest(Base):
    """An operator asks to move one published break to a new start.

    `findings`: why it was not approved on its own, as the move check's findings
    ([{"rule", "start", "end", "value", "limit"}], instants in ISO UTC); empty when `auto`.
    """

    __tablename__ = "break_move_requests"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'refused')", name="state_known"),
        Index("ix_break_move_requests_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    planned_break_id: Mapped[int] = mapped_column(
        ForeignKey("planned_breaks.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    to_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=MoveState.PENDING.value)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    planned_break: Mapped[PlannedBreak] = relationship(lazy="raise")
    agent: Mapped[Agent] = relationship(lazy="raise")


class CalendarFeed(Base):
    """A person's secret calendar link: `token_hash` is SHA-256 of the token; `nonce` renews it.

    The token itself is an HMAC of the user and nonce under the app's secret key, so the
    link can be shown again on My day while the database alone does not give it away.
    """

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BreakView(Base):
    """The published breaks of a shift as the operator last acknowledged them.

    `breaks`: [{"type": break type id, "name", "starts_at", "ends_at"}] in time order, ISO UTC.
    """

    __tablename__ = "break_views"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("shifts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    breaks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
