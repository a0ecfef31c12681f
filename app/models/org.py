"""The organisation: sites, teams, people who sign in, agents on the phones, queues, skills."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    """What a signed-in person may do; each role includes none of the others implicitly."""

    ADMIN = "admin"
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"


class Site(Base):
    """A contact center with its time zone and service-level definitions."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("service_level_threshold_seconds >= 0", name="sl_threshold"),
        CheckConstraint("short_abandon_seconds >= 0", name="short_abandon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    service_level_threshold_seconds: Mapped[int] = mapped_column(Integer, default=20)
    short_abandon_seconds: Mapped[int] = mapped_column(Integer, default=5)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Team(Base):
    """A group of agents led by a supervisor."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    site: Mapped[Site] = relationship(lazy="raise")


class User(Base):
    """A person who signs in: admin, manager, supervisor or operator."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'manager', 'supervisor', 'operator')", name="role_known"
        ),
        CheckConstraint("locale IN ('en', 'ru')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(2), default="ru")
    password_hash: Mapped[str] = mapped_column(String(255))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site | None] = relationship(lazy="raise")


class Agent(Base):
    """A person on the phones; `code` is how schedule files name them."""

    __tablename__ = "agents"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint(
            "contracted_weekly_hours >= 0 AND contracted_weekly_hours <= 168",
            name="weekly_hours",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    code: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    contracted_weekly_hours: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    found_in_feed: Mapped[bool] = mapped_column(Boolean, default=False)  # registered by the feed

    site: Mapped[Site] = relationship(lazy="raise")
    team: Mapped[Team | None] = relationship(lazy="raise")
    user: Mapped[User | None] = relationship(lazy="raise")
    skills: Mapped[list[AgentSkill]] = relationship(
        lazy="raise", back_populates="agent", cascade="all, delete-orphan"
    )


class Queue(Base):
    """A line of calls, served by agents with the matching skill."""

    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    found_in_feed: Mapped[bool] = mapped_column(Boolean, default=False)  # registered by the feed

    site: Mapped[Site] = relationship(lazy="raise")


class AgentSkill(Base):
    """An agent can take a queue's calls, at a level from 1 (learning) to 5 (expert)."""

    __tablename__ = "agent_skills"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True, index=True)
    level: Mapped[int] = mapped_column(Integer, default=3)

    agent: Mapped[Agent] = relationship(lazy="raise", back_populates="skills")
    queue: Mapped[Queue] = relationship(lazy="raise")
