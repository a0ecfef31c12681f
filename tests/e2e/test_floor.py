"""The Floor: it updates itself as the simulator feeds it, and flags an agent who skips a break."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

import app.floor.routes as floor_routes
from app.db import make_engine, make_sessionmaker
from app.demo import QUEUES, SITE_NAME
from app.events import tokens
from app.models import Agent, BreakType, PlannedBreak, Queue, Shift, Site, Team
from app.simulator.runner import FeedConfig, run_feed
from tests.e2e.conftest import LiveServer, expect_kept, mark_kept, sign_in

pytestmark = pytest.mark.browser


def _floor_site(server: LiveServer, now: datetime) -> tuple[int, str]:
    """A site of its own with one agent whose published break began ten minutes ago."""
    engine = make_engine(server.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            site = Site(name="Floor e2e", timezone="Europe/Moscow")
            db.add(site)
            db.flush()
            team = Team(site_id=site.id, name="Floor team")
            db.add_all([team, Queue(site_id=site.id, name="Sales")])
            db.flush()
            agent = Agent(
                site_id=site.id, team_id=team.id, code="F001", display_name="Fyodor Floor",
                contracted_weekly_hours=40,
            )  # fmt: skip
            break_type = BreakType(site_id=site.id, name="Short break", length_minutes=15)
            db.add_all([agent, break_type])
            db.flush()
            starts = now - timedelta(hours=2)
            shift = Shift(
                agent_id=agent.id,
                work_date=starts.astimezone(ZoneInfo(site.timezone)).date(),
                starts_at=starts,
                ends_at=now + timedelta(hours=6),
            )
            db.add(shift)
            db.flush()
            db.add(
                PlannedBreak(
                    shift_id=shift.id, break_type_id=break_type.id, state="published",
                    starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(minutes=5),
                )
            )  # fmt: skip
            _, raw = tokens.issue_token(db, user=None, site=site, label="e2e feed")
            db.commit()
            return site.id, raw
    finally:
        engine.dispose()


def _post(server: LiveServer, raw: str, events: list[dict[str, str]]) -> None:
    response = httpx.post(
        f"{server.url}/api/v1/events",
        json=events,
        headers={"Authorization": f"Bearer {raw}"},
        trust_env=False,
    )
    assert response.status_code == 200, response.text


def test_the_floor_updates_itself_and_flags_a_skipped_break(
    page: Page, live_server: LiveServer
) -> None:
    now = datetime.now(UTC)
    site_id, raw = _floor_site(live_server, now)
    sign_in(page, live_server, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Floor").click()
    expect(page).to_have_url(re.compile(r"/floor"))
    live = page.locator("#floor-live")
    expect(live).to_have_attribute("sse-connect", re.compile("stream"))  # a boosted arrival too
    page.goto(f"/floor?site_id={site_id}")
    expect(page.locator("#floor-live")).to_have_attribute("sse-connect", re.compile("stream"))
    sales = page.locator('#queue-tiles [data-queue="Sales"] .offered')
    expect(sales).to_have_text("0")
    heading = page.locator("main h1")
    mark_kept(heading)
    page.wait_for_timeout(300)  # let the stream open before the feed speaks

    def ts(minutes_ago: float) -> str:
        return (now - timedelta(minutes=minutes_ago)).isoformat()

    _post(live_server, raw, [
        {"id": "e1", "type": "agent.state", "ts": ts(90), "agent": "F001", "state": "available"},
        {"id": "e2", "type": "call.offered", "ts": ts(12), "call_id": "k1", "queue": "Sales"},
        {"id": "e3", "type": "call.answered", "ts": ts(12), "call_id": "k1", "agent": "F001"},
        {"id": "e4", "type": "agent.state", "ts": ts(12), "agent": "F001", "state": "on_call"},
    ])  # fmt: skip
    expect(sales).to_have_text("1", timeout=5_000)
    expect_kept(heading)  # no reload: the fragments were swapped

    row = page.locator('#agent-board tr[data-agent="F001"]')
    expect(row.locator(".fl-flag")).to_have_text("Out of adherence")
    expect(row.locator(".activity")).to_have_attribute("data-activity", "break")
    alert = page.locator('#alerts .alert[data-kind="out_of_adherence"]')
    expect(alert).to_contain_text("Fyodor Floor (F001): out of adherence")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert).to_contain_text("acknowledged at")


# The simulated floor: a Wednesday late morning (the bank's busiest hours) of next week, so
# that the same seed gives the same calls whatever the hour and weekday of the run.
SIM_SPEED = 90.0
SIM_MINUTES = 15
SIM_SEED = 5
SOON_MS = 10_000  # the feed posts every wall second; a slow machine gets some slack


def _next_wednesday_morning(zone: ZoneInfo) -> datetime:
    """10:52 local on the first Wednesday after today: the feed crosses 11:00."""
    today = datetime.now(UTC).astimezone(zone).date()
    day = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    return datetime.combine(day, datetime.min.time(), zone).replace(hour=10, minute=52)


def _demo_feed_setup(server: LiveServer) -> tuple[int, ZoneInfo, str]:
    """The demo site's id, its zone, and a new API token for it."""
    engine = make_engine(server.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            site = db.scalars(select(Site).where(Site.name == SITE_NAME)).one()
            _, raw = tokens.issue_token(db, user=None, site=site, label="e2e simulator")
            db.commit()
            return site.id, ZoneInfo(site.timezone), raw
    finally:
        engine.dispose()


class SimulatedClock:
    """Simulated time for the Floor: `origin` until run(), then SIM_SPEED times faster."""

    def __init__(self, origin: datetime) -> None:
        self.origin = origin.astimezone(UTC)
        self.wall0: float | None = None

    def run(self) -> None:
        self.wall0 = time.monotonic()

    def __call__(self) -> datetime:
        if self.wall0 is None:
            return self.origin
        return self.origin + timedelta(seconds=SIM_SPEED * (time.monotonic() - self.wall0))


def _counting_client(url: str, offered: Counter[str]) -> httpx.Client:
    """The feed's HTTP client; counts the calls offered per queue in every accepted batch."""

    def count(response: httpx.Response) -> None:
        if response.status_code == 200:
            for event in json.loads(response.request.content):
                if event["type"] == "call.offered":
                    offered[event["queue"]] += 1

    return httpx.Client(base_url=url, timeout=30.0, trust_env=False,
                        event_hooks={"response": [count]})  # fmt: skip


def _feed_thread(server: LiveServer, config: FeedConfig, client: httpx.Client) -> tuple[
    threading.Thread, list[BaseException]
]:  # fmt: skip
    errors: list[BaseException] = []
    engine = make_engine(server.database_url)

    def feed() -> None:
        try:
            run_feed(make_sessionmaker(engine), site=SITE_NAME, config=config, client=client,
                     log=lambda _line: None)  # fmt: skip
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            client.close()
            engine.dispose()

    return threading.Thread(target=feed, name="e2e-simulator", daemon=True), errors


def test_the_simulator_moves_the_floor_of_the_demo_center(
    page: Page, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_id, zone, raw = _demo_feed_setup(live_server)
    origin = _next_wednesday_morning(zone)
    sign_in(page, live_server, "supervisor")
    clock = SimulatedClock(origin)
    # The Floor reads the time from its routes' clock: here it runs with the simulation.
    monkeypatch.setattr(floor_routes, "utcnow", clock)
    page.goto(f"/floor?site_id={site_id}")
    expect(page.locator("#floor-live")).to_have_attribute("sse-connect", re.compile("stream"))
    tiles = page.locator("#queue-tiles")
    expect(tiles.locator('[data-queue="*"] .offered')).to_have_text("0")
    dots = page.locator("#sl-curve svg circle")
    expect(dots).to_have_count(0)
    states = page.locator("#agent-board tr[data-agent] td.state")
    expect(states.first).to_have_attribute("data-state", "logged_out")  # scheduled, not in yet
    heading = page.locator("main h1")
    mark_kept(heading)

    offered: Counter[str] = Counter()
    config = FeedConfig(
        url=live_server.url, token=raw, start=origin, speed=SIM_SPEED, seed=SIM_SEED,
        duration=timedelta(minutes=SIM_MINUTES), post_every_seconds=1.0,
    )  # fmt: skip
    thread, errors = _feed_thread(live_server, config, _counting_client(live_server.url, offered))
    clock.run()  # the Floor's time and the feed's start together
    thread.start()
    try:
        retail = tiles.locator('[data-queue="Retail"] .offered')
        expect(retail).not_to_have_text("0", timeout=SOON_MS)
        on_call = page.locator('#agent-board td.state[data-state="on_call"]')
        expect(on_call.first).to_be_visible(timeout=SOON_MS)
        expect(dots).not_to_have_count(0, timeout=SOON_MS)  # the first half hour's level
        seen = states.all_inner_texts()
        expect(states).not_to_have_text(seen, timeout=SOON_MS)  # agents go on and off calls
        expect_kept(heading)  # no reload: the fragments were swapped
    finally:
        thread.join(SIM_MINUTES * 60 / SIM_SPEED + 20)
    assert not thread.is_alive() and not errors, errors

    # Everything posted is on the tiles, and both half hours are on the curve.
    expect(tiles.locator('[data-queue="*"] .offered')).to_have_text(str(sum(offered.values())))
    for queue in QUEUES:
        expect(tiles.locator(f'[data-queue="{queue}"] .offered')).to_have_text(str(offered[queue]))
    expect(dots).to_have_count(2)
    expect_kept(heading)
