"""The floor around one break move, read from the database into the pure check's minutes.

Minute 0 is the start of the agent's shift. Others count if their breaks are published or
taken (what operators are told), and the cap counts the team when the team has its own policy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.break_rules.service import effective_policy, effective_rules
from app.me.day import VISIBLE
from app.models import (
    Agent,
    PlannedBreak,
    Shift,
    Site,
    StaffingPlan,
    StaffingPlanInterval,
)
from app.planning.service import requirement_for
from scheduling.break_move import Move, OwnBreak


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from `start` to `end` (rounded down)."""
    return math.floor((end - start).total_seconds() / 60)


def build_move(
    db: Session,
    *,
    site: Site,
    agent: Agent,
    shift: Shift,
    breaks: Sequence[PlannedBreak],
    moved: PlannedBreak,
    new_start: datetime,
) -> Move:
    """The pure check's view of moving `moved` (one of `breaks`, time order) to `new_start`."""
    origin, length = shift.starts_at, minutes_between(shift.starts_at, shift.ends_at)
    windows = {
        r.break_type_id: (r.window_start_minutes, r.window_end_minutes)
        for r in effective_rules(db, site_id=site.id, team_id=agent.team_id, shift_minutes=length)
    }
    own = tuple(
        OwnBreak(
            b.break_type.name,
            minutes_between(origin, b.starts_at),
            minutes_between(b.starts_at, b.ends_at),
            *windows.get(b.break_type_id, (None, None)),
        )
        for b in breaks
    )
    policy = effective_policy(db, site_id=site.id, team_id=agent.team_id)
    cap_team = policy.team_id if policy is not None else None
    others = _other_shifts(db, site=site, agent=agent, shift=shift)
    other_breaks = _breaks_of([s.id for s, _team in others], db)
    capped = {s.id for s, team in others if cap_team is None or team == cap_team}
    return Move(
        shift_end=length,
        breaks=own,
        moved=next(i for i, b in enumerate(breaks) if b.id == moved.id),
        new_start=minutes_between(origin, new_start),
        min_work=policy.min_work_minutes if policy else 0,
        max_work=policy.max_work_minutes if policy else None,
        max_on_break=policy.max_on_break if policy else None,
        others_on_break=_per_minute(
            origin, length, ((b.starts_at, b.ends_at) for b in other_breaks if b.shift_id in capped)
        ),
        others_on_phones=_on_phones(origin, length, [s for s, _t in others], other_breaks),
        requirement=_requirement(db, site=site, start=origin, end=shift.ends_at),
    )


def _other_shifts(
    db: Session, *, site: Site, agent: Agent, shift: Shift
) -> list[tuple[Shift, int | None]]:
    rows = db.execute(
        select(Shift, Agent.team_id)
        .join(Agent, Shift.agent_id == Agent.id)
        .where(
            Agent.site_id == site.id,
            Agent.active,
            Agent.id != agent.id,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
    ).all()
    return [(s, team) for s, team in rows]


def _breaks_of(shift_ids: list[int], db: Session) -> Sequence[PlannedBreak]:
    if not shift_ids:
        return []
    return db.scalars(
        select(PlannedBreak).where(
            PlannedBreak.shift_id.in_(shift_ids), PlannedBreak.state.in_(VISIBLE)
        )
    ).all()


def _per_minute(
    origin: datetime, length: int, spans: Iterable[tuple[datetime, datetime]]
) -> tuple[int, ...]:
    """How many of `spans` cover each minute of [origin, origin + length)."""
    diff = [0] * (length + 1)
    for start, end in spans:
        first = max(0, minutes_between(origin, start))
        last = min(length, math.ceil((end - origin).total_seconds() / 60))
        if first < last:
            diff[first] += 1
            diff[last] -= 1
    out, total = [], 0
    for step in diff[:-1]:
        total += step
        out.append(total)
    return tuple(out)


def _on_phones(
    origin: datetime, length: int, shifts: Sequence[Shift], breaks: Sequence[PlannedBreak]
) -> tuple[int, ...]:
    on_shift = _per_minute(origin, length, ((s.starts_at, s.ends_at) for s in shifts))
    away = _per_minute(origin, length, ((b.starts_at, b.ends_at) for b in breaks))
    return tuple(w - b for w, b in zip(on_shift, away, strict=True))


def _requirement(
    db: Session, *, site: Site, start: datetime, end: datetime
) -> tuple[int, ...] | None:
    """Agents needed per minute from the saved staffing plans; None when no plan covers the span
    (requirement_for reads a missing plan as zeros, which would approve every move)."""
    planned = db.scalar(
        select(StaffingPlanInterval.starts_at)
        .join(StaffingPlan, StaffingPlan.id == StaffingPlanInterval.plan_id)
        .where(
            StaffingPlan.site_id == site.id,
            StaffingPlanInterval.starts_at < end,
            StaffingPlanInterval.starts_at > start - timedelta(hours=1),
        )
        .limit(1)
    )
    if planned is None:
        return None
    return tuple(requirement_for(db, site_id=site.id, start_utc=start, end_utc=end, slot_minutes=1))
