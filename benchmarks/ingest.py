"""Ingest benchmark: the live feed through POST /api/v1/events, sustained and in bursts.

Run: `.venv/bin/python benchmarks/ingest.py [--events N] [--batches 500,5000]
[--sustained-seconds 10] [--postgres URL] [--skip-january]`.

Each database (a fresh SQLite file; a scratch PostgreSQL database, created here and dropped
at the end) gets a site of 20 queues and 2,000 agents and a generated live feed (each call
offered, answered or abandoned, ended, with the agent's on_call, wrap_up and available
states). Requests go through the whole application in process (httpx's ASGI transport: the
app's middleware, routing, token check, validation, idempotency check, raw insert, folding
into calls and agent states, the Floor's notification, the commit), without a network.

Wall-clock rates depend on what else the machine runs (the load average is printed); the
CPU time per event (this process, plus the PostgreSQL server processes of the scratch
database when they run on this machine) does much less, and gives the rate one free core
would sustain, requests being handled one after another.

1. Sustained: 200 events/s as a connector sends them, a POST of 20 events every 0.1 s;
   the latency of each POST (p50, p95, max) and the rate kept up.
2. Bursts: `--events` more events posted back to back in batches of each size given; then
   the last burst re-posted (all duplicates); and the same raw-event rows written by a plain
   bulk insert (COPY on PostgreSQL, executemany on SQLite) with nothing else, for the ratio.
3. January of the Anonymous Bank (../shared/data/anonymous_bank/january.txt) as events,
   posted to one site in time order and to another shuffled; the stored calls and their
   30-minute KPIs of both are compared, and with the same calls imported as a CDR file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from scratch import postgres_url, sqlite_url  # a sibling module
from sqlalchemy import create_engine, delete, insert, text

from app.config import Settings
from app.db import make_engine, make_sessionmaker, transaction, utcnow
from app.events.imports import import_cdr
from app.events.service import calls_between
from app.events.store import bulk_insert
from app.events.tokens import issue_token
from app.main import create_app
from app.migrate import upgrade
from app.models import AcdEvent, Agent, Queue, Site
from kpi.anonymous_bank import bank_call_records
from kpi.definitions import interval_figures
from kpi.records import CallRecord

Event = dict[str, str]
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
QUEUES, AGENTS = 20, 2_000
BANK = Path(__file__).resolve().parents[2] / "shared" / "data" / "anonymous_bank"
BANK_ZONE = ZoneInfo("Asia/Jerusalem")


def live_feed(count: int, seed: int = 1) -> list[Event]:
    """About `count` events of a busy site (10 calls a second), in time order."""
    rng = random.Random(seed)
    events: list[Event] = []
    at, call = T0, 0
    while len(events) < count:
        call += 1
        at += timedelta(seconds=rng.expovariate(10.0))
        call_id, queue = f"c{call}", f"Q{rng.randrange(QUEUES):02d}"
        agent = f"A{rng.randrange(AGENTS):04d}"
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


class CpuMeter:
    """CPU seconds of this process (the app and its in-process client) and of the database's
    server processes for this database (PostgreSQL on this machine, read from /proc)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url) if url.startswith("postgresql") else None

    def read(self) -> tuple[float, float | None]:
        return time.process_time(), self._server()

    def _server(self) -> float | None:
        if self.engine is None:
            return 0.0  # SQLite runs inside this process
        with self.engine.connect() as conn:
            pids = conn.execute(text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalars().all()  # fmt: skip
        try:
            ticks = 0
            for pid in pids:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError):
            return None  # not on this machine: not measured
        return ticks / os.sysconf("SC_CLK_TCK")

    def since(self, start: tuple[float, float | None], events: int) -> str:
        """CPU microseconds per event since `start`, and the rate they allow on one free core."""
        app_cpu, server_cpu = self.read()
        app_us = (app_cpu - start[0]) / events * 1e6
        if server_cpu is None or start[1] is None:
            return f"CPU/event: app {app_us:.0f} us, database not measured"
        server_us = (server_cpu - start[1]) / events * 1e6
        capacity = 1e6 / (app_us + server_us)
        return f"CPU/event: app {app_us:.0f} us + db {server_us:.0f} us = {capacity:,.0f} ev/s/core"

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


@dataclass
class Feed:
    """A site of the benchmark's app and a client that posts with the site's token."""

    app: FastAPI
    site_id: int
    client: httpx.AsyncClient

    async def post(self, events: list[Event]) -> dict[str, int]:
        response = await self.client.post("/api/v1/events", json=events)
        assert response.status_code == 200, response.text[:500]
        result: dict[str, int] = response.json()
        return result


def new_site(app: FastAPI, name: str, timezone: str = "Europe/Moscow", staff: bool = True) -> Feed:
    """A site (with 20 queues and 2,000 agents on the roster, if `staff`) and its API client."""
    with transaction(app.state.sessionmaker) as db:
        site = Site(name=name, timezone=timezone)
        db.add(site)
        db.flush()
        if staff:
            db.execute(insert(Queue), [
                {"site_id": site.id, "name": f"Q{n:02d}"} for n in range(QUEUES)
            ])  # fmt: skip
            db.execute(insert(Agent), [
                {"site_id": site.id, "code": f"A{n:04d}", "display_name": f"Agent {n}",
                 "contracted_weekly_hours": 40} for n in range(AGENTS)
            ])  # fmt: skip
        _, raw = issue_token(db, user=None, site=site, label="bench")
        site_id = site.id
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://smena.test",
        headers={"Authorization": f"Bearer {raw}"},
        timeout=600,
    )
    return Feed(app, site_id, client)


async def sustained(
    feed: Feed, events: list[Event], *, rate: float, batch: int
) -> tuple[list[float], float]:
    """Post `events` in batches paced to `rate` events/s: each POST's latency, and the rate kept
    (events/s from the first POST to the last answer)."""
    latencies: list[float] = []
    started = time.perf_counter()
    for n, first in enumerate(range(0, len(events), batch)):
        delay = started + n * batch / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent = time.perf_counter()
        await feed.post(events[first : first + batch])
        latencies.append(time.perf_counter() - sent)
    return latencies, len(events) / (time.perf_counter() - started)


async def burst(feed: Feed, events: list[Event], *, batch: int, expect: str) -> float:
    """Events/s of posting `events` back to back in batches of `batch`."""
    started = time.perf_counter()
    for first in range(0, len(events), batch):
        part = events[first : first + batch]
        assert (await feed.post(part))[expect] == len(part)
    return len(events) / (time.perf_counter() - started)


def raw_rate(url: str, events: list[Event], site_id: int, batch: int) -> float:
    """Events/s of a plain bulk insert of the same raw rows, one transaction per batch."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as db:
        db.execute(delete(AcdEvent).where(AcdEvent.site_id == site_id))
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


def bank_events(calls: tuple[CallRecord, ...]) -> list[Event]:
    """The feed a switch would have sent for these calls (an unnamed answering agent: UNKNOWN)."""
    events = []
    for c in calls:
        steps = [("o", "call.offered", c.offered_at, {"queue": c.queue}),
                 ("a", "call.answered", c.answered_at, {"agent": c.agent or "UNKNOWN"}),
                 ("x", "call.abandoned", c.abandoned_at, {}),
                 ("e", "call.ended", c.ended_at, {})]  # fmt: skip
        for kind, type_, at, fields in steps:
            if at is not None:
                events.append({"id": f"{c.call_id}/{kind}", "type": type_, "ts": at.isoformat(),
                               "call_id": c.call_id, **fields})  # fmt: skip
    return sorted(events, key=lambda e: e["ts"])


def bank_cdr(calls: tuple[CallRecord, ...]) -> bytes:
    """The same calls as a call-record CSV."""

    def cell(value: datetime | str | None) -> str:
        return "" if value is None else value.isoformat() if isinstance(value, datetime) else value

    lines = ["call_id,queue,offered_at,answered_at,ended_at,abandoned_at,agent"]
    for c in calls:
        fields = (c.call_id, c.queue, c.offered_at, c.answered_at, c.ended_at, c.abandoned_at,
                  c.agent or ("UNKNOWN" if c.answered_at else None))  # fmt: skip
        lines.append(",".join(cell(f) for f in fields))
    return ("\n".join(lines) + "\n").encode()


async def january(app: FastAPI, calls: tuple[CallRecord, ...], batch: int) -> str:
    """Post January in order and shuffled; compare both, and a CDR import, call by call."""
    events = bank_events(calls)
    shuffled = events[:]
    random.Random(1999).shuffle(shuffled)
    rates = []
    sites = []
    for name, feed_events in (("in order", events), ("shuffled", shuffled)):
        feed = new_site(app, f"Bank {name}", "Asia/Jerusalem", staff=False)
        rates.append(await burst(feed, feed_events, batch=batch, expect="stored"))
        await feed.client.aclose()
        sites.append(feed.site_id)
    with transaction(app.state.sessionmaker) as db:
        cdr_site = Site(name="Bank CDR", timezone="Asia/Jerusalem")
        db.add(cdr_site)
        db.flush()
        assert not import_cdr(db, site=cdr_site, content=bank_cdr(calls)).errors
        sites.append(cdr_site.id)
    start, end = datetime(1998, 12, 31, tzinfo=BANK_ZONE), datetime(1999, 2, 2, tzinfo=BANK_ZONE)
    with transaction(app.state.sessionmaker) as db:
        stored = [calls_between(db, site_id=s, start=start, end=end) for s in sites]
    figures = [interval_figures(s, tz=BANK_ZONE, interval_minutes=30) for s in stored]
    by_id = [{c.call_id: c for c in s} for s in stored]
    verdicts = []
    for n, other in ((1, "shuffled vs in order"), (2, "CDR import vs in order")):
        keys = by_id[0].keys() | by_id[n].keys()
        differ = [k for k in keys if by_id[0].get(k) != by_id[n].get(k)]
        kpis_equal = sorted(map(repr, figures[0])) == sorted(map(repr, figures[n]))
        verdict = "equal" if not differ and kpis_equal else (
            f"{len(differ)} calls differ (e.g. {sorted(differ)[:3]}), KPIs "
            f"{'equal' if kpis_equal else 'differ'}")  # fmt: skip
        verdicts.append(f"January {other}: {verdict}")
    return (
        f"{len(events):,} events, {len(stored[0]):,} calls, {len(figures[0]):,} interval rows; "
        f"in order {rates[0]:,.0f} ev/s, shuffled {rates[1]:,.0f} ev/s\n    "
        + "\n    ".join(verdicts)
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(url: str, name: str, args: argparse.Namespace, bank: tuple[CallRecord, ...]) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(env="test", database_url=url, secret_key="k" * 40, default_locale="en")
    app = create_app(settings)
    feed = new_site(app, "Bench")
    sustained_count = int(200 * args.sustained_seconds)
    events = live_feed(sustained_count + args.events * len(args.batches))
    meter = CpuMeter(url)
    start = meter.read()
    latencies, kept = await sustained(feed, events[:sustained_count], rate=200, batch=20)
    ms = [1000 * latency for latency in latencies]
    p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
    print(
        f"{name:<11} sustained 200 ev/s as {len(ms)} POSTs of 20: p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(ms):.1f} ms; kept up at {kept:,.0f} ev/s\n"
        f"{'':<11} {meter.since(start, sustained_count)}"
    )
    first = sustained_count
    for batch in args.batches:
        part = events[first : first + args.events]
        first += args.events
        start = meter.read()
        api = await burst(feed, part, batch=batch, expect="stored")
        cpu = meter.since(start, len(part))
        repost = await burst(feed, part, batch=batch, expect="duplicates")
        raw = raw_rate(url, part, feed.site_id, batch)
        print(
            f"{name:<11} burst of {len(part):,} in batches of {batch:>5,}: API {api:>6,.0f} ev/s, "
            f"re-post {repost:>7,.0f} ev/s, raw insert {raw:>7,.0f} ev/s, API/raw {api / raw:.2f}"
            f"\n{'':<11} {cpu}"
        )
    await feed.client.aclose()
    meter.close()
    if bank:
        print(f"{name:<11} {await january(app, bank, args.batches[0])}")
    app.state.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="events per burst")
    parser.add_argument("--batches", default="500,5000", help="burst batch sizes, comma-separated")
    parser.add_argument("--sustained-seconds", type=float, default=10.0)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-january", action="store_true")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    args.batches = [int(size) for size in args.batches.split(",")]
    bank: tuple[CallRecord, ...] = ()
    if not args.skip_january:
        bank = bank_call_records((BANK / "january.txt").read_text(), tz=BANK_ZONE)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"A site of {QUEUES} queues and {AGENTS:,} agents; in-process ASGI, no network.")
    print(f"{os.cpu_count()} CPUs, load average {load}")
    if args.only != "postgres":
        with sqlite_url() as url:
            asyncio.run(run(url, "SQLite", args, bank))
    if args.only != "sqlite":
        with postgres_url(args.postgres) as url:
            asyncio.run(run(url, "PostgreSQL", args, bank))


if __name__ == "__main__":
    main()
