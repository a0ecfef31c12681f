"""The live feed's store: ingesting events, and the calls and agent states the KPIs read.

For the reports and the floor: `calls_between` and `states_between` return the pure kpi
package's records for one site and time range, straight from indexed scans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, or_, select, text, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.events import fold
from app.events.registry import agent_ids, queue_ids
from app.events.schemas import AgentStateChanged, CallAnswered, CallOffered, EventIn
from app.events.store import among, bulk_insert, chunks
from app.models import AcdEvent, Agent, AgentStateInterval, Call, Queue, Site
from kpi.records import AgentState, CallRecord, StateInterval

CALLS: Table = Call.__table__  # type: ignore[assignment]
STATES: Table = AgentStateInterval.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class IngestResult:
    """How many events of a request were new, and how many had been stored before."""

    stored: int
    duplicates: int


def lock_site_feed(db: Session, *, site_id: int) -> None:
    """Serialise writers of one site's feed until the transaction ends (PostgreSQL).

    Also plans each query for its actual keys: a generic plan cached while the tables were
    small scans them whole for every batch once they have grown.
    """
    if db.connection().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(7468, :site)"), {"site": site_id})
        db.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def ingest_events(db: Session, *, site: Site, events: Sequence[EventIn]) -> IngestResult:
    """Store the events not seen before and fold them into calls and agent states."""
    lock_site_feed(db, site_id=site.id)
    ids = list(dict.fromkeys(event.id for event in events))
    seen: set[str] = set()
    for part in chunks(ids):
        seen.update(
            db.scalars(
                select(AcdEvent.event_id).where(
                    AcdEvent.site_id == site.id, among(db, AcdEvent.event_id, part)
                )
            )
        )
    fresh: dict[str, EventIn] = {}
    for event in events:
        if event.id not in seen:
            fresh.setdefault(event.id, event)
    new = list(fresh.values())
    if new:
        _store_raw(db, site_id=site.id, events=new)
        _fold_calls(db, site_id=site.id, events=new)
        _fold_states(db, site_id=site.id, events=new)
    return IngestResult(stored=len(new), duplicates=len(events) - len(new))


def _store_raw(db: Session, *, site_id: int, events: Sequence[EventIn]) -> None:
    now = utcnow()
    rows = [
        {
            "site_id": site_id,
            "event_id": event.id,
            "type": event.type,
            "ts": event.ts,
            "call_id": getattr(event, "call_id", None),
            "agent": getattr(event, "agent", None),
            "payload": event.model_dump(mode="json", exclude={"id", "type", "ts"}),
            "received_at": now,
        }
        for event in events
    ]
    bulk_insert(db, AcdEvent.__table__, rows)  # type: ignore[arg-type]


def _stored_events(
    db: Session, *, site_id: int, column: str, keys: Sequence[str], since: datetime | None = None
) -> list[fold.StoredEvent]:
    found: list[fold.StoredEvent] = []
    key_column = AcdEvent.call_id if column == "call_id" else AcdEvent.agent
    query = select(
        AcdEvent.event_id,
        AcdEvent.type,
        AcdEvent.ts,
        AcdEvent.call_id,
        AcdEvent.agent,
        AcdEvent.payload,
    ).where(AcdEvent.site_id == site_id)
    if column == "agent":
        query = query.where(AcdEvent.type == "agent.state")
    if since is not None:
        query = query.where(AcdEvent.ts >= since)
    for part in chunks(keys):
        for event_id, type_, ts, call_id, agent, payload in db.execute(
            query.where(among(db, key_column, part))
        ):
            found.append(
                fold.StoredEvent(
                    event_id,
                    type_,
                    ts,
                    call_id,
                    agent,
                    queue=payload.get("queue"),
                    state=payload.get("state"),
                    reason=payload.get("reason"),
                )
            )
    return found


def _fold_calls(db: Session, *, site_id: int, events: Sequence[EventIn]) -> None:
    call_ids = sorted({e.call_id for e in events if not isinstance(e, AgentStateChanged)})
    if not call_ids:
        return
    queues = queue_ids(
        db, site_id=site_id, names={e.queue for e in events if isinstance(e, CallOffered)}
    )
    agents = agent_ids(
        db, site_id=site_id, codes={e.agent for e in events if isinstance(e, CallAnswered)}
    )
    existing: dict[str, tuple[int, str]] = {}
    for part in chunks(call_ids):
        rows = db.execute(
            select(Call.call_id, Call.id, Call.source).where(
                Call.site_id == site_id, among(db, Call.call_id, part)
            )
        )
        existing.update((call_id, (row_id, source)) for call_id, row_id, source in rows)
    # A call without a row has had no events before this batch: fold it from memory.
    by_call: dict[str, list[fold.StoredEvent]] = defaultdict(list)
    for event in events:
        if not isinstance(event, AgentStateChanged) and event.call_id not in existing:
            by_call[event.call_id].append(_as_stored(event))
    refold = sorted(call_id for call_id, (_, source) in existing.items() if source == "events")
    for stored in _stored_events(db, site_id=site_id, column="call_id", keys=refold):
        assert stored.call_id is not None
        by_call[stored.call_id].append(stored)
    inserts, updates = [], []
    for call_id, call_events in by_call.items():
        call = fold.fold_call(call_id, call_events)
        row = {
            "queue_id": queues[call.queue] if call.queue else None,
            "offered_at": call.offered_at,
            "answered_at": call.answered_at,
            "ended_at": call.ended_at,
            "abandoned_at": call.abandoned_at,
            "agent_id": agents[call.agent] if call.agent else None,
        }
        if call_id not in existing:
            inserts.append({"site_id": site_id, "call_id": call_id, "source": "events", **row})
        elif existing[call_id][1] == "events":  # an imported record is the switch's final word
            updates.append({"row_id": existing[call_id][0], **row})
    bulk_insert(db, CALLS, inserts)
    if updates:
        db.connection().execute(update(CALLS).where(CALLS.c.id == bindparam("row_id")), updates)


def _as_stored(event: EventIn) -> fold.StoredEvent:
    return fold.StoredEvent(
        event.id,
        event.type,
        event.ts,
        getattr(event, "call_id", None),
        getattr(event, "agent", None),
        queue=getattr(event, "queue", None),
    )


def _fold_states(db: Session, *, site_id: int, events: Sequence[EventIn]) -> None:
    """Rebuild each touched agent's intervals from the earliest point a new event can change."""
    changes = [e for e in events if isinstance(e, AgentStateChanged)]
    if not changes:
        return
    agents = agent_ids(db, site_id=site_id, codes={e.agent for e in changes})
    touched = {agents[e.agent] for e in changes}
    earliest = min(e.ts for e in changes)
    rebuild_from: dict[int, datetime] = {agent_id: earliest for agent_id in touched}
    stale = or_(AgentStateInterval.end.is_(None), AgentStateInterval.end > earliest)
    for part in chunks(sorted(touched)):
        where = (
            among(db, AgentStateInterval.agent_id, part),
            AgentStateInterval.source == "events",
            stale,
        )
        for agent_id, start in db.execute(
            select(AgentStateInterval.agent_id, AgentStateInterval.start).where(*where)
        ):
            rebuild_from[agent_id] = min(rebuild_from[agent_id], start)
        db.execute(delete(AgentStateInterval).where(*where))
    by_agent = _state_events_since(db, site_id=site_id, agents=agents, rebuild_from=rebuild_from)
    rows = [
        {
            "site_id": site_id,
            "agent_id": agents[code],
            "state": s.state,
            "reason": s.reason,
            "start": s.start,
            "end": s.end,
            "source": "events",
        }
        for code, agent_events in by_agent.items()
        for s in fold.fold_states(code, agent_events)
    ]
    bulk_insert(db, STATES, rows)


def _state_events_since(
    db: Session, *, site_id: int, agents: dict[str, int], rebuild_from: dict[int, datetime]
) -> dict[str, list[fold.StoredEvent]]:
    """Each agent's state events from its own rebuild point, read one hour-bucket at a time.

    (One bound for all would reread a day for everyone when one agent logs in after a night.)
    """
    codes = {agent_id: code for code, agent_id in agents.items()}
    buckets: dict[datetime, list[str]] = defaultdict(list)
    for agent_id, since in rebuild_from.items():
        buckets[since.replace(minute=0, second=0, microsecond=0)].append(codes[agent_id])
    by_agent: dict[str, list[fold.StoredEvent]] = defaultdict(list)
    for bucket in buckets.values():
        since = min(rebuild_from[agents[code]] for code in bucket)
        for event in _stored_events(
            db, site_id=site_id, column="agent", keys=sorted(bucket), since=since
        ):
            assert event.agent is not None
            if event.ts >= rebuild_from[agents[event.agent]]:
                by_agent[event.agent].append(event)
    return by_agent


def calls_between(
    db: Session,
    *,
    site_id: int,
    start: datetime,
    end: datetime,
    queue_ids: Sequence[int] | None = None,
) -> list[CallRecord]:
    """The site's calls offered in [start, end) (optionally in these queues), by offered_at."""
    queues = dict(db.execute(select(Queue.id, Queue.name).where(Queue.site_id == site_id)).all())
    agents = dict(db.execute(select(Agent.id, Agent.code).where(Agent.site_id == site_id)).all())
    query = select(
        Call.call_id,
        Call.queue_id,
        Call.offered_at,
        Call.answered_at,
        Call.ended_at,
        Call.abandoned_at,
        Call.agent_id,
    ).where(Call.site_id == site_id, Call.offered_at >= start, Call.offered_at < end)
    if queue_ids is not None:
        query = query.where(Call.queue_id.in_(list(queue_ids)))
    rows = db.execute(query.order_by(Call.offered_at, Call.id))
    return [_call_record(row, queues, agents) for row in rows]


def _call_record(row: Any, queues: dict[int, str], agents: dict[int, str]) -> CallRecord:
    # Rows come from an offered_at range, and an offered call always has its queue.
    assert row.queue_id is not None and row.offered_at is not None
    agent = agents[row.agent_id] if row.agent_id is not None else None
    return CallRecord(
        row.call_id,
        queues[row.queue_id],
        row.offered_at,
        row.answered_at,
        row.ended_at,
        row.abandoned_at,
        agent,
    )


def states_between(
    db: Session, *, site_id: int, start: datetime, end: datetime
) -> list[StateInterval]:
    """The site's agent-state intervals overlapping [start, end), by start."""
    agents = dict(db.execute(select(Agent.id, Agent.code).where(Agent.site_id == site_id)).all())
    S = AgentStateInterval
    query = (
        select(S.agent_id, S.state, S.start, S.end)
        .where(S.site_id == site_id, S.start < end, or_(S.end.is_(None), S.end > start))
        .order_by(S.start, S.id)
    )
    return [
        StateInterval(agents[agent_id], AgentState(state), interval_start, interval_end)
        for agent_id, state, interval_start, interval_end in db.execute(query)
    ]
