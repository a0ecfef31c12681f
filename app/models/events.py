"""The live feed: API tokens, raw ACD events, calls and agent-state intervals.

Built for volume: calls and states are scanned per site (and queue) over a time range, so
their indexes lead with site_id and end with the time column the KPI queries bound.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

# 64-bit keys on PostgreSQL (10 million calls a year); SQLite's rowid is already 64-bit.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class ApiToken(Base):
    """A secret that lets the phone system post one site's events; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the token's first characters, to recognise it
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AcdEvent(Base):
    """One event as the phone system sent it, kept for idempotency and replay."""

    __tablename__ = "acd_events"
    __table_args__ = (
        UniqueConstraint("site_id", "event_id"),
        Index("ix_acd_events_site_id_call_id", "site_id", "call_id"),
        Index("ix_acd_events_site_id_agent_ts", "site_id", "agent", "ts"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(16))
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    call_id: Mapped[str | None] = mapped_column(String(128))
    agent: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Call(Base):
    """One call, folded from events or imported; offered_at is None until its offer is known."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("site_id", "call_id"),
        Index("ix_calls_site_id_offered_at", "site_id", "offered_at"),
        Index("ix_calls_site_id_queue_id_offered_at", "site_id", "queue_id", "offered_at"),
        CheckConstraint("source IN ('events', 'cdr', 'queue_log')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    call_id: Mapped[str] = mapped_column(String(128))
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    source: Mapped[str] = mapped_column(String(16))


class AgentStateInterval(Base):
    """An agent in one state from start until end (None: still in it)."""

    __tablename__ = "agent_states"
    __table_args__ = (
        Index("ix_agent_states_site_id_start", "site_id", "start"),
        Index("ix_agent_states_agent_id_start", "agent_id", "start"),
        CheckConstraint("source IN ('events', 'queue_log')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(120))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))
