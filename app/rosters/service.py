"""Roster versions of a team's week: the grid, coverage, a hand edit checked against every
rule, publishing into the shifts, and the jobs that generate them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record, snapshot
from app.db import utcnow
from app.models import (
    Agent,
    Job,
    JobStatus,
    RosterEntry,
    RosterStatus,
    RosterVersion,
    Shift,
    ShiftTemplate,
    User,
)
from app.rosters.generate import GENERATE_KIND
from app.rosters.instance import (
    RULES,
    SLOT_MINUTES,
    TOLERANCE_MINUTES,
    Span,
    TeamWeek,
    credit_per_day,
    slot_cover,
    templated_entry,
    weekly_minutes,
)
from app.rosters.rules import Finding, RowRules, check_row, new_findings


@dataclass(frozen=True)
class DayCover:
    """One day of the week: agent-hours needed from the team, planned, and short."""

    day: date
    need_hours: float
    planned_hours: float
    short_hours: float
    peak_short: int


@dataclass(frozen=True)
class Interval:
    """One slot of a day: agents needed from the team and agents the version puts on."""

    starts_at: datetime
    need: int
    cover: int


def versions_of(db: Session, *, week: TeamWeek) -> list[RosterVersion]:
    """The team-week's versions, newest first."""
    return list(
        db.scalars(
            select(RosterVersion)
            .where(RosterVersion.team_id == week.team.id, RosterVersion.week_start == week.monday)
            .order_by(RosterVersion.number.desc())
        )
    )


def entries_of(db: Session, *, version: RosterVersion) -> dict[tuple[int, date], RosterEntry]:
    """(agent id, day) -> the version's shift."""
    rows = db.scalars(select(RosterEntry).where(RosterEntry.version_id == version.id))
    return {(e.agent_id, e.work_date): e for e in rows}


def cover_of(week: TeamWeek, entries: dict[tuple[int, date], RosterEntry]) -> list[int]:
    """Agents of the team on a shift per slot of the week."""
    return slot_cover(entries.values(), start=week.start_utc, count=len(week.need))


def planned_hours(entries: dict[tuple[int, date], RosterEntry]) -> dict[int, float]:
    """Agent id -> hours of shifts in the version."""
    hours: dict[int, float] = {}
    for (agent_id, _day), entry in entries.items():
        worked = (entry.ends_at - entry.starts_at) / timedelta(hours=1)
        hours[agent_id] = hours.get(agent_id, 0.0) + worked
    return hours


def days_cover(week: TeamWeek, cover: list[int]) -> list[DayCover]:
    """Need, planned and short agent-hours of each day."""
    per_day, hours = week.slots_per_day, SLOT_MINUTES / 60
    result = []
    for index, day in enumerate(week.days):
        need = week.need[index * per_day : (index + 1) * per_day]
        have = cover[index * per_day : (index + 1) * per_day]
        short = [max(0, n - h) for n, h in zip(need, have, strict=True)]
        result.append(
            DayCover(day, sum(need) * hours, sum(have) * hours, sum(short) * hours, max(short))
        )
    return result


def intervals_of(week: TeamWeek, cover: list[int], day: date) -> list[Interval]:
    """The slots of one day of the week, hour by hour as the strip shows them."""
    index = (day - week.monday).days
    if not 0 <= index < len(week.days):
        return []
    per_day = week.slots_per_day
    first = index * per_day
    return [
        Interval(
            week.start_utc + timedelta(minutes=SLOT_MINUTES * k),
            week.need[k],
            cover[k],
        )
        for k in range(first, first + per_day)
    ]


def row_rules(agent: Agent) -> RowRules:
    return RowRules(
        min_rest_minutes=RULES.min_rest_minutes,
        max_consecutive_days=RULES.max_consecutive_days,
        weekly_minutes=weekly_minutes(agent),
        tolerance_minutes=TOLERANCE_MINUTES,
    )


def check_agent(
    week: TeamWeek, agent: Agent, entries: dict[tuple[int, date], RosterEntry]
) -> list[Finding]:
    """Every rule the agent's row of the version (with the shifts around the week) breaks."""
    spans = [
        Span(day, e.starts_at, e.ends_at)
        for day in week.days
        if (e := entries.get((agent.id, day))) is not None
    ]
    off = week.time_off.get(agent.id, set())
    return check_row(
        spans + week.around.get(agent.id, []),
        week=week.days,
        time_off=off,
        credit_minutes=credit_per_day(agent, len(off)) * len(off),
        rules=row_rules(agent),
    )


@dataclass(frozen=True)
class Edit:
    """What came of a hand edit: refused for `refusals`, else done, with `warnings`."""

    refusals: list[Finding]
    warnings: list[Finding]


def edit_cell(
    db: Session,
    *,
    user: User,
    week: TeamWeek,
    version: RosterVersion,
    agent: Agent,
    day: date,
    template: ShiftTemplate | None,
) -> Edit:
    """Set the agent's day in a draft to `template` (None: off), if it breaks no hard rule."""
    entries = entries_of(db, version=version)
    before = check_agent(week, agent, entries)
    current = entries.get((agent.id, day))
    trial = dict(entries)
    proposed = None
    if template is not None:
        proposed = templated_entry(
            version_id=version.id,
            agent_id=agent.id,
            day=day,
            template=template,
            zone=ZoneInfo(week.site.timezone),
            by_hand=True,
        )
        trial[agent.id, day] = proposed
    else:
        trial.pop((agent.id, day), None)
    found = new_findings(before, check_agent(week, agent, trial))
    refusals = [f for f in found if f.hard]
    warnings = [f for f in check_agent(week, agent, trial) if not f.hard]
    if refusals:
        return Edit(refusals, warnings)
    if current is not None:
        record(db, user=user, action="delete", entity=current, before=snapshot(current))
        db.delete(current)
        db.flush()
    if proposed is not None:
        db.add(proposed)
        record(db, user=user, action="create", entity=proposed, before=None)
    return Edit([], warnings)


def copy_version(db: Session, *, user: User, version: RosterVersion) -> RosterVersion:
    """A new draft with the same shifts as `version`."""
    from app.rosters.generate import next_number

    draft = RosterVersion(
        site_id=version.site_id,
        team_id=version.team_id,
        week_start=version.week_start,
        number=next_number(db, team_id=version.team_id, monday=version.week_start),
        status=RosterStatus.DRAFT.value,
        result={"copied_from": version.number},
        created_by=user.id,
    )
    db.add(draft)
    db.flush()
    for entry in entries_of(db, version=version).values():
        db.add(
            RosterEntry(
                version_id=draft.id,
                agent_id=entry.agent_id,
                work_date=entry.work_date,
                template_id=entry.template_id,
                code=entry.code,
                starts_at=entry.starts_at,
                ends_at=entry.ends_at,
                by_hand=entry.by_hand,
            )
        )
    record(db, user=user, action="create", entity=draft, before=None)
    return draft


def publish(db: Session, *, user: User, week: TeamWeek, version: RosterVersion) -> int:
    """Make `version` the team-week's roster: its shifts replace the roster-sourced shifts of
    the team's agents that week; a manual or imported shift stays where the roster has the
    day off and gives way where the roster has a shift. Returns the shifts written."""
    for other in versions_of(db, week=week):
        if other.id != version.id and other.status == RosterStatus.PUBLISHED.value:
            before = snapshot(other)
            other.status = RosterStatus.ARCHIVED.value
            record(db, user=user, action="archive", entity=other, before=before)
    entries = entries_of(db, version=version)
    agent_ids = [a.id for a in week.agents]
    existing = (
        {
            (s.agent_id, s.work_date): s
            for s in db.scalars(
                select(Shift).where(
                    Shift.agent_id.in_(agent_ids),
                    Shift.work_date.between(week.days[0], week.days[-1]),
                )
            )
        }
        if agent_ids
        else {}
    )
    written = 0
    for key, shift in existing.items():
        entry = entries.get(key)
        same = entry is not None and (shift.starts_at, shift.ends_at) == (
            entry.starts_at,
            entry.ends_at,
        )
        if same or (entry is None and shift.source != "roster"):
            continue
        record(db, user=user, action="delete", entity=shift, before=snapshot(shift))
        db.delete(shift)
    db.flush()
    for key, entry in entries.items():
        kept = existing.get(key)
        if kept is not None and (kept.starts_at, kept.ends_at) == (entry.starts_at, entry.ends_at):
            continue
        shift = Shift(
            agent_id=entry.agent_id,
            work_date=entry.work_date,
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            template_id=entry.template_id,
            source="roster",
        )
        db.add(shift)
        record(db, user=user, action="create", entity=shift, before=None)
        written += 1
    before = snapshot(version)
    version.status = RosterStatus.PUBLISHED.value
    version.published_by, version.published_at = user.id, utcnow()
    record(db, user=user, action="publish", entity=version, before=before)
    return written


@dataclass(frozen=True)
class Comparison:
    """Two versions side by side: the cells that differ and each one's short agent-hours."""

    left: RosterVersion
    right: RosterVersion
    left_entries: dict[tuple[int, date], RosterEntry]
    right_entries: dict[tuple[int, date], RosterEntry]
    differ: set[tuple[int, date]]
    left_days: list[DayCover]
    right_days: list[DayCover]


def compare(
    db: Session, *, week: TeamWeek, left: RosterVersion, right: RosterVersion
) -> Comparison:
    """Where two versions of the week differ, and what each covers."""
    a, b = entries_of(db, version=left), entries_of(db, version=right)

    def code(entries: dict[tuple[int, date], RosterEntry], key: tuple[int, date]) -> str | None:
        entry = entries.get(key)
        return None if entry is None else f"{entry.code}@{entry.starts_at.isoformat()}"

    differ = {key for key in set(a) | set(b) if code(a, key) != code(b, key)}
    return Comparison(
        left,
        right,
        a,
        b,
        differ,
        days_cover(week, cover_of(week, a)),
        days_cover(week, cover_of(week, b)),
    )


def _jobs_of(db: Session, week: TeamWeek, *statuses: str) -> list[Job]:
    jobs = db.scalars(
        select(Job)
        .where(Job.kind == GENERATE_KIND, Job.site_id == week.site.id, Job.status.in_(statuses))
        .order_by(Job.id.desc())
        .limit(20)
    )
    chosen = (week.team.id, week.monday.isoformat())
    return [
        j for j in jobs if ((j.params or {}).get("team_id"), (j.params or {}).get("week")) == chosen
    ]


def last_job(db: Session, *, week: TeamWeek) -> Job | None:
    """The latest generation of this team-week that ended (its result explains it)."""
    ended = _jobs_of(db, week, JobStatus.DONE.value, JobStatus.FAILED.value)
    return ended[0] if ended else None


def job_under_way(db: Session, *, week: TeamWeek) -> Job | None:
    """A generation of this team-week still queued or running (one at a time)."""
    found = _jobs_of(db, week, JobStatus.QUEUED.value, JobStatus.RUNNING.value)
    return found[0] if found else None
