"""Floor benchmark: the live screen of a site at the design's scale, on SQLite and PostgreSQL.

Run: `.venv/bin/python benchmarks/floor.py [--watchers 50] [--events 200] [--postgres URL]`.
A site of 2,000 agents on shift, 20 queues, published shifts and breaks, and the day's calls
and agent states up to now (see floor_seed.py) goes into a fresh SQLite file and a fresh
PostgreSQL database (created, then dropped). Then, in process:
- whole: the Floor read and computed from scratch (service.load_floor), which every fragment
  request of every watcher used to do;
- first view: the hub's first snapshot of the site in a process (reads the whole day);
- page: GET /floor, signed in, warm;
- update: after `--events` new feed events (one second at 200 events/s) are ingested, the
  snapshot brought up to date, and each fragment rendered (ms), and each fragment's GET;
- cycle (five times): `--watchers` open streams (the route's own generator; three views
  among them) are told of new events; the time until the last of them has its updated
  fragments, and how many computations and renders that took (shared: one computation, a
  render per view).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from app.config import Settings
from app.db import utcnow
from app.events import service as events
from app.events.schemas import parse_events
from app.floor import broadcast, service
from app.floor.hub import FRAGMENTS, MIN_GAP_SECONDS, FloorHub, View, hub_of
from app.main import create_app
from app.migrate import upgrade
from app.models import Site

sys.path.insert(0, str(Path(__file__).parent))
import floor_seed
from scratch import postgres_url, sqlite_url

Row = dict[str, str]
CYCLES = 5


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _best(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(_ms(started))
    return statistics.median(times)


def _ingest(app: FastAPI, seeded: floor_seed.Seeded, count: int, seed: int) -> None:
    parsed, errors = parse_events(floor_seed.live_events(seeded, utcnow(), count, seed))
    assert not errors, errors
    with app.state.sessionmaker() as db:
        site = db.get(Site, seeded.site_id)
        assert site is not None
        events.ingest_events(db, site=site, events=parsed)
        db.commit()


def _sign_in(client: TestClient, login: str) -> None:
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    response = client.post(
        "/login",
        data={"login": login, "password": floor_seed.PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _cycle(hub: FloorHub, site_id: int, watchers: int, ingest: Callable[[], None]) -> float:
    """Ms from the feed's commit until every stream has sent its updated agent board."""
    views = [View("en"), View("ru"), View("en", None, "state")]

    async def scenario() -> float:
        ready, done = asyncio.Barrier(watchers + 1), []

        async def watcher(n: int) -> None:
            view = views[0] if n % 10 else views[1 + (n // 10) % 2]

            def latest() -> tuple[int, dict[str, str], float]:
                snapshot, retry = hub.snapshot(site_id, record=True)
                return snapshot.version, hub.events(snapshot, view), retry

            async def fetch() -> tuple[int, dict[str, str], float]:
                return await asyncio.to_thread(latest)

            with broadcast.BROADCASTER.subscribe(site_id) as queue:
                version, _, _ = await fetch()
                stream = broadcast.floor_stream(
                    queue, fetch=fetch, known=(version, {}), lifetime_seconds=30
                )
                await anext(stream)  # retry:
                first = asyncio.ensure_future(anext(stream))  # the snapshot the page shows
                await asyncio.sleep(0)
                await ready.wait()
                chunk = await first
                while not chunk.startswith("event: agents"):
                    chunk = await anext(stream)
                done.append(time.perf_counter())
                await stream.aclose()

        tasks = [asyncio.create_task(watcher(n)) for n in range(watchers)]
        await asyncio.sleep(MIN_GAP_SECONDS + 0.1)
        await asyncio.to_thread(ingest)
        started = time.perf_counter()
        broadcast.BROADCASTER.publish(site_id)  # what the commit's announce does
        await ready.wait()
        await asyncio.gather(*tasks)
        return (max(done) - started) * 1000

    return asyncio.run(scenario())


def measure(url: str, watchers: int, count: int) -> dict[str, Any]:
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(env="test", database_url=url, secret_key="k" * 40, default_locale="en")
    app = create_app(settings)
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    with app.state.sessionmaker() as db:
        seeded = floor_seed.seed_site(db, utcnow())
        db.commit()
    figures["seed"] = (
        f"{seeded.calls:,} calls, {seeded.states:,} states ({_ms(started) / 1000:.0f} s)"
    )
    with app.state.sessionmaker() as db:
        site = db.get(Site, seeded.site_id)
        assert site is not None
        started = time.perf_counter()
        service.load_floor(db, site=site, now=utcnow())
        figures["whole Floor from scratch (old path, per fragment per watcher)"] = _ms(started)
    hub = hub_of(app)
    started = time.perf_counter()
    hub.snapshot(seeded.site_id, record=True)
    figures["first view in a process (reads the whole day)"] = _ms(started)
    client = TestClient(app)
    _sign_in(client, seeded.login)
    page = f"/floor?site_id={seeded.site_id}"
    assert client.get(page).status_code == 200
    figures["page GET /floor (warm)"] = _best(5, lambda: client.get(page))
    updates, renders = [], {name: [] for name in FRAGMENTS}
    for n in range(5):
        _ingest(app, seeded, count, seed=100 + n)
        time.sleep(MIN_GAP_SECONDS)
        hub.poke(seeded.site_id)
        started = time.perf_counter()
        snapshot, _ = hub.snapshot(seeded.site_id, record=True)
        updates.append(_ms(started))
        for name, template in FRAGMENTS.items():
            started = time.perf_counter()
            hub._render(template, snapshot, View("en"))
            renders[name].append(_ms(started))
    figures[f"update after {count} events (snapshot + alerts)"] = statistics.median(updates)
    for name, times in renders.items():
        figures[f"  render {name}"] = statistics.median(times)
    for path in ("tiles", "agents", "curve", "alerts", "feed"):
        route = f"/floor/{path}?site_id={seeded.site_id}"
        figures[f"  GET /floor/{path}"] = _best(5, lambda route=route: client.get(route))
    before = (hub.counters.computed, hub.counters.rendered)

    def ingest() -> None:
        _ingest(app, seeded, count, seed=999)

    cycles = [_cycle(hub, seeded.site_id, watchers, ingest) for _ in range(CYCLES)]
    after = (hub.counters.computed, hub.counters.rendered)
    figures[f"cycle: {count} events -> {watchers} streams updated (median)"] = statistics.median(
        cycles
    )
    figures["  slowest of the cycles"] = max(cycles)
    figures["  computations per cycle"] = (after[0] - before[0]) / CYCLES
    figures["  fragment renders per cycle (3 views)"] = (after[1] - before[1]) / CYCLES
    client.close()
    app.state.engine.dispose()
    gc.collect()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=50)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    for name, database in (
        ("SQLite", sqlite_url()),
        ("PostgreSQL", postgres_url(args.postgres, "smena_bench_floor_")),
    ):
        with database as url:
            print(f"measuring {name}...", file=sys.stderr, flush=True)
            results[name] = measure(url, args.watchers, args.events)
    names = list(results)
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'figure (ms unless said)':<62}" + "".join(f"{n:>14}" for n in names))
    for key in results[names[0]]:
        cells = []
        for name in names:
            value = results[name][key]
            cells.append(f"{value:>14.0f}" if isinstance(value, float | int) else f"{value!s:>14}")
        if key == "seed":
            for name in names:
                print(f"seed {name}: {results[name][key]}")
            continue
        print(f"{key:<62}" + "".join(cells))


if __name__ == "__main__":
    main()
