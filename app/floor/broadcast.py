"""Telling open Floor streams that a site's feed stored new events.

In one process: a pub/sub of asyncio queues, fed from any thread. Between processes on
PostgreSQL: the storing transaction sends NOTIFY smena_events (delivered only if it
commits), and each process LISTENs and publishes what it hears to its own streams.
On SQLite (one process) the publish happens after the session commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlalchemy.orm import Session

CHANNEL = "smena_events"
log = logging.getLogger(__name__)


@dataclass
class Broadcaster:
    """Per-site subscribers (queues on their event loops) of this process."""

    _subscribers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[int]]]] = field(
        default_factory=dict
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def subscribe(self, site_id: int) -> Iterator[asyncio.Queue[int]]:
        """A queue that receives the site id each time the site's feed stored events."""
        entry = (asyncio.get_running_loop(), asyncio.Queue[int](maxsize=100))
        with self._lock:
            self._subscribers.setdefault(site_id, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._subscribers.get(site_id, set()).discard(entry)

    def publish(self, site_id: int) -> None:
        """Wake every subscriber of the site (callable from any thread)."""
        with self._lock:
            entries = list(self._subscribers.get(site_id, ()))
        for loop, queue in entries:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(_offer, queue, site_id)


def _offer(queue: asyncio.Queue[int], site_id: int) -> None:
    with contextlib.suppress(asyncio.QueueFull):  # a full queue already means "changed"
        queue.put_nowait(site_id)


BROADCASTER = Broadcaster()


def announce(db: Session, *, site_id: int) -> None:
    """Call after storing a site's events: streams are told once the transaction commits."""
    if db.connection().dialect.name == "postgresql":
        db.execute(
            text("SELECT pg_notify(:channel, :site)"), {"channel": CHANNEL, "site": str(site_id)}
        )
        return
    pending: set[int] | None = db.info.get(_PENDING)
    if pending is None:
        pending = db.info[_PENDING] = set()
        event.listen(db, "after_commit", _publish_pending)
        event.listen(db, "after_rollback", lambda session: session.info[_PENDING].clear())
    pending.add(site_id)


_PENDING = "floor_sites_to_announce"


def _publish_pending(session: Session) -> None:
    pending: set[int] = session.info[_PENDING]
    for site_id in sorted(pending):
        BROADCASTER.publish(site_id)
    pending.clear()


def libpq_url(sqlalchemy_url: str) -> str:
    """The psycopg connection string of a SQLAlchemy PostgreSQL URL."""
    scheme, rest = sqlalchemy_url.split("://", 1)
    return f"postgresql://{rest}" if scheme.startswith("postgresql") else sqlalchemy_url


async def listen(
    url: str, broadcaster: Broadcaster = BROADCASTER, ready: asyncio.Event | None = None
) -> None:
    """Publish every NOTIFY on CHANNEL to `broadcaster`, reconnecting after a failure."""
    import psycopg

    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                if ready is not None:
                    ready.set()
                async for notify in conn.notifies():
                    with contextlib.suppress(ValueError):
                        broadcaster.publish(int(notify.payload))
        except asyncio.CancelledError:
            raise
        except Exception:  # the server went away: try again shortly
            log.warning("LISTEN %s lost; reconnecting", CHANNEL, exc_info=True)
            await asyncio.sleep(2)


_bridges: dict[tuple[int, str], asyncio.Task[None]] = {}


def ensure_bridge(database_url: str) -> None:
    """Start this event loop's LISTEN task for a PostgreSQL database (once)."""
    if not database_url.startswith("postgresql"):
        return
    key = (id(asyncio.get_running_loop()), database_url)
    task = _bridges.get(key)
    if task is None or task.done():
        _bridges[key] = asyncio.create_task(listen(libpq_url(database_url)))


async def stop_bridges() -> None:
    """Cancel this event loop's LISTEN tasks and close their connections (app shutdown)."""
    loop_id = id(asyncio.get_running_loop())
    for key in [k for k in _bridges if k[0] == loop_id]:
        task = _bridges.pop(key)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def sse(event_name: str, data: str) -> str:
    """One server-sent event."""
    return f"event: {event_name}\ndata: {data}\n\n"


async def floor_stream(
    queue: asyncio.Queue[int],
    *,
    heartbeat_seconds: float = 15.0,
    min_gap_seconds: float = 0.5,
    lifetime_seconds: float = 600.0,
) -> AsyncIterator[str]:
    """`floor` after new events (at most one per min_gap), `heartbeat` when quiet, then end."""
    loop = asyncio.get_running_loop()
    ends_at, last_sent = loop.time() + lifetime_seconds, 0.0
    yield "retry: 2000\n\n"
    while (remaining := ends_at - loop.time()) > 0:
        try:
            await asyncio.wait_for(queue.get(), timeout=min(heartbeat_seconds, remaining))
        except TimeoutError:
            yield sse("heartbeat", "")
            continue
        wait = last_sent + min_gap_seconds - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        while not queue.empty():  # everything stored meanwhile is in this one render
            queue.get_nowait()
        last_sent = loop.time()
        yield sse("floor", "")
