"""The Breaks screen: optimise a team's day, move a break (and be refused), publish, and the
operator sees the break on My day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from app.db import make_engine, make_sessionmaker
from app.jobs.worker import Worker
from tests.e2e.conftest import LiveServer, sign_in, sign_out

pytestmark = pytest.mark.browser
OPERATOR = "Anna Ivanova"  # the demo operator's agent, in team Alpha
LABEL = re.compile(r"(\d\d:\d\d)–(\d\d:\d\d)$")


def _run_queued_job(server: LiveServer) -> None:
    """The live server runs no worker (no lifespan): run the queued job here, as a worker would."""
    engine = make_engine(server.database_url)
    try:
        assert Worker(make_sessionmaker(engine)).run_once(), "no job was queued"
    finally:
        engine.dispose()


def _first_break(lane: Locator) -> tuple[Locator, str, str]:
    button = lane.get_by_role("button", name=re.compile(r"^Break 1 of "))
    label = button.get_attribute("aria-label") or ""
    match = LABEL.search(label)
    assert match, label
    return button, match.group(1), match.group(2)


def _move(page: Page, lane: Locator, start: str) -> int:
    lane.locator("input[name=start]").fill(start)
    with page.expect_response(lambda r: "/move" in r.url) as answer:
        lane.get_by_role("button", name="Move").click()
    return answer.value.status


def _shifted(clock: str, minutes: int) -> str:
    at = datetime.strptime(clock, "%H:%M") + timedelta(minutes=minutes)
    return at.strftime("%H:%M")


def test_supervisor_optimises_moves_and_publishes_and_the_operator_sees_the_break(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "supervisor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Breaks").click()
    expect(page).to_have_url(re.compile(r"/breaks$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alpha")
    lane = page.locator("#breaks-grid tbody tr").filter(has_text=OPERATOR)
    expect(lane).to_have_count(1)  # the demo seeds the operator's shift today, any weekday

    page.get_by_role("button", name="Optimise").click()
    expect(page.locator("#breaks-job")).to_contain_text(re.compile("Waiting|Working"))
    _run_queued_job(live_server)
    expect(page.locator("#breaks-shortage")).to_be_visible(timeout=10_000)  # jobEnded reloads
    expect(lane.locator("button.bk-break")).to_have_count(3)

    button, start, _end = _first_break(lane)
    button.click()
    shift_start = LABEL.search(lane.locator("th").inner_text().strip())
    assert shift_start, "the lane shows the shift"
    before_shift = _shifted(shift_start.group(1), -30)
    assert _move(page, lane, before_shift) == 422
    refusal = lane.get_by_role("alert")
    expect(refusal).to_contain_text("Break window")
    expect(refusal).to_contain_text("Inside the shift")
    expect(lane.locator("input[name=start]")).to_have_value(before_shift)

    # A move of a few minutes keeps every rule for one of these offsets (the plan is valid).
    moved_to = None
    for minutes in (5, -5, 10, -10, 0):
        target = _shifted(start, minutes)
        if _move(page, lane, target) == 200:
            moved_to = target
            break
    assert moved_to is not None, "no small move of Break 1 was accepted"
    _button, start_now, end_now = _first_break(lane)
    assert start_now == moved_to
    expect(lane.locator("form")).to_have_count(0)

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#flashes")).to_contain_text("breaks published")
    expect(page.locator("#breaks-unpublished")).to_have_count(0)

    sign_out(page)
    sign_in(page, live_server, "operator")
    page.goto("/me/day")
    expect(page.locator("#my-breaks")).to_contain_text(f"{start_now}–{end_now}")
