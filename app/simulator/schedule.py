"""The simulator's view of a site's schedule: agents with skills, shifts, published breaks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, AgentSkill, BreakState, BreakType, PlannedBreak, Queue, Shift, Site
from app.simulator.model import BreakPlan, ShiftPlan

SHOWN_BREAKS = (BreakState.PUBLISHED.value, BreakState.TAKEN.value)


@dataclass(frozen=True)
class Floor:
    """A site's queues, its agents' skills (by agent code) and its shifts in a time window."""

    queues: tuple[str, ...]
    agents: dict[str, tuple[str, ...]]
    shifts: tuple[ShiftPlan, ...]


def break_state(break_type: BreakType) -> str:
    """The agent state a break shows as: lunch for a lunch or an unpaid break, else break."""
    name = break_type.name.lower()
    return "lunch" if "lunch" in name or "обед" in name or not break_type.paid else "break"


def load_floor(db: Session, *, site: Site, start: datetime, end: datetime) -> Floor:
    """Active queues and agents of `site`, and their shifts overlapping [start, end)."""
    queues = tuple(
        db.scalars(
            select(Queue.name).where(Queue.site_id == site.id, Queue.active).order_by(Queue.id)
        )
    )
    skills: dict[str, list[str]] = defaultdict(list)
    codes = db.scalars(
        select(Agent.code).where(Agent.site_id == site.id, Agent.active).order_by(Agent.code)
    )
    for code in codes:
        skills[code] = []
    rows = db.execute(
        select(Agent.code, Queue.name)
        .join(AgentSkill, AgentSkill.agent_id == Agent.id)
        .join(Queue, Queue.id == AgentSkill.queue_id)
        .where(Agent.site_id == site.id, Agent.active, Queue.active)
        .order_by(Agent.code, Queue.id)
    )
    for code, queue in rows:
        skills[code].append(queue)
    return Floor(queues, {c: tuple(q) for c, q in skills.items()}, _shifts(db, site, start, end))


def _shifts(db: Session, site: Site, start: datetime, end: datetime) -> tuple[ShiftPlan, ...]:
    shifts = db.execute(
        select(Shift.id, Agent.code, Shift.starts_at, Shift.ends_at)
        .join(Agent, Agent.id == Shift.agent_id)
        .where(
            Agent.site_id == site.id, Agent.active, Shift.starts_at < end, Shift.ends_at > start
        )
        .order_by(Shift.starts_at, Shift.id)
    ).all()
    breaks: dict[int, list[BreakPlan]] = defaultdict(list)
    if shifts:
        rows = db.execute(
            select(PlannedBreak, BreakType)
            .join(BreakType, BreakType.id == PlannedBreak.break_type_id)
            .where(
                PlannedBreak.shift_id.in_([s.id for s in shifts]),
                PlannedBreak.state.in_(SHOWN_BREAKS),
            )
            .order_by(PlannedBreak.starts_at)
        )
        for planned, kind in rows:
            breaks[planned.shift_id].append(
                BreakPlan(planned.starts_at, planned.ends_at, break_state(kind))
            )
    return tuple(
        ShiftPlan(s.id, s.code, s.starts_at, s.ends_at, tuple(breaks[s.id])) for s in shifts
    )
