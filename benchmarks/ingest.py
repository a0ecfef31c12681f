"""Ingest benchmark: events per second through POST /api/v1/events, against a plain bulk insert.

Run: `.venv/bin/python benchmarks/ingest.py [--events N] [--batch 5000] [--postgres URL]`.
A live feed is generated (20 queues, 400 agents; each call offered, answered or abandoned,
ended, with the agent's on_call and wrap_up states), then posted in batches through the
application in process (httpx ASGI transport, so no network) on a fresh SQLite file and a
fresh PostgreSQL database. The API's rate counts everything a request does: token check,
validation, idempotency check, raw insert (COPY on PostgreSQL), folding into calls and
agent states. The raw rate is a plain bulk insert of the same raw-event rows into the same
table of the same database (executemany on SQLite, COPY on PostgreSQL) with nothing else;
the ratio API / raw is the figure. A second pass re-posts every batch: all duplicates.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import make_engine, make_sessionmaker, transaction, utcnow
from app.events.store import bulk_insert
from app.events.tokens import issue_token
from app.main import create_app
from app.migrate import upgrade
from app.models import AcdEvent, Site

Event = dict[str, str]
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def live_feed(count: int, seed: int = 1) -> list[Event]:
    """About `count` events of a busy site, in time order."""
    rng = random.Random(seed)
    events: list[Event] = []
    at, call = T0, 0
    while len(events) < count:
        call += 1
        at += timedelta(seconds=rng.expovariate(5.0))
        call_id, queue = f"c{call}", f"Q{rng.randrange(20):02d}"
        agent = f"A{rng.randrange(400):03d}"
        wait = rng.expovariate(1 / 20)

        def event(
            kind: str, seconds: float, start: datetime = at, key: str = call_id, **fields: str
        ) -> None:
            ts = (start + timedelta(seconds=seconds)).isoformat()
            events.append({"id": f"{key}/{kind}", "ts": ts, **fields})

        event("o", 0, type="call.offered", call_id=call_id, queue=queue)
        if rng.random() < 0.08:
            event("x", wait, type="call.abandoned", call_id=call_id)
            continue
        talk = rng.expovariate(1 / 180)
        event("a", wait, type="call.answered", call_id=call_id, agent=agent)
        event("s1", wait, type="agent.state", agent=agent, state="on_call")
        event("e", wait + talk, type="call.ended", call_id=call_id)
        event("s2", wait + talk, type="agent.state", agent=agent, state="wrap_up")
        event("s3", wait + talk + 15, type="agent.state", agent=agent, state="available")
    events.sort(key=lambda e: e["ts"])
    return events[:count]


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_url(server: str) -> Iterator[str]:
    name = f"smena_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def api_rate(url: str, events: list[Event], batch: int) -> tuple[float, float, int]:
    """(events/s through the API, events/s of a re-post of all, the site's id)."""
    settings = Settings(env="test", database_url=url, secret_key="k" * 40, default_locale="en")
    app = create_app(settings)
    with transaction(app.state.sessionmaker) as db:
        site = Site(name="Bench", timezone="Europe/Moscow")
        db.add(site)
        db.flush()
        site_id = site.id
        _, raw = issue_token(db, user=None, site=site, label="bench")
    client = TestClient(app, headers={"Authorization": f"Bearer {raw}"})
    rates = []
    for expected in ("stored", "duplicates"):
        started = time.perf_counter()
        for first in range(0, len(events), batch):
            response = client.post("/api/v1/events", json=events[first : first + batch])
            assert response.status_code == 200, response.text[:500]
            assert response.json()[expected] == len(events[first : first + batch])
        rates.append(len(events) / (time.perf_counter() - started))
    client.close()
    app.state.engine.dispose()
    return rates[0], rates[1], site_id


def raw_rate(url: str, events: list[Event], site_id: int, batch: int) -> float:
    """Events/s of a plain bulk insert of the same raw rows, one transaction per batch."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as db:
        db.execute(delete(AcdEvent))
    rows = [_raw_row(site_id, event) for event in events]
    started = time.perf_counter()
    for first in range(0, len(rows), batch):
        with transaction(factory) as db:
            bulk_insert(db, AcdEvent.__table__, rows[first : first + batch])  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    engine.dispose()
    return len(rows) / elapsed


def _raw_row(site_id: int, event: Event) -> dict[str, Any]:
    payload = {k: v for k, v in event.items() if k not in ("id", "type", "ts")}
    return {
        "site_id": site_id, "event_id": event["id"], "type": event["type"],
        "ts": datetime.fromisoformat(event["ts"]), "call_id": event.get("call_id"),
        "agent": event.get("agent"), "payload": payload, "received_at": utcnow(),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    events = live_feed(args.events)
    print(f"{len(events):,} events in batches of {args.batch:,}")
    print(f"{'database':<11}{'API ev/s':>10}{'re-post ev/s':>14}{'raw ev/s':>10}{'API/raw':>9}")
    for name, database in (("SQLite", sqlite_url()), ("PostgreSQL", postgres_url(args.postgres))):
        with database as url:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            api, repost, site_id = api_rate(url, events, args.batch)
            raw = raw_rate(url, events, site_id, args.batch)
        print(f"{name:<11}{api:>10,.0f}{repost:>14,.0f}{raw:>10,.0f}{api / raw:>9.2f}")


if __name__ == "__main__":
    main()
