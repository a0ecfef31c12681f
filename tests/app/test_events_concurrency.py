"""POST /api/v1/events under concurrency: the ingest runs in a worker thread, the event loop
stays free, and POSTs of one site still store each event once, each all-or-nothing."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.events import service
from app.events.schemas import EventIn
from app.floor import broadcast
from app.models import AcdEvent, Agent, Site
from tests.app.conftest import Center
from tests.app.test_events import at, intervals, post, stored, token_for

Event = dict[str, str]


def a_feed(calls: int, rng: random.Random) -> list[Event]:
    """Six events a call: offered, answered, ended, and the agent's on_call, wrap_up and
    available; agents known to the site and new ones, queues new to it."""
    events: list[Event] = []
    for n in range(calls):
        call, agent, offered = f"c{n}", rng.choice(["A001", "A002", "A003", "N1", "N2"]), n * 7
        answered, ended = offered + rng.randrange(40), offered + 40 + rng.randrange(300)
        for id_, type_, seconds, fields in (
            ("o", "call.offered", offered, {"queue": rng.choice(["Retail", "Loans", "Cards"])}),
            ("a", "call.answered", answered, {"agent": agent}),
            ("e", "call.ended", ended, {}),
        ):
            events.append({"id": f"{call}{id_}", "type": type_, "ts": at(seconds), "call_id": call,
                           **fields})  # fmt: skip
        for id_, state, seconds in (("s1", "on_call", answered), ("s2", "wrap_up", ended),
                                    ("s3", "available", ended + 15)):  # fmt: skip
            events.append({"id": f"{call}{id_}", "type": "agent.state", "ts": at(seconds),
                           "agent": agent, "state": state})  # fmt: skip
    return events


def stored_ids(db: Session, site_id: int) -> list[str]:
    db.rollback()
    query = select(AcdEvent.event_id).where(AcdEvent.site_id == site_id)
    return sorted(db.scalars(query))


def test_overlapping_posts_from_many_threads_store_each_event_once(
    app: FastAPI, db: Session, center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four POSTs sharing most of their events, a fifth that fails after writing, and the
    whole set posted in one go to another site, all at once: each event is stored once, the
    failed POST leaves nothing, no POST meets a locked database, and the calls and agent
    states of the first site are those of the second."""
    rng = random.Random(5)
    events = a_feed(300, rng)
    batches = [rng.sample(events, k=len(events) * 6 // 10) for _ in range(4)]
    doomed = rng.sample(events, k=len(events) * 3 // 10) + [
        {"id": f"doomed{n}", "type": "agent.state", "ts": at(n), "agent": "DOOMED",
         "state": "available"}
        for n in range(50)
    ]  # fmt: skip
    real = service.ingest_events

    def failing_after_its_writes(db: Session, *, site: Site, events: Sequence[EventIn]) -> Any:
        result = real(db, site=site, events=events)
        if any(event.id.startswith("doomed") for event in events):
            raise RuntimeError("the server failed after writing part of a POST")
        return result

    monkeypatch.setattr(service, "ingest_events", failing_after_its_writes)
    raw, other = token_for(db, center.site_id), token_for(db, center.other_site_id)
    kept = sorted({event["id"] for batch in batches for event in batch})
    whole = [event for event in events if event["id"] in set(kept)]
    start = threading.Barrier(6)

    def send(token_and_batch: tuple[str, list[Event]]) -> tuple[int, Any]:
        token, batch = token_and_batch
        with closing(TestClient(app, raise_server_exceptions=False)) as client:
            start.wait(timeout=10)
            response = post(client, token, batch)
        return response.status_code, response.json() if response.status_code == 200 else None

    sends = [(raw, batch) for batch in [*batches, doomed]] + [(other, whole)]
    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        answers = list(pool.map(send, sends))

    assert [status for status, _ in answers] == [200, 200, 200, 200, 500, 200]
    assert answers[5][1] == {"stored": len(kept), "duplicates": 0}
    for (_, counts), batch in zip(answers[:4], batches, strict=True):
        assert counts["stored"] + counts["duplicates"] == len(batch)
    assert sum(counts["stored"] for _, counts in answers[:4]) == len(kept)
    assert stored_ids(db, center.site_id) == kept  # once each, and nothing of the failed POST
    assert db.scalar(select(func.count()).where(Agent.code == "DOOMED")) == 0
    calls, _ = stored(db, center.site_id)
    one_go, _ = stored(db, center.other_site_id)
    by_id = sorted(calls, key=lambda c: c.call_id)
    assert by_id == sorted(one_go, key=lambda c: c.call_id) and len(calls) > 250
    assert intervals(db, center.site_id) == intervals(db, center.other_site_id)


def test_the_event_loop_answers_while_a_big_post_is_ingested(
    app: FastAPI, db: Session, center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A POST of 5,000 events is held inside its ingest until /healthz has answered: on the
    event loop that would be a deadlock, in a worker thread it is nothing. The Floor's
    streams hear of the events after the commit, not before."""
    events = a_feed(850, random.Random(8))[:5_000]
    raw = token_for(db, center.site_id)
    entered, release = threading.Event(), threading.Event()
    real = service.ingest_events

    def held(db: Session, *, site: Site, events: Sequence[EventIn]) -> Any:
        entered.set()
        release.wait(timeout=10)  # on the loop this wait would hold /healthz back
        return real(db, site=site, events=events)

    monkeypatch.setattr(service, "ingest_events", held)
    postgres = db.get_bind().dialect.name == "postgresql"
    url = broadcast.libpq_url(db.get_bind().url.render_as_string(hide_password=False))
    headers = {"Authorization": f"Bearer {raw}"}

    async def scenario() -> tuple[object, ...]:
        ready = asyncio.Event()
        listener = asyncio.create_task(broadcast.listen(url, broadcast.BROADCASTER, ready))
        if postgres:  # the notification travels by NOTIFY, as between processes
            await asyncio.wait_for(ready.wait(), timeout=5)
        else:
            listener.cancel()
        transport = httpx.ASGITransport(app=app)
        with broadcast.BROADCASTER.subscribe(center.site_id) as heard:
            async with httpx.AsyncClient(transport=transport, base_url="http://smena") as client:
                posting = asyncio.create_task(
                    client.post("/api/v1/events", json=events, headers=headers)
                )
                assert await asyncio.to_thread(entered.wait, 10)
                health = await asyncio.wait_for(client.get("/healthz"), timeout=10)
                before = (posting.done(), heard.empty())
                release.set()
                response = await asyncio.wait_for(posting, timeout=60)
            site_heard = await asyncio.wait_for(heard.get(), timeout=5)
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        return health.status_code, health.text, before, response.json(), site_heard

    assert asyncio.run(scenario()) == (
        200,
        "ok",
        (False, True),  # the POST was still inside its ingest; nothing announced yet
        {"stored": 5_000, "duplicates": 0},
        center.site_id,
    )
