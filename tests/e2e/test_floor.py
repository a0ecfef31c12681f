"""The Floor: it updates by itself as the feed posts, and flags an agent who skips a break."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.db import make_engine, make_sessionmaker
from app.events import tokens
from app.models import Agent, BreakType, PlannedBreak, Queue, Shift, Site, Team
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
    expect(alert).to_contain_text("F001: out of adherence")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert).to_contain_text("acknowledged at")
