"""The Floor screen's routes, and its live push: broadcaster, SSE stream, NOTIFY bridge."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.events import tokens
from app.floor import broadcast
from app.floor.broadcast import Broadcaster, floor_stream
from app.floor.hub import MIN_GAP_SECONDS, View, hub_of
from app.models import AuditEntry, FloorAlert, Site, User
from tests.app.conftest import Center
from tests.app.floor_setup import morning_events, publish_break, store


def _morning_site(db: Session, center: Center) -> Site:
    """The center's site with the morning's events, begun 220 minutes ago, stored and committed."""
    site = db.get(Site, center.site_id)
    assert site is not None
    store(db, site, morning_events(utcnow() - timedelta(minutes=220)))
    db.commit()
    return site


def test_the_page_and_its_fragments(
    db: Session, center: Center, as_role: Callable[[str], TestClient]
) -> None:
    site = _morning_site(db, center)
    client = as_role("supervisor")
    page = client.get("/floor")
    assert page.status_code == 200
    for marker in (
        'id="queue-tiles"',
        'id="agent-board"',
        'id="sl-curve"',
        'id="alerts"',
        "htmx-ext-sse-2.2.4.js",
        "floor.js",
        f"/floor/stream?site_id={site.id}",
    ):
        assert marker in page.text, marker
    assert 'data-queue="Retail"' in page.text
    tiles = client.get(f"/floor/tiles?site_id={site.id}")
    assert tiles.status_code == 200 and tiles.text.lstrip().startswith('<div id="queue-tiles"')
    board = client.get(f"/floor/agents?site_id={site.id}&sort=state&team_id={center.team_id}")
    assert 'data-agent="A003"' in board.text and 'aria-sort="ascending"' in board.text
    other_team = client.get(f"/floor/agents?site_id={site.id}&team_id={center.team_id + 50}")
    assert 'data-agent="A003"' not in other_team.text
    assert "<polyline" in client.get(f"/floor/curve?site_id={site.id}").text
    assert client.get("/floor/stream").status_code == 422  # the stream needs its site
    feed = client.get(f"/floor/feed?site_id={site.id}").text
    assert 'id="feed-status"' in feed and "Live" in feed


def test_out_of_adherence_shows_and_is_acknowledged_from_the_screen(
    app: FastAPI, db: Session, center: Center, as_role: Callable[[str], TestClient]
) -> None:
    site = db.get(Site, center.site_id)
    assert site is not None
    t0 = utcnow() - timedelta(minutes=220)  # the break began ten minutes ago
    store(db, site, morning_events(t0))
    publish_break(db, site, center.agent_id, t0, t0.astimezone(ZoneInfo(site.timezone)).date())
    db.commit()
    client = as_role("supervisor")
    board = client.get(f"/floor/agents?site_id={site.id}").text
    assert 'data-agent="A003" class="out-of-adherence"' in board
    assert client.get("/floor").status_code == 200
    alerts = client.get(f"/floor/alerts?site_id={site.id}").text
    # reading the Floor records nothing
    assert "Vera Smirnova (A003): out of adherence for" not in alerts
    assert db.scalars(select(FloorAlert)).all() == []
    hub_of(app).snapshot(site.id, record=True)  # what a stream does on each update
    alerts = client.get(f"/floor/alerts?site_id={site.id}").text
    assert "Vera Smirnova (A003): out of adherence for" in alerts
    alert = db.scalars(select(FloorAlert).where(FloorAlert.subject == "A003")).one()
    response = client.post(f"/floor/alerts/{alert.id}/acknowledge")
    assert response.status_code == 200
    assert "acknowledged at" in response.text
    db.expire_all()
    audit = db.scalars(select(AuditEntry).where(AuditEntry.entity == "floor_alerts")).one()
    assert audit.action == "acknowledge" and audit.user_id == center.users["supervisor"]
    assert client.post("/floor/alerts/999999/acknowledge").status_code == 404
    client.headers.pop("X-CSRF-Token")
    assert client.post(f"/floor/alerts/{alert.id}/acknowledge").status_code in (400, 403)


def test_an_alert_is_worded_in_each_supervisors_language_with_its_figures(
    app: FastAPI, db: Session, center: Center, as_role: Callable[[str], TestClient]
) -> None:
    site = db.get(Site, center.site_id)
    assert site is not None
    t0 = utcnow() - timedelta(minutes=220)  # the break began ten minutes ago
    store(db, site, morning_events(t0))
    publish_break(db, site, center.agent_id, t0, t0.astimezone(ZoneInfo(site.timezone)).date())
    now = utcnow()
    old = FloorAlert(  # stored before alerts had their rule: only its English text
        site_id=site.id,
        key="old",
        kind="",
        subject="Retail",
        message="Retail: an alert from before",
        value=3,
        limit=2,
        first_seen_at=now - timedelta(hours=1),
        last_seen_at=now - timedelta(hours=1),
        cleared_at=now - timedelta(minutes=30),
    )
    db.add(old)
    supervisor = db.get(User, center.users["supervisor"])
    assert supervisor is not None
    supervisor.locale = "ru"
    db.commit()
    russian = as_role("supervisor")
    hub_of(app).snapshot(site.id, record=True)
    alert = db.scalars(select(FloorAlert).where(FloorAlert.subject == "A003")).one()
    minutes, limit = round(alert.value), f"{alert.limit:g}".replace(".", ",")
    shown = russian.get(f"/floor/alerts?site_id={site.id}").text
    worded = f"Vera Smirnova (A003): вне графика {minutes} мин, допустимо {limit} мин"
    assert shown.count(worded) == 2  # on now, and in the history
    assert "out of adherence" not in shown
    assert "Retail: an alert from before" in shown
    russian.post("/language", data={"locale": "en", "next": "/floor"})
    shown = russian.get(f"/floor/alerts?site_id={site.id}").text
    english = f"out of adherence for {minutes} min, limit {alert.limit:g} min"
    assert f"Vera Smirnova (A003): {english}" in shown
    assert "вне графика" not in shown and "Retail: an alert from before" in shown


def test_units_are_in_the_watchers_language(
    db: Session, center: Center, as_role: Callable[[str], TestClient]
) -> None:
    site = _morning_site(db, center)
    client = as_role("supervisor")
    english = client.get(f"/floor/agents?site_id={site.id}").text
    assert re.search(r"\d+ min<", english)
    client.post("/language", data={"locale": "ru", "next": "/floor"})
    board = client.get(f"/floor/agents?site_id={site.id}").text
    tiles = client.get(f"/floor/tiles?site_id={site.id}").text
    assert re.search(r"\d+ мин<", board) and " min<" not in board
    assert re.search(r"\d+ с<", tiles) and " s<" not in tiles


def test_one_update_is_computed_once_and_rendered_once_for_every_watcher(
    app: FastAPI, db: Session, center: Center
) -> None:
    site = _morning_site(db, center)
    hub = hub_of(app)
    hub.snapshot(site.id, record=True)
    before = (hub.counters.computed, hub.counters.recorded, hub.counters.rendered)
    time.sleep(MIN_GAP_SECONDS)
    hub.poke(site.id)
    views = [View("en"), View("ru"), View("en", None, "state")]

    def watch(n: int) -> tuple[int, str]:
        snapshot, _ = hub.snapshot(site.id, record=True)
        return snapshot.version, hub.fragments(snapshot, views[n % 3])["tiles"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(watch, range(50)))
    assert len({version for version, _ in seen}) == 1
    after = (hub.counters.computed, hub.counters.recorded, hub.counters.rendered)
    # one computation, one recording; tiles, curve, alerts, feed per language (2 x 4) and
    # the agent board per view (3)
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 11]


def test_a_supervisor_sees_only_their_sites_alerts(
    db: Session, center: Center, as_role: Callable[[str], TestClient]
) -> None:
    now = utcnow()
    alert = FloorAlert(
        site_id=center.other_site_id,
        key="k",
        kind="calls_waiting",
        subject=None,
        message="elsewhere",
        value=9,
        limit=5,
        first_seen_at=now,
        last_seen_at=now,
    )
    db.add(alert)
    db.commit()
    client = as_role("supervisor")
    assert client.post(f"/floor/alerts/{alert.id}/acknowledge").status_code == 404
    assert client.get(f"/floor/stream?site_id={center.other_site_id}").status_code == 404
    silent = client.get(f"/floor/feed?site_id={center.site_id}").text
    assert "No event has come from the phone system yet" in silent


def test_the_broadcaster_wakes_subscribers_of_the_site_from_any_thread() -> None:
    async def scenario() -> tuple[int, bool]:
        hub = Broadcaster()
        with hub.subscribe(1) as mine, hub.subscribe(2) as other:
            threading.Thread(target=hub.publish, args=(1,)).start()
            got = await asyncio.wait_for(mine.get(), timeout=2)
            await asyncio.sleep(0.05)
            return got, other.empty()

    assert asyncio.run(scenario()) == (1, True)


def test_the_stream_coalesces_bursts_and_beats_when_quiet() -> None:
    async def scenario() -> list[str]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for _ in range(5):
            queue.put_nowait(1)
        chunks = []
        stream = floor_stream(
            queue, heartbeat_seconds=0.1, min_gap_seconds=0.05, lifetime_seconds=0.35
        )
        async for chunk in stream:
            chunks.append(chunk.split("\n")[0])
        return chunks

    chunks = asyncio.run(scenario())
    assert chunks[:2] == ["retry: 2000", "event: floor"]
    assert "event: floor" not in chunks[2:]  # the burst of five was one render
    assert chunks.count("event: heartbeat") >= 2


def test_the_stream_sends_floor_after_events_are_posted(
    app: FastAPI, db: Session, center: Center, as_role: Callable[[str], TestClient]
) -> None:
    site = db.get(Site, center.site_id)
    assert site is not None
    _, raw = tokens.issue_token(db, user=None, site=site, label="ACD")
    db.commit()
    app.state.floor_stream_seconds = 1.5
    client, feed = as_role("supervisor"), TestClient(app)

    def post_soon() -> None:
        time.sleep(0.4)
        response = feed.post(
            "/api/v1/events", json=morning_events()[:2], headers={"Authorization": f"Bearer {raw}"}
        )
        assert response.status_code == 200, response.text

    poster = threading.Thread(target=post_soon)
    poster.start()
    started = time.monotonic()
    body = client.get(f"/floor/stream?site_id={site.id}").text
    poster.join()
    feed.close()
    assert "event: floor" in body
    assert "event: tiles" in body and 'data: <div id="queue-tiles"' in body
    assert time.monotonic() - started < 5


def test_announce_publishes_only_what_is_committed(db: Session, center: Center) -> None:
    if db.connection().dialect.name == "postgresql":
        _notify_bridge_across_connections(db, center)
        return
    got: list[int] = []
    hub = broadcast.BROADCASTER
    original = hub.publish
    hub.publish = got.append  # type: ignore[method-assign]
    try:
        broadcast.announce(db, site_id=center.site_id)
        db.rollback()
        assert got == []
        broadcast.announce(db, site_id=center.site_id)
        db.commit()
        assert got == [center.site_id]
    finally:
        hub.publish = original  # type: ignore[method-assign]


def _notify_bridge_across_connections(db: Session, center: Center) -> None:
    """A NOTIFY sent by one connection reaches the streams of a process LISTENing on another."""
    url = broadcast.libpq_url(db.get_bind().url.render_as_string(hide_password=False))

    async def scenario() -> int:
        hub, ready = Broadcaster(), asyncio.Event()
        listener = asyncio.create_task(broadcast.listen(url, hub, ready))
        await asyncio.wait_for(ready.wait(), timeout=5)
        with hub.subscribe(center.site_id) as queue:
            broadcast.announce(db, site_id=center.site_id)
            await asyncio.sleep(0.2)
            assert queue.empty()  # not before the commit
            await asyncio.to_thread(db.commit)
            got = await asyncio.wait_for(queue.get(), timeout=5)
        listener.cancel()
        return got

    assert asyncio.run(scenario()) == center.site_id
