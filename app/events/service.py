"""The live feed's store: ingesting events (app.events.ingest; a POST's in a worker thread),
and what the KPIs read.

For the reports and the floor: `calls_between` and `states_between` return the pure kpi
package's records for one site and time range, straight from indexed scans.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import anyio
from anyio.lowlevel import RunVar
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.events.ingest import IngestResult, feed_lock, ingest_events, lock_site_feed
from app.events.schemas import EventIn
from app.floor.broadcast import announce
from app.models import Agent, AgentStateInterval, Call, Queue, Site
from kpi.records import AgentState, CallRecord, StateInterval

__all__ = [
    "IngestResult",
    "calls_between",
    "ingest_events",
    "ingest_posted",
    "lock_site_feed",
    "states_between",
]

INGEST_THREADS = 4  # POSTs ingesting at once in a process; the others wait holding no thread
_ingest_threads: RunVar[anyio.CapacityLimiter] = RunVar("smena_ingest_threads")


async def ingest_posted(db: Session, *, site: Site, events: Sequence[EventIn]) -> IngestResult:
    """Ingest a POST's events and commit, in a worker thread: the event loop, and with it the
    Floor's streams and every other request, stays free meanwhile."""
    work = functools.partial(_ingest_and_commit, db, site=site, events=events)
    return await anyio.to_thread.run_sync(work, limiter=_ingest_limiter())


def _ingest_limiter() -> anyio.CapacityLimiter:
    """This event loop's worker threads for ingest, apart from the default pool, so a queue
    of POSTs waiting for their site's lock cannot starve every other request of threads."""
    try:
        return _ingest_threads.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(INGEST_THREADS)
        _ingest_threads.set(limiter)
        return limiter


def _ingest_and_commit(db: Session, *, site: Site, events: Sequence[EventIn]) -> IngestResult:
    """The POST's transaction, under the site's feed lock from the duplicate check to the
    commit, so two POSTs never both store one new event. It commits here, not when the
    request ends, for the lock must cover the commit."""
    with feed_lock(db, site_id=site.id):
        try:
            result = ingest_events(db, site=site, events=events)
            if result.stored:  # the Floor's live streams hear of it once this commits
                announce(db, site_id=site.id)
            db.commit()
        except BaseException:
            db.rollback()
            raise
    return result


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
