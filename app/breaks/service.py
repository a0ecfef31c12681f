"""Breaks of a team's day: loading it, the timeline, moving a break by hand, publishing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record, snapshot
from app.breaks.instance import (
    AgentDay,
    Horizon,
    TeamDay,
    horizon_of,
    match_rows,
    policy_of,
    requirement_of,
    wanted_breaks,
    working_per_slot,
)
from app.models import (
    Agent,
    BreakPolicy,
    BreakRule,
    BreakState,
    BreakType,
    Job,
    JobStatus,
    PlannedBreak,
    Shift,
    Site,
    Team,
    User,
)
from app.planning.service import requirement_for
from scheduling.breaks_check import Violation, check_agent, on_break, shortage

OPTIMISE_KIND = "breaks.optimise"
_STRETCHES = ("min_work", "max_work")
LIVE_STATES = (BreakState.PLANNED.value, BreakState.PUBLISHED.value, BreakState.TAKEN.value)


def load_team_day(db: Session, *, site: Site, team: Team, day: date) -> TeamDay:
    """Everything the breaks of `team` on `day` depend on, read in a few queries."""
    pairs = db.execute(
        select(Agent, Shift)
        .join(Shift, Shift.agent_id == Agent.id)
        .where(Agent.team_id == team.id, Agent.active, Shift.work_date == day)
        .order_by(Shift.starts_at, Agent.display_name)
    ).all()
    shifts = [s for _a, s in pairs]
    horizon = horizon_of(site, day, shifts)
    types = {t.id: t for t in db.scalars(select(BreakType).where(BreakType.site_id == site.id))}
    rules = db.scalars(
        select(BreakRule).where(
            BreakRule.site_id == site.id,
            (BreakRule.team_id.is_(None)) | (BreakRule.team_id == team.id),
        )
    ).all()
    rows = _live_breaks(db, [s.id for s in shifts])
    agents = []
    for agent, shift in pairs:
        agent_day = AgentDay(agent, shift, wanted_breaks(shift, rules, types, team.id))
        match_rows(agent_day, [r for r in rows if r.shift_id == shift.id])
        agents.append(agent_day)
    policies = db.scalars(select(BreakPolicy).where(BreakPolicy.site_id == site.id)).all()
    needed, from_plan = _site_requirement(db, site, horizon)
    return TeamDay(
        site=site,
        team=team,
        day=day,
        horizon=horizon,
        agents=agents,
        requirement=needed,
        others_working=_others_working(db, site, horizon, {s.id for s in shifts}),
        policy=policy_of(policies, team.id),
        from_plan=from_plan,
    )


def _live_breaks(db: Session, shift_ids: Sequence[int]) -> list[PlannedBreak]:
    if not shift_ids:
        return []
    return list(
        db.scalars(
            select(PlannedBreak)
            .where(PlannedBreak.shift_id.in_(shift_ids), PlannedBreak.state.in_(LIVE_STATES))
            .order_by(PlannedBreak.starts_at)
        )
    )


def _others_working(db: Session, site: Site, horizon: Horizon, mine: set[int]) -> tuple[int, ...]:
    """Agents of the site on the phones per slot, other than the team's shifts of the day."""
    shifts = [
        s
        for s in db.scalars(
            select(Shift)
            .join(Agent, Shift.agent_id == Agent.id)
            .where(
                Agent.site_id == site.id,
                Agent.active,
                Shift.starts_at < horizon.end,
                Shift.ends_at > horizon.start,
            )
        )
        if s.id not in mine
    ]
    return working_per_slot(horizon, shifts, _live_breaks(db, [s.id for s in shifts]))


def _site_requirement(db: Session, site: Site, horizon: Horizon) -> tuple[tuple[int, ...], bool]:
    """Agents needed per slot from the Planning screen's saved plan; zeros when there is none."""
    values = requirement_for(
        db,
        site_id=site.id,
        start_utc=horizon.start,
        end_utc=horizon.end,
        slot_minutes=horizon.slot_minutes,
    )
    needed = requirement_of(values, horizon.slots)
    return needed, any(needed)


@dataclass(frozen=True)
class Refusal:
    """A hand move that breaks rules: each broken rule, in slots, for the page to put in words."""

    violations: list[Violation]
    horizon: Horizon
    break_name: str


def _fixed_nothing(_row: PlannedBreak) -> bool:
    return False


def move_break(
    db: Session, *, user: User | None, site: Site, row: PlannedBreak, starts_at: datetime
) -> Refusal | None:
    """Move a break by hand to `starts_at` if every rule still holds; else why not."""
    shift = db.get(Shift, row.shift_id)
    agent = db.get(Agent, shift.agent_id) if shift else None
    team = db.get(Team, agent.team_id) if agent and agent.team_id else None
    if shift is None or agent is None or team is None:
        raise LookupError("a break of a shift of an agent without a team")
    team_day = load_team_day(db, site=site, team=team, day=shift.work_date)
    agent_day = next((a for a in team_day.agents if a.agent.id == agent.id), None)
    if agent_day is None:  # an agent no longer active: nothing of the day to check against
        raise LookupError("the agent of this break is not on the team's day")
    name = next((n for n, r in agent_day.rows.items() if r.id == row.id), None)
    if name is not None:
        violations = _violations(team_day, agent_day, name, starts_at)
        if violations:
            return Refusal(violations, team_day.horizon, name)
    length = row.ends_at - row.starts_at
    before = snapshot(row)
    row.starts_at, row.ends_at, row.set_by_hand = starts_at, starts_at + length, True
    record(db, user=user, action="move", entity=row, before=before)
    return None


def _violations(
    team_day: TeamDay, agent_day: AgentDay, name: str, starts_at: datetime
) -> list[Violation]:
    """The rules the agent's placed breaks break with `name` at `starts_at`, and only those
    the move is part of (a rule broken elsewhere in the day is not this move's refusal)."""
    instance = team_day.instance(fixed=_fixed_nothing)
    me = str(agent_day.agent.id)
    starts = team_day.starts()
    starts[me][name] = team_day.horizon.slot_down(starts_at)
    slot_agent = next(a for a in instance.agents if a.id == me)
    placed = tuple(b for b in slot_agent.breaks if b.name in starts[me])
    slot_agent = replace(slot_agent, breaks=placed)
    others = on_break(instance, starts, without=me)
    moved = next(b for b in placed if b.name == name)
    begin, end = starts[me][name], starts[me][name] + moved.length
    return [
        v
        for v in check_agent(instance, slot_agent, starts[me], others)
        if name in (v.name, v.other)
        or (v.rule in _STRETCHES and (v.last == begin or v.first == end))
    ]


def publish(db: Session, *, user: User | None, team_day: TeamDay) -> int:
    """Make the team's planned breaks of the day visible to operators; how many were."""
    count = 0
    for agent_day in team_day.agents:
        for row in agent_day.rows.values():
            if row.state != BreakState.PLANNED.value:
                continue
            before = snapshot(row)
            row.state = BreakState.PUBLISHED.value
            record(db, user=user, action="publish", entity=row, before=before)
            count += 1
    return count


def shortage_of(team_day: TeamDay) -> list[int]:
    """Agents missing on the phones per slot with the breaks as they are now."""
    return shortage(team_day.instance(fixed=_fixed_nothing), team_day.starts())


def _jobs_of(db: Session, team_day: TeamDay, *statuses: str) -> list[Job]:
    """The latest optimisations of this team's day in the given states, newest first."""
    jobs = db.scalars(
        select(Job)
        .where(
            Job.kind == OPTIMISE_KIND,
            Job.site_id == team_day.site.id,
            Job.status.in_(statuses),
        )
        .order_by(Job.id.desc())
        .limit(20)
    )
    chosen = (team_day.team.id, team_day.day.isoformat())
    return [
        j for j in jobs if ((j.params or {}).get("team_id"), (j.params or {}).get("day")) == chosen
    ]


def last_result(db: Session, *, team_day: TeamDay) -> dict[str, Any] | None:
    """The result of the latest finished optimisation of this team's day, if any."""
    done = _jobs_of(db, team_day, JobStatus.DONE.value)
    return done[0].result if done else None


def job_under_way(db: Session, *, team_day: TeamDay) -> Job | None:
    """An optimisation of this team's day still queued or running (one at a time)."""
    found = _jobs_of(db, team_day, JobStatus.QUEUED.value, JobStatus.RUNNING.value)
    return found[0] if found else None


def at_local(site: Site, shift: Shift, hours: int, minutes: int) -> datetime:
    """The instant of HH:MM local during `shift`: on its first day, or the next if the shift
    runs overnight and the time is before it starts."""
    zone = ZoneInfo(site.timezone)
    start_local = shift.starts_at.astimezone(zone)
    candidate = start_local.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if candidate < start_local and shift.ends_at.astimezone(zone).date() > start_local.date():
        candidate = (start_local + timedelta(days=1)).replace(
            hour=hours, minute=minutes, second=0, microsecond=0
        )
    return candidate.astimezone(UTC)
