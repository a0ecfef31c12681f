"""A team's week read from the database, and the roster instance the solver takes.

Slot 0 is Monday 00:00 on the site's clock; a week across a clock change is solved with the
offset of that Monday (shifts are stored with their true instants when published).
The team covers what the site needs minus what the other teams' shifts already cover.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Agent,
    RequestState,
    RosterEntry,
    Shift,
    ShiftTemplate,
    Site,
    Team,
    TimeOffRequest,
)
from app.planning.service import requirement_for
from app.shifts.timeconv import shift_span, to_utc
from scheduling.roster_types import Agent as RosterAgent
from scheduling.roster_types import Instance, Rules, TimeOff
from scheduling.roster_types import Shift as RosterShift

SLOT_MINUTES = 15
DAYS = 7
TOLERANCE_MINUTES = 240  # contract hours may be missed by up to 4 h a week either way
RULES = Rules(min_rest_minutes=660, max_consecutive_days=6, max_shifts_per_week=None)


class Timed(Protocol):
    """A shift or a roster entry: where it starts and ends (UTC)."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...


@dataclass(frozen=True)
class Span:
    """One worked shift of an agent: its local day and its instants."""

    day: date
    starts_at: datetime
    ends_at: datetime


@dataclass
class TeamWeek:
    """Everything a team's roster for one week depends on."""

    site: Site
    team: Team
    monday: date
    agents: list[Agent]
    templates: list[ShiftTemplate]
    need: list[int]  # agents needed from this team per slot (site need minus other teams)
    site_need: list[int]
    time_off: dict[int, set[date]] = field(default_factory=dict)
    around: dict[int, list[Span]] = field(default_factory=dict)  # shifts outside the week

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(DAYS)]

    @property
    def start_utc(self) -> datetime:
        return to_utc(self.monday, time(0, 0), ZoneInfo(self.site.timezone))

    @property
    def slots_per_day(self) -> int:
        return 1440 // SLOT_MINUTES


def load_team_week(db: Session, *, site: Site, team: Team, monday: date) -> TeamWeek:
    """The team's agents, the site's shift templates, need, approved time off and the shifts
    just before and after the week (for rest and days in a row)."""
    agents = list(
        db.scalars(
            select(Agent)
            .where(Agent.team_id == team.id, Agent.active)
            .order_by(Agent.display_name, Agent.id)
        )
    )
    templates = list(
        db.scalars(
            select(ShiftTemplate)
            .where(ShiftTemplate.site_id == site.id, ShiftTemplate.active)
            .order_by(ShiftTemplate.start_local, ShiftTemplate.name)
        )
    )
    week = TeamWeek(site, team, monday, agents, templates, [], [])
    start = week.start_utc
    end = start + timedelta(days=DAYS)
    week.site_need = requirement_for(
        db, site_id=site.id, start_utc=start, end_utc=end, slot_minutes=SLOT_MINUTES
    )
    others = _others_working(db, site, team, start, end)
    week.need = [max(0, n - o) for n, o in zip(week.site_need, others, strict=True)]
    week.time_off = approved_time_off(db, agent_ids=[a.id for a in agents], days=week.days)
    week.around = _shifts_around(db, agents, monday)
    return week


def approved_time_off(
    db: Session, *, agent_ids: list[int], days: list[date]
) -> dict[int, set[date]]:
    """Agent id -> the days among `days` on approved leave."""
    found: dict[int, set[date]] = {}
    if not agent_ids:
        return found
    rows = db.scalars(
        select(TimeOffRequest).where(
            TimeOffRequest.agent_id.in_(agent_ids),
            TimeOffRequest.state == RequestState.APPROVED.value,
            TimeOffRequest.first_day <= days[-1],
            TimeOffRequest.last_day >= days[0],
        )
    )
    for row in rows:
        chosen = {d for d in days if row.first_day <= d <= row.last_day}
        found.setdefault(row.agent_id, set()).update(chosen)
    return found


def _others_working(
    db: Session, site: Site, team: Team, start: datetime, end: datetime
) -> list[int]:
    """Agents of the site's other teams on a shift, per slot of the week."""
    shifts = db.scalars(
        select(Shift)
        .join(Agent, Shift.agent_id == Agent.id)
        .where(
            Agent.site_id == site.id,
            Agent.active,
            (Agent.team_id.is_(None)) | (Agent.team_id != team.id),
            Shift.starts_at < end,
            Shift.ends_at > start,
        )
    )
    return slot_cover(shifts, start=start, count=DAYS * 1440 // SLOT_MINUTES)


def slot_cover(spans: Iterable[Timed], *, start: datetime, count: int) -> list[int]:
    """How many spans cover each of `count` slots from `start` (partly covered counts)."""
    diff = [0] * (count + 1)
    slot = timedelta(minutes=SLOT_MINUTES)
    for span in spans:
        first = max(0, math.floor((span.starts_at - start) / slot))
        last = min(count, math.ceil((span.ends_at - start) / slot))
        if first < last:
            diff[first] += 1
            diff[last] -= 1
    return list(accumulate(diff[:-1]))


def _shifts_around(db: Session, agents: list[Agent], monday: date) -> dict[int, list[Span]]:
    """Each agent's shifts in the week before and the week after."""
    found: dict[int, list[Span]] = {}
    if not agents:
        return found
    rows = db.scalars(
        select(Shift)
        .where(
            Shift.agent_id.in_([a.id for a in agents]),
            Shift.work_date.between(monday - timedelta(days=DAYS), monday + timedelta(days=13)),
            (Shift.work_date < monday) | (Shift.work_date > monday + timedelta(days=DAYS - 1)),
        )
        .order_by(Shift.starts_at)
    )
    for row in rows:
        found.setdefault(row.agent_id, []).append(Span(row.work_date, row.starts_at, row.ends_at))
    return found


def template_span(template: ShiftTemplate, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants of `template` worked on local `day`."""
    start = template.start_local
    minutes = start.hour * 60 + start.minute + template.length_minutes
    end = time(minutes // 60 % 24, minutes % 60)
    return shift_span(day, start, end, zone)


def templated_entry(
    *,
    version_id: int,
    agent_id: int,
    day: date,
    template: ShiftTemplate,
    zone: ZoneInfo,
    by_hand: bool,
) -> RosterEntry:
    """A version's shift for the agent on local `day`, worked as `template`."""
    starts_at, ends_at = template_span(template, day, zone)
    return RosterEntry(
        version_id=version_id,
        agent_id=agent_id,
        work_date=day,
        template_id=template.id,
        code=template.name,
        starts_at=starts_at,
        ends_at=ends_at,
        by_hand=by_hand,
    )


def weekly_minutes(agent: Agent) -> int:
    return round(float(agent.contracted_weekly_hours) * 60)


def credit_per_day(agent: Agent, days_off: int) -> int:
    """Minutes a day of approved leave counts as worked: a fifth of the week, at most the week."""
    if days_off == 0:
        return 0
    return min(weekly_minutes(agent) // 5, weekly_minutes(agent) // days_off)


def build_instance(week: TeamWeek) -> Instance:
    """The roster instance of the team's week (one queue: the team's share of the need)."""
    shifts = tuple(
        RosterShift(
            name=t.name,
            start=(t.start_local.hour * 60 + t.start_local.minute) // SLOT_MINUTES,
            length=min(1440 // SLOT_MINUTES, max(1, round(t.length_minutes / SLOT_MINUTES))),
            late=(t.start_local.hour * 60 + t.start_local.minute + t.length_minutes) > 1200,
        )
        for t in week.templates
    )
    return Instance(
        slot_minutes=SLOT_MINUTES,
        days=DAYS,
        first_weekday=0,
        shifts=shifts,
        queues=("all",),
        requirement=(tuple(week.need),),
        agents=tuple(_agent(week, a) for a in week.agents),
        rules=RULES,
    )


def _agent(week: TeamWeek, agent: Agent) -> RosterAgent:
    off = sorted(week.time_off.get(agent.id, set()))
    credit = credit_per_day(agent, len(off))
    before = [s for s in week.around.get(agent.id, []) if s.day < week.monday]
    last_end = None
    if before:
        ended = max(s.ends_at for s in before)
        last_end = math.floor((ended - week.start_utc) / timedelta(minutes=SLOT_MINUTES))
    worked = {s.day for s in before}
    run = 0
    while week.monday - timedelta(days=run + 1) in worked:
        run += 1
    return RosterAgent(
        id=str(agent.id),
        name=agent.display_name,
        weekly_minutes=weekly_minutes(agent),
        tolerance_minutes=TOLERANCE_MINUTES,
        skills=("all",),
        time_off=tuple(TimeOff((d - week.monday).days, credit) for d in off),
        days_worked_before=run,
        last_end=last_end,
    )
