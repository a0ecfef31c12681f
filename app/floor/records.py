"""Reading a site's stored calls, agent states and published schedule as kpi records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.events.store import among, chunks
from app.models import Agent, BreakState, BreakType, PlannedBreak, Queue, Shift, Team
from app.models.events import AcdEvent, AgentStateInterval, Call
from kpi.adherence import Activity, ScheduledActivity
from kpi.records import AgentState, CallRecord, StateInterval

UNKNOWN_QUEUE = "?"  # a call whose queue is not known yet


@dataclass(frozen=True, slots=True)
class AgentInfo:
    """An active agent of the site as the board names them."""

    id: int
    code: str
    name: str
    team_id: int | None
    team: str | None


# A call's columns in CallRecord order; the queue and agent come as ids.
_CALL_COLUMNS = (
    Call.call_id,
    Call.queue_id,
    Call.offered_at,
    Call.answered_at,
    Call.ended_at,
    Call.abandoned_at,
    Call.agent_id,
)


def _call_records(
    rows: Iterable[Any], queues: dict[int, str], agents: dict[int, str]
) -> list[CallRecord]:
    """Rows of _CALL_COLUMNS as CallRecords (those offered), ids named by queue and agent."""
    return [
        CallRecord(
            call_id,
            queues.get(queue_id, UNKNOWN_QUEUE) if queue_id is not None else UNKNOWN_QUEUE,
            offered_at,
            answered_at,
            ended_at,
            abandoned_at,
            agents.get(agent_id) if agent_id is not None else None,
        )
        for call_id, queue_id, offered_at, answered_at, ended_at, abandoned_at, agent_id in rows
        if offered_at is not None
    ]


def calls_for_floor(
    db: Session, *, site_id: int, since: datetime, now: datetime, open_only: bool = False
) -> list[CallRecord]:
    """The site's calls offered in [since, now] (open_only: those not over), as kpi reads them."""
    queues = dict(db.execute(select(Queue.id, Queue.name).where(Queue.site_id == site_id)).all())
    agents = dict(db.execute(select(Agent.id, Agent.code).where(Agent.site_id == site_id)).all())
    rows = db.execute(
        select(*_CALL_COLUMNS)
        .where(Call.site_id == site_id, Call.offered_at >= since, Call.offered_at <= now)
        .where(*((Call.abandoned_at.is_(None), Call.ended_at.is_(None)) if open_only else ()))
        .order_by(Call.offered_at, Call.id)
    )
    return _call_records(rows, queues, agents)


def states_for_floor(
    db: Session, *, site_id: int, since: datetime, now: datetime
) -> list[StateInterval]:
    """The site's agent-state intervals overlapping [since, now], by start."""
    agents = dict(db.execute(select(Agent.id, Agent.code).where(Agent.site_id == site_id)).all())
    S = AgentStateInterval
    rows = db.execute(
        select(S.agent_id, S.state, S.start, S.end)
        .where(S.site_id == site_id, S.start <= now, or_(S.end.is_(None), S.end > since))
        .order_by(S.start, S.id)
    )
    return [
        StateInterval(agents[agent_id], AgentState(state), start, end)
        for agent_id, state, start, end in rows
        if agent_id in agents
    ]


def _activity_of(break_type: str) -> Activity:
    return Activity.LUNCH if "lunch" in break_type.lower() else Activity.BREAK


def published_schedule(
    db: Session, *, site_id: int, since: datetime, until: datetime
) -> list[ScheduledActivity]:
    """Shifts overlapping [since, until) cut into phone time and their published breaks."""
    shifts = db.execute(
        select(Shift.id, Agent.code, Shift.starts_at, Shift.ends_at)
        .join(Agent, Shift.agent_id == Agent.id)
        .where(Agent.site_id == site_id, Shift.starts_at < until, Shift.ends_at > since)
    ).all()
    breaks: dict[int, list[tuple[datetime, datetime, str]]] = {row[0]: [] for row in shifts}
    PB = PlannedBreak
    if shifts:
        found = db.execute(
            select(PB.shift_id, PB.starts_at, PB.ends_at, BreakType.name)
            .join(BreakType, PlannedBreak.break_type_id == BreakType.id)
            .where(
                PlannedBreak.shift_id.in_(list(breaks)),
                PlannedBreak.state.in_([BreakState.PUBLISHED.value, BreakState.TAKEN.value]),
            )
            .order_by(PlannedBreak.starts_at)
        )
        for shift_id, starts_at, ends_at, name in found:
            breaks[shift_id].append((starts_at, ends_at, name))
    pieces: list[ScheduledActivity] = []
    for shift_id, code, starts_at, ends_at in shifts:
        cursor = starts_at
        for planned_start, planned_end, name in breaks[shift_id]:
            b_start, b_end = max(planned_start, cursor), min(planned_end, ends_at)
            if b_end <= b_start:
                continue
            if b_start > cursor:
                pieces.append(ScheduledActivity(code, Activity.PHONE, cursor, b_start))
            pieces.append(ScheduledActivity(code, _activity_of(name), b_start, b_end))
            cursor = b_end
        if cursor < ends_at:
            pieces.append(ScheduledActivity(code, Activity.PHONE, cursor, ends_at))
    return pieces


def site_agents(db: Session, *, site_id: int) -> list[AgentInfo]:
    """The site's active agents with their team, by name."""
    rows = db.execute(
        select(Agent.id, Agent.code, Agent.display_name, Agent.team_id, Team.name)
        .outerjoin(Team, Agent.team_id == Team.id)
        .where(Agent.site_id == site_id, Agent.active)
        .order_by(Agent.display_name)
    )
    return [AgentInfo(*row) for row in rows]


def site_queues(db: Session, *, site_id: int) -> list[str]:
    """The names of the site's active queues."""
    return list(db.scalars(select(Queue.name).where(Queue.site_id == site_id, Queue.active)))


def last_event_at(db: Session, *, site_id: int) -> datetime | None:
    """When the site's feed last delivered an event (received time)."""
    return db.scalar(
        select(AcdEvent.received_at)
        .where(AcdEvent.site_id == site_id)
        .order_by(AcdEvent.id.desc())
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class Changes:
    """What the feed stored since the marks: calls to re-read, agents' states to re-read from."""

    marks: tuple[int, int, int]  # the highest ids of raw events, calls and agent states seen
    call_ids: frozenset[str]
    agents_since: dict[str, datetime]  # agent code -> re-read its states ending after this


def marks(db: Session, *, site_id: int) -> tuple[int, int, int]:
    """The highest ids stored so far of the site's raw events, calls and agent states."""
    S = AgentStateInterval
    return (
        db.scalar(select(func.max(AcdEvent.id)).where(AcdEvent.site_id == site_id)) or 0,
        db.scalar(select(func.max(Call.id)).where(Call.site_id == site_id)) or 0,
        db.scalar(select(func.max(S.id)).where(S.site_id == site_id)) or 0,
    )


def changes_since(db: Session, *, site_id: int, after: tuple[int, int, int]) -> Changes:
    """Calls and agents touched by rows stored after the marks (ids only ever grow per site).

    (`site_id + 0`: each query walks the primary key from the mark, not the site's index.)
    """
    event_mark, call_mark, state_mark = after
    call_ids: set[str] = set()
    since: dict[str, datetime] = {}

    def touch(agent: str, at: datetime) -> None:
        since[agent] = min(at, since.get(agent, at))

    rows = db.execute(
        select(AcdEvent.id, AcdEvent.call_id, AcdEvent.agent, AcdEvent.ts, AcdEvent.type).where(
            AcdEvent.site_id + 0 == site_id, AcdEvent.id > event_mark
        )
    )
    for row_id, call_id, agent, ts, type_ in rows:
        event_mark = max(event_mark, row_id)
        if call_id is not None:
            call_ids.add(call_id)
        if agent is not None and type_ == "agent.state":
            touch(agent, ts)
    for row_id, call_id in db.execute(
        select(Call.id, Call.call_id).where(Call.site_id + 0 == site_id, Call.id > call_mark)
    ):
        call_mark = max(call_mark, row_id)
        call_ids.add(call_id)
    S = AgentStateInterval
    for row_id, code, start in db.execute(
        select(S.id, Agent.code, S.start)
        .join(Agent, S.agent_id == Agent.id)
        .where(S.site_id + 0 == site_id, S.id > state_mark)
    ):
        state_mark = max(state_mark, row_id)
        touch(code, start)
    return Changes((event_mark, call_mark, state_mark), frozenset(call_ids), since)


def calls_by_id(db: Session, *, site_id: int, call_ids: Sequence[str]) -> list[CallRecord]:
    """The site's calls with these call ids (those offered), as the kpi package reads them."""
    queues = dict(db.execute(select(Queue.id, Queue.name).where(Queue.site_id == site_id)).all())
    agents = dict(db.execute(select(Agent.id, Agent.code).where(Agent.site_id == site_id)).all())
    found: list[CallRecord] = []
    for part in chunks(list(call_ids)):
        rows = db.execute(
            select(*_CALL_COLUMNS).where(Call.site_id == site_id, among(db, Call.call_id, part))
        )
        found += _call_records(rows, queues, agents)
    return found


def states_of_agents(
    db: Session, *, site_id: int, since: dict[str, datetime]
) -> list[StateInterval]:
    """Each agent's intervals still open, or ending at or after the agent's own `since`."""
    if not since:
        return []
    S = AgentStateInterval
    ids = {
        agent_id: code
        for agent_id, code in db.execute(
            select(Agent.id, Agent.code).where(Agent.site_id == site_id)
        )
        if code in since
    }
    earliest = min(since.values())
    found: list[StateInterval] = []
    for part in chunks(sorted(ids)):
        rows = db.execute(  # by the agents' own index
            select(S.agent_id, S.state, S.start, S.end)
            .where(among(db, S.agent_id, part), or_(S.end.is_(None), S.end >= earliest))
            .order_by(S.start, S.id)
        )
        found += [
            StateInterval(ids[agent_id], AgentState(state), start, end)
            for agent_id, state, start, end in rows
            if end is None or end >= since[ids[agent_id]]
        ]
    return found
