"""Runs the simulation against the clock and posts its events to POST /api/v1/events.

Simulated time = origin + speed x wall time elapsed. With `catch_up`, the simulation starts
at `start` (in the past) and everything up to now is posted at once, then it follows the
clock. The schedule is reloaded every simulated hour (tomorrow's shifts come in), events go
in batches, and a server that is down or failing is retried with a growing pause.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from threading import Event as StopFlag
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.models import Site
from app.simulator.behaviour import Behaviour
from app.simulator.demand import Demand, fit_scale
from app.simulator.model import Event, Simulation
from app.simulator.schedule import Floor, load_floor

BATCH_MAX = 2_000
POST_EVERY_SECONDS = 5.0  # wall seconds between posts when the feed is thin
RELOAD_EVERY = timedelta(hours=1)
LOOK_AHEAD = timedelta(hours=3)
SIZING_WINDOW = timedelta(days=7)
BACKOFF_MAX_SECONDS = 30.0
TICK_SECONDS = 0.5


class FeedError(Exception):
    """The server refused the feed for a reason retrying will not fix."""


@dataclass(frozen=True)
class FeedConfig:
    """Where to post, and how the simulated time runs."""

    url: str
    token: str
    start: datetime
    speed: float = 1.0
    seed: int = 1
    duration: timedelta | None = None
    catch_up: bool = False
    post_every_seconds: float = POST_EVERY_SECONDS  # wall seconds between posts, thin feed


@dataclass
class FeedTotals:
    """What a run posted: events stored, duplicates, requests, and the simulated time reached."""

    stored: int = 0
    duplicates: int = 0
    requests: int = 0
    reached: datetime | None = None


def run_tag(site: str, seed: int, start: datetime) -> str:
    """A short prefix for ids, the same for the same site, seed and start."""
    digest = hashlib.sha256(f"{site}|{seed}|{start.astimezone(UTC).isoformat()}".encode())
    return "sim" + digest.hexdigest()[:8]


class Poster:
    """Posts batches with the Bearer token; retries connection failures and 5xx with backoff."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        token: str,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] = print,
        stop: StopFlag | None = None,
    ) -> None:
        self.client, self.sleep, self.log, self.stop = client, sleep, log, stop
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, events: list[Event], totals: FeedTotals) -> None:
        """Post `events` in batches of at most BATCH_MAX; raise FeedError on a refusal."""
        for first in range(0, len(events), BATCH_MAX):
            self._post_batch(events[first : first + BATCH_MAX], totals)

    def _post_batch(self, batch: list[Event], totals: FeedTotals) -> None:
        pause = 1.0
        while True:
            problem = self._try(batch, totals)
            if problem is None:
                return
            if self.stop is not None and self.stop.is_set():
                raise FeedError(f"stopped while the server was failing: {problem}")
            self.log(f"simulate: {problem}; retrying in {pause:.0f} s")
            self.sleep(pause)
            pause = min(BACKOFF_MAX_SECONDS, pause * 2)

    def _try(self, batch: list[Event], totals: FeedTotals) -> str | None:
        try:
            response = self.client.post("/api/v1/events", json=batch, headers=self.headers)
        except httpx.TransportError as error:
            return f"cannot reach {self.client.base_url} ({error.__class__.__name__})"
        totals.requests += 1
        if response.status_code >= 500:
            return f"the server answered {response.status_code}"
        if response.status_code in (401, 403):
            raise FeedError(f"the server refused the API token ({response.status_code})")
        if response.status_code == 404:
            raise FeedError(f"no events API at {response.request.url} (404)")
        if response.status_code >= 400:
            raise FeedError(f"the server refused the events ({response.status_code}): "
                            f"{response.text[:500]}")  # fmt: skip
        body = response.json()
        totals.stored += int(body.get("stored", 0))
        totals.duplicates += int(body.get("duplicates", 0))
        return None


def make_client(config: FeedConfig) -> httpx.Client:
    """An HTTP client for the events API."""
    return httpx.Client(base_url=config.url.rstrip("/"), timeout=30.0)


class FloorFeed:
    """The simulation of one site, reloading its schedule as simulated time passes."""

    def __init__(self, factory: sessionmaker[Session], *, site: str, config: FeedConfig) -> None:
        self.factory, self.site = factory, site
        self.start = config.start
        with factory() as db:
            row = _site(db, site)
            self.tz = ZoneInfo(row.timezone)
            spans = load_floor(db, site=row, start=config.start - SIZING_WINDOW,
                               end=config.start + SIZING_WINDOW)  # fmt: skip
            floor = load_floor(db, site=row, start=config.start, end=config.start + LOOK_AHEAD)
        behaviour = Behaviour()
        scale = fit_scale(
            shift_spans=[(s.starts_at, s.ends_at) for s in spans.shifts], tz=self.tz,
            queues=floor.queues, wrap_mean_seconds=behaviour.wrap_mean_seconds,
        )  # fmt: skip
        self.simulation = Simulation(
            agents=floor.agents, shifts=floor.shifts, start=config.start, seed=config.seed,
            demand=Demand.for_queues(floor.queues, tz=self.tz, scale=scale),
            behaviour=behaviour, tag=run_tag(site, config.seed, config.start),
        )  # fmt: skip
        self.next_reload = config.start + RELOAD_EVERY

    def advance(self, until: datetime) -> list[Event]:
        """The events up to `until`, reloading the schedule at each simulated hour passed."""
        events: list[Event] = []
        while self.next_reload <= until:
            events += self.simulation.advance(self.next_reload)
            self.simulation.add_shifts(self._floor(self.next_reload).shifts)
            self.next_reload += RELOAD_EVERY
        return events + self.simulation.advance(until)

    def _floor(self, at: datetime) -> Floor:
        with self.factory() as db:
            return load_floor(db, site=_site(db, self.site), start=at, end=at + LOOK_AHEAD)


def _site(db: Session, name: str) -> Site:
    site = db.scalar(select(Site).where(Site.name == name))
    if site is None:
        raise FeedError(f"no site named {name!r}")
    return site


def site_exists(factory: sessionmaker[Session], name: str) -> bool:
    """Whether a site of that name exists (for the command's option check)."""
    for db in session_scope(factory):
        return db.scalar(select(Site.id).where(Site.name == name)) is not None
    return False


def run_feed(
    factory: sessionmaker[Session],
    *,
    site: str,
    config: FeedConfig,
    client: httpx.Client | None = None,
    stop: StopFlag | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
) -> FeedTotals:
    """Simulate and post until the duration is over or `stop` is set; what was posted."""
    feed = FloorFeed(factory, site=site, config=config)
    client = client or make_client(config)
    poster = Poster(client, token=config.token, sleep=sleep, log=log, stop=stop)
    origin = max(config.start, now()) if config.catch_up else config.start
    end = config.start + config.duration if config.duration is not None else None
    wall0, totals, pending, last_post = clock(), FeedTotals(), [], clock()
    while stop is None or not stop.is_set():
        target = origin + timedelta(seconds=config.speed * (clock() - wall0))
        if end is not None:
            target = min(target, end)
        pending += feed.advance(target)
        totals.reached = target
        done = end is not None and target >= end
        due = done or len(pending) >= BATCH_MAX or clock() - last_post >= config.post_every_seconds
        if pending and due:
            poster.post(pending, totals)
            pending, last_post = [], clock()
        if done:
            break
        sleep(TICK_SECONDS)
    if pending:
        poster.post(pending, totals)
    return totals
