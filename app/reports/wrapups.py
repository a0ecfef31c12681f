"""AHT's wrap-up part: what the agent's following wrap_up adds to the talk summed in SQL.

The contract's handle time is talk plus the agent's wrap_up that follows the call, when agent
states are known (kpi.definitions.handle_seconds). Only the calls of agents with wrap_up
states in the range are read here; each one's difference from talk-only goes to its bucket.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent
from app.models.events import AgentStateInterval, Call
from kpi.definitions import Thresholds, WrapUps, handle_seconds, talk_seconds
from kpi.records import AgentState, CallRecord, StateInterval

EPOCH = datetime(1970, 1, 1)
LONGEST_CALL = timedelta(days=1)  # a wrap_up after a call offered before `end` starts by then


def _wrap_ups(db: Session, *, site_id: int, start: datetime, end: datetime) -> WrapUps | None:
    S = AgentStateInterval
    query = select(S.agent_id, S.start, S.end).where(
        S.site_id == site_id, S.state == AgentState.WRAP_UP.value,
        S.start >= start, S.start < end + LONGEST_CALL,
    )  # fmt: skip
    states = [
        StateInterval(str(agent), AgentState.WRAP_UP, began, ended)
        for agent, began, ended in db.execute(query)
    ]
    return WrapUps(states) if states else None


def wrap_up_corrections(
    db: Session, *, site_id: int, start: datetime, end: datetime, tz: tzinfo,
    length_seconds: int, dimension: str, thresholds: Thresholds, queue_id: int | None,
) -> list[tuple[datetime, int | None, int, float]]:  # fmt: skip
    """(bucket start, dimension key, change of handled, change of handle seconds) per call."""
    wrap_ups = _wrap_ups(db, site_id=site_id, start=start, end=end)
    if wrap_ups is None:
        return []
    teams = dict(db.execute(select(Agent.id, Agent.team_id).where(Agent.site_id == site_id)).all())
    query = select(Call.queue_id, Call.offered_at, Call.answered_at, Call.ended_at, Call.agent_id)
    query = query.where(
        Call.site_id == site_id, Call.offered_at >= start, Call.offered_at < end,
        Call.ended_at.is_not(None), Call.agent_id.is_not(None),
    )  # fmt: skip
    if queue_id is not None:
        query = query.where(Call.queue_id == queue_id)
    changes = []
    for queue, offered, answered, ended, agent in db.execute(query):
        assert offered is not None and agent is not None  # offered: the report's range
        call = CallRecord("", str(queue), offered, answered, ended, None, str(agent))
        talk = talk_seconds(call)
        handle = handle_seconds(call, wrap_ups, thresholds)
        if talk is None or handle == talk:
            continue
        key = {"queue": queue, "agent": agent, "team": teams.get(agent)}.get(dimension)
        delta = (-1, -talk) if handle is None else (0, handle - talk)
        changes.append((_bucket_start(offered, tz, length_seconds), key, *delta))
    return changes


def _bucket_start(at: datetime, tz: tzinfo, length_seconds: int) -> datetime:
    offset = at.astimezone(tz).utcoffset()
    assert offset is not None
    local = (at - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() + offset.total_seconds()
    wall = EPOCH + timedelta(seconds=math.floor(local / length_seconds) * length_seconds)
    return wall.replace(tzinfo=timezone(offset))
