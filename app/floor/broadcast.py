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
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
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
    _watchers: list[weakref.WeakMethod[Callable[[int], None]]] = field(default_factory=list)

    def watch(self, poke: Callable[[int], None]) -> None:
        """Also call `poke(site_id)` (a bound method, held weakly) on every publish."""
        with self._lock:
            self._watchers = [w for w in self._watchers if w() is not None]
            self._watchers.append(weakref.WeakMethod(poke))

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
            watchers = [w() for w in self._watchers]
        for poke in watchers:
            if poke is not None:
                poke(site_id)
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
    """One server-sent event (each line of the data on its own `data:` line)."""
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {event_name}\n{lines}\n"


Fetch = Callable[[], Awaitable[tuple[int, dict[str, str], float]]]


async def floor_stream(
    queue: asyncio.Queue[int],
    *,
    fetch: Fetch | None = None,
    known: tuple[int, dict[str, str]] | None = None,
    heartbeat_seconds: float = 15.0,
    min_gap_seconds: float = 0.5,
    lifetime_seconds: float = 600.0,
) -> AsyncIterator[str]:
    """The Floor's changed fragments after new events (at most one update per min_gap) and
    every heartbeat while quiet, then end.

    `fetch` gives (version, each fragment as a server-sent event by name, seconds to wait
    before asking again for a change it does not hold yet); `known` is the page's version.
    Without `fetch`, a bare `floor` event tells the page to fetch for itself.
    """
    loop = asyncio.get_running_loop()
    ends_at, last_sent = loop.time() + lifetime_seconds, 0.0
    version, sent = known if known is not None else (0, {})

    async def update() -> list[str]:
        nonlocal version
        if fetch is None:
            return [sse("floor", "")]
        while True:
            found, fragments, retry = await fetch()
            if retry <= 0 or loop.time() + retry >= ends_at:
                break
            await asyncio.sleep(retry)
        if not sent and found == version:  # the page shows this very snapshot
            sent.update(fragments)
            return []
        chunks = [chunk for name, chunk in fragments.items() if sent.get(name) != chunk]
        sent.update(fragments)
        if found != version:
            version = found
            chunks.append(sse("floor", str(found)))
        return chunks

    yield "retry: 2000\n\n"
    if fetch is not None:
        for chunk in await update():  # what changed since the page was rendered
            yield chunk
    while (remaining := ends_at - loop.time()) > 0:
        try:
            await asyncio.wait_for(queue.get(), timeout=min(heartbeat_seconds, remaining))
        except TimeoutError:
            chunks = await update() if fetch is not None else []
            for chunk in chunks or [sse("heartbeat", "")]:
                yield chunk
            continue
        wait = last_sent + min_gap_seconds - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        while not queue.empty():  # everything stored meanwhile is in this one update
            queue.get_nowait()
        last_sent = loop.time()
        for chunk in await update():
            yield chunk
