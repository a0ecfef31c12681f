"""Agents' shifts: the week grid, editing one day by hand, and an operator's own shifts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record, snapshot
from app.i18n import _
from app.models import Agent, Shift, Site, Team, User
from app.shifts.timeconv import NonexistentLocalTime, shift_span

MAX_SHIFT_HOURS = 16


@dataclass(frozen=True)
class WeekGrid:
    """Agents of a team by the seven days of a week, with each day's shift (if any)."""

    site: Site
    team: Team | None
    days: tuple[date, ...]
    agents: Sequence[Agent]
    shifts: dict[tuple[int, date], Shift]


def week_grid(db: Session, *, site: Site, team: Team | None, monday: date) -> WeekGrid:
    """The grid for one week, agents sorted by name."""
    days = tuple(monday + timedelta(days=i) for i in range(7))
    agents_q = select(Agent).where(Agent.site_id == site.id, Agent.active)
    if team is not None:
        agents_q = agents_q.where(Agent.team_id == team.id)
    agents = db.scalars(agents_q.order_by(Agent.display_name)).all()
    shifts = db.scalars(
        select(Shift).where(
            Shift.agent_id.in_([a.id for a in agents]), Shift.work_date.between(days[0], days[-1])
        )
    ).all()
    return WeekGrid(site, team, days, agents, {(s.agent_id, s.work_date): s for s in shifts})


def check_span(start: time, end: time) -> str | None:
    """Why a shift from `start` to `end` (overnight when end <= start) is refused, if it is."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    minutes += 1440 if minutes <= 0 else 0
    if minutes > MAX_SHIFT_HOURS * 60:
        return _("A shift lasts at most {n} hours.").format(n=MAX_SHIFT_HOURS)
    return None


def set_shift(
    db: Session,
    *,
    user: User | None,
    agent: Agent,
    site: Site,
    day: date,
    start: time,
    end: time,
    source: str = "manual",
) -> tuple[Shift | None, str | None]:
    """Create or change an agent's shift on `day`; returns (shift, None) or (None, reason)."""
    reason = check_span(start, end)
    if reason:
        return None, reason
    try:
        starts_at, ends_at = shift_span(day, start, end, ZoneInfo(site.timezone))
    except NonexistentLocalTime:
        return None, _("This time does not exist on that day in the site's time zone.")
    except OverflowError:  # the first or last days a datetime can hold
        return None, _("This day is out of range.")
    shift = shift_on(db, agent=agent, day=day)
    if shift is not None and (shift.starts_at, shift.ends_at) == (starts_at, ends_at):
        return shift, None
    before = snapshot(shift) if shift is not None else None
    if shift is None:
        shift = Shift(agent_id=agent.id, work_date=day)
        db.add(shift)
    shift.starts_at, shift.ends_at, shift.source = starts_at, ends_at, source
    record(db, user=user, action="update" if before else "create", entity=shift, before=before)
    return shift, None


def shift_on(db: Session, *, agent: Agent, day: date) -> Shift | None:
    """An agent's shift on a local day, if there is one."""
    return db.scalar(select(Shift).where(Shift.agent_id == agent.id, Shift.work_date == day))


def remove_shift(db: Session, *, user: User, agent: Agent, day: date) -> None:
    """Remove an agent's shift on `day` (its planned breaks go with it)."""
    shift = shift_on(db, agent=agent, day=day)
    if shift is None:
        return
    record(db, user=user, action="delete", entity=shift, before=snapshot(shift))
    db.delete(shift)
    db.flush()


def own_shifts(db: Session, *, user: User, since: date, until: date) -> Sequence[Shift]:
    """The signed-in operator's own shifts between two local dates (inclusive)."""
    return db.scalars(
        select(Shift)
        .join(Agent)
        .where(
            Agent.user_id == user.id,
            Shift.work_date.between(since, until),
        )
        .order_by(Shift.starts_at)
    ).all()


def own_agent(db: Session, user: User) -> Agent | None:
    """The agent record linked to this sign-in, if any."""
    return db.scalar(select(Agent).where(Agent.user_id == user.id))


def site_now(site: Site, now: datetime) -> datetime:
    """`now` on the site's wall clock."""
    return now.astimezone(ZoneInfo(site.timezone))
