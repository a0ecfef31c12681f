"""A batch of the live feed into the store: new events kept raw, folded into calls and states.

Built for bursts of thousands of events a second: every step is a few set-based statements
per batch (COPY and array parameters on PostgreSQL), never one per event. Calls are folded
again from all their stored events; agent states from the stored intervals they change.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, and_, delete, or_, select, text
from sqlalchemy.orm import Session

from app.db import utcnow
from app.events import fold
from app.events.registry import agent_ids, queue_ids
from app.events.schemas import EventIn
from app.events.store import among, bulk_insert, bulk_update, chunks
from app.models import AcdEvent, AgentStateInterval, Call, Site

RAW: Table = AcdEvent.__table__  # type: ignore[assignment]
CALLS: Table = Call.__table__  # type: ignore[assignment]
STATES: Table = AgentStateInterval.__table__  # type: ignore[assignment]
IntervalRow = Row[Any, Any, Any, Any, Any, Any]  # id, agent_id, state, reason, start, end
PAYLOAD = {  # what each type keeps besides id, type and ts (as the event's JSON has it)
    "call.offered": ("call_id", "queue"),
    "call.answered": ("call_id", "agent"),
    "call.abandoned": ("call_id",),
    "call.ended": ("call_id",),
    "agent.state": ("agent", "state", "reason"),
}


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
        db.execute(
            text(
                "SELECT pg_advisory_xact_lock(7468, :site), "
                "set_config('plan_cache_mode', 'force_custom_plan', true)"
            ),
            {"site": site_id},
        )


_FEED_LOCKS: dict[tuple[str, int | None], threading.Lock] = {}
_FEED_LOCKS_GUARD = threading.Lock()


def feed_lock(db: Session, *, site_id: int) -> threading.Lock:
    """This process's lock on writing a site's feed: hold it until the transaction ends.

    On SQLite (one process) it is the guarantee, one lock for all the file's sites: the file
    has one writer at a time anyway, and a writer queued here, unlike one in SQLite's busy
    handler, neither times out ("database is locked") nor wakes late. On PostgreSQL it only
    queues this process's requests per site; `lock_site_feed` serialises across processes.
    """
    engine = db.connection().engine
    key = (str(engine.url), None if engine.dialect.name == "sqlite" else site_id)
    with _FEED_LOCKS_GUARD:
        return _FEED_LOCKS.setdefault(key, threading.Lock())


def ingest_events(db: Session, *, site: Site, events: Sequence[EventIn]) -> IngestResult:
    """Store the events not seen before and fold them into calls and agent states."""
    lock_site_feed(db, site_id=site.id)
    new = [_as_stored(event) for event in _unseen(db, site_id=site.id, events=events)]
    if new:
        _store_raw(db, site_id=site.id, events=new)
        named = {e.agent for e in new if e.agent is not None}
        agents = agent_ids(db, site_id=site.id, codes=named, only_named=True)
        calls = [e for e in new if e.call_id is not None]
        _fold_calls(db, site_id=site.id, events=calls, agents=agents)
        states = [e for e in new if e.type == "agent.state"]
        _fold_states(db, site_id=site.id, events=states, agents=agents)
    return IngestResult(stored=len(new), duplicates=len(events) - len(new))


def _unseen(db: Session, *, site_id: int, events: Sequence[EventIn]) -> list[EventIn]:
    """The events whose id is neither stored nor repeated earlier in `events`."""
    ids = list(dict.fromkeys(event.id for event in events))
    seen: set[str] = set()
    for part in chunks(ids):
        where = (RAW.c.site_id == site_id, among(db, RAW.c.event_id, part))
        seen.update(db.connection().execute(select(RAW.c.event_id).where(*where)).scalars())
    fresh: dict[str, EventIn] = {}
    for event in events:
        if event.id not in seen:
            fresh.setdefault(event.id, event)
    return list(fresh.values())


def _as_stored(event: EventIn) -> fold.StoredEvent:
    fields = event.__dict__  # the validated values, read without pydantic's attribute lookup
    state = fields.get("state")
    return fold.StoredEvent(
        fields["id"],
        fields["type"],
        fields["ts"],
        fields.get("call_id"),
        fields.get("agent"),
        queue=fields.get("queue"),
        state=None if state is None else str(state),
        reason=fields.get("reason"),
    )


def _store_raw(db: Session, *, site_id: int, events: Sequence[fold.StoredEvent]) -> None:
    now = utcnow()
    rows = [
        {
            "site_id": site_id,
            "event_id": event.event_id,
            "type": event.type,
            "ts": event.ts,
            "call_id": event.call_id,
            "agent": event.agent,
            "payload": {name: getattr(event, name) for name in PAYLOAD[event.type]},
            "received_at": now,
        }
        for event in events
    ]
    bulk_insert(db, RAW, rows)


def _state_events(
    db: Session, *, site_id: int, agent: str, since: datetime
) -> list[fold.StoredEvent]:
    """The agent's stored state events from `since` on, the payload read in SQL."""
    E = RAW.c
    query = select(
        E.event_id,
        E.type,
        E.ts,
        E.call_id,
        E.agent,
        E.payload["queue"].as_string(),
        E.payload["state"].as_string(),
        E.payload["reason"].as_string(),
    ).where(E.site_id == site_id, E.agent == agent, E.type == "agent.state", E.ts >= since)
    return [fold.StoredEvent(*row) for row in db.connection().execute(query).all()]


def _stored_calls(
    db: Session, *, site_id: int, call_ids: Sequence[str]
) -> tuple[dict[str, tuple[int, str]], dict[str, list[fold.StoredEvent]]]:
    """The calls already stored ((id, source) by call_id), with all the stored events of
    those that came from the feed (in one statement: calls joined to their events)."""
    C, E = CALLS.c, RAW.c
    from_feed = and_(C.source == "events", E.site_id == C.site_id, E.call_id == C.call_id)
    query = select(
        C.call_id, C.id, C.source, E.event_id, E.type, E.ts, E.agent, E.payload["queue"].as_string()
    ).select_from(CALLS.outerjoin(RAW, from_feed))
    existing: dict[str, tuple[int, str]] = {}
    stored: dict[str, list[fold.StoredEvent]] = defaultdict(list)
    for part in chunks(call_ids):
        where = (C.site_id == site_id, among(db, C.call_id, part))
        for call_id, row_id, source, event_id, type_, ts, agent, queue in (
            db.connection().execute(query.where(*where)).all()
        ):
            existing[call_id] = (row_id, source)
            if event_id is not None:
                stored[call_id].append(fold.StoredEvent(event_id, type_, ts, call_id, agent, queue))
    return existing, stored


def _fold_calls(
    db: Session, *, site_id: int, events: Sequence[fold.StoredEvent], agents: dict[str, int]
) -> None:
    """Insert the calls first heard of, and fold the others again from all their events.

    `agents`: the ids of the agents the batch names (the site's others are looked up here).
    """
    if not events:
        return
    call_ids = sorted({e.call_id for e in events if e.call_id is not None})
    existing, by_call = _stored_calls(db, site_id=site_id, call_ids=call_ids)
    # A call without a row has had no events before this batch: fold it from memory. (Those
    # from the feed have all their events, this batch's too, in `by_call` already.)
    for event in events:
        if event.call_id is not None and event.call_id not in existing:
            by_call[event.call_id].append(event)
    calls = [fold.fold_call(call_id, call_events) for call_id, call_events in by_call.items()]
    # A queue named in the batch is registered even when its call was imported before.
    named_queues = {e.queue for e in events if e.queue} | {c.queue for c in calls if c.queue}
    queues = queue_ids(db, site_id=site_id, names=named_queues, only_named=True)
    earlier = {c.agent for c in calls if c.agent and c.agent not in agents}
    if earlier:  # a call answered in an earlier batch
        agents = {**agents, **agent_ids(db, site_id=site_id, codes=earlier, only_named=True)}
    inserts, updates = [], []
    for call in calls:
        row = {
            "queue_id": queues[call.queue] if call.queue else None,
            "offered_at": call.offered_at,
            "answered_at": call.answered_at,
            "ended_at": call.ended_at,
            "abandoned_at": call.abandoned_at,
            "agent_id": agents[call.agent] if call.agent else None,
        }
        if call.call_id not in existing:
            inserts.append({"site_id": site_id, "call_id": call.call_id, "source": "events", **row})
        elif existing[call.call_id][1] == "events":  # an imported record is the final word
            updates.append({"id": existing[call.call_id][0], **row})
    bulk_insert(db, CALLS, inserts)
    bulk_update(db, CALLS, updates, key="id")


def _fold_states(
    db: Session, *, site_id: int, events: Sequence[fold.StoredEvent], agents: dict[str, int]
) -> None:
    """Rebuild each touched agent's intervals from the earliest point a new event can change.

    The stored intervals from there on stand for the events that started them (one interval
    per distinct time, the last event by id winning), so the events need not be read again;
    only where a new event shares a start time with one does the tie need the stored ids.
    Of the rebuilt intervals, only those that differ are written (mostly: an end is set).
    """
    new: dict[str, list[fold.StoredEvent]] = defaultdict(list)
    for event in events:
        assert event.agent is not None
        new[event.agent].append(event)
    if not new:
        return
    codes = {agents[code]: code for code in new}
    earliest = {code: min(e.ts for e in agent_events) for code, agent_events in new.items()}
    stale: dict[str, list[IntervalRow]] = defaultdict(list)
    for row in _stale_intervals(
        db, site_id=site_id, agent_ids=sorted(codes), since=min(earliest.values())
    ):
        code = codes[row.agent_id]
        if row.end is None or row.end > earliest[code]:
            stale[code].append(row)
    changes = _StateChanges(site_id)
    for code, agent_events in new.items():
        kept = [
            fold.StoredEvent("", "agent.state", row.start, None, code, None, row.state, row.reason)
            for row in stale[code]
        ]
        starts = {e.ts for e in kept}
        if any(e.ts in starts for e in agent_events):  # a tie: read the real ids back
            since = min(starts | {earliest[code]})
            folded = _state_events(db, site_id=site_id, agent=code, since=since)
        else:
            folded = kept + agent_events
        changes.compare(agents[code], stale[code], fold.fold_states(code, folded))
    changes.write(db)


def _stale_intervals(
    db: Session, *, site_id: int, agent_ids: Sequence[int], since: datetime
) -> list[IntervalRow]:
    """(id, agent_id, state, reason, start, end) of fed intervals still running at `since`."""
    S = STATES.c
    query = select(S.id, S.agent_id, S.state, S.reason, S.start, S.end).where(
        S.site_id == site_id, S.source == "events", or_(S.end.is_(None), S.end > since)
    )
    found: list[IntervalRow] = []
    for part in chunks(agent_ids):
        found.extend(db.connection().execute(query.where(among(db, S.agent_id, part))).all())
    return found


class _StateChanges:
    """The writes that turn stored intervals into rebuilt ones, gathered for all agents."""

    def __init__(self, site_id: int) -> None:
        self.site_id = site_id
        self.deletes: list[int] = []
        self.ends: list[dict[str, Any]] = []
        self.inserts: list[dict[str, Any]] = []

    def compare(
        self, agent_id: int, stored: Sequence[IntervalRow], rebuilt: Sequence[fold.FoldedState]
    ) -> None:
        """Keep a stored interval that starts as a rebuilt one in the same state (new end)."""
        by_start = {row.start: row for row in stored}
        for interval in rebuilt:
            row = by_start.pop(interval.start, None)
            if row is not None and (row.state, row.reason) == (interval.state, interval.reason):
                if row.end != interval.end:
                    self.ends.append({"id": row.id, "end": interval.end})
                continue
            if row is not None:
                self.deletes.append(row.id)
            self.inserts.append(
                {
                    "site_id": self.site_id,
                    "agent_id": agent_id,
                    "state": interval.state,
                    "reason": interval.reason,
                    "start": interval.start,
                    "end": interval.end,
                    "source": "events",
                }
            )
        self.deletes.extend(row.id for row in by_start.values())

    def write(self, db: Session) -> None:
        for part in chunks(self.deletes):
            db.connection().execute(delete(STATES).where(among(db, STATES.c.id, part)))
        bulk_update(db, STATES, self.ends, key="id")
        bulk_insert(db, STATES, self.inserts)
