"""The Rosters screen: generate next week for a team, a hand edit refused for the rest rule,
publish, and the operator sees the shifts on My schedule."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.db import make_engine, make_sessionmaker
from app.jobs.worker import Worker
from app.models import Job
from app.shifts.timeconv import week_start
from tests.e2e.conftest import LiveServer, sign_in, sign_out

pytestmark = pytest.mark.browser
OPERATOR = "Anna Ivanova"  # the demo operator's agent, in team Alpha
SPAN = re.compile(r"\d\d:\d\d–\d\d:\d\d")


def _run_generation(server: LiveServer) -> None:
    """The live server runs no worker: shorten the queued job's time limit and run it here."""
    engine = make_engine(server.database_url)
    try:
        factory = make_sessionmaker(engine)
        with factory() as db:
            job = db.scalar(
                select(Job).where(Job.kind == "rosters.generate", Job.status == "queued")
            )
            assert job is not None, "no roster generation was queued"
            job.params = {**job.params, "time_limit_seconds": 3}
            db.commit()
        assert Worker(factory).run_once()
    finally:
        engine.dispose()


def test_supervisor_generates_edits_publishes_and_the_operator_sees_the_week(
    page: Page, live_server: LiveServer
) -> None:
    monday = week_start(date.today()) + timedelta(days=7)
    sign_in(page, live_server, "supervisor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rosters").click()
    expect(page).to_have_url(re.compile(r"/rosters$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alpha")
    page.fill("#r-week", monday.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(monday.isoformat())
    expect(page.locator("#roster-empty")).to_be_visible()

    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#roster-job")).to_contain_text(re.compile("Waiting|Working"))
    _run_generation(live_server)
    grid = page.locator("#roster-grid")
    expect(grid).to_be_visible(timeout=15_000)  # jobEnded reloads the roster
    expect(page.locator("#roster-status")).to_have_text("draft")

    # Monday on the night shift (22:00-07:00) leaves no rest before a Tuesday shift.
    rows = grid.locator("tbody tr")
    row = next(
        (
            rows.nth(i)
            for i in range(rows.count())
            if SPAN.search(rows.nth(i).locator("td").nth(1).inner_text())
        ),
        None,
    )
    assert row is not None, "someone works on Tuesday"
    row.locator("td").nth(0).get_by_role("button").click()
    cell = row.locator("td").nth(0)
    night = cell.locator("option").filter(has_text=re.compile(r"^Night ")).get_attribute("value")
    assert night, "the demo has a night shift template"
    cell.get_by_label("Shift").select_option(night)
    with page.expect_response(lambda r: "/cell/" in r.url and r.request.method == "POST") as a:
        cell.get_by_role("button", name="Save").click()
    assert a.value.status == 422
    refusal = cell.get_by_role("alert")
    expect(refusal).to_contain_text("Refused")
    expect(refusal).to_contain_text("Rest between shifts")
    cell.get_by_role("button", name="Cancel").click()
    expect(cell.get_by_role("alert")).to_have_count(0)

    anna = grid.locator("tbody tr").filter(has_text=OPERATOR)
    worked = []
    for offset in range(7):
        found = SPAN.search(anna.locator("td").nth(offset).inner_text())
        if found:
            worked.append((monday + timedelta(days=offset), found.group(0)))
    assert worked, "the operator works next week"

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#flashes")).to_contain_text("published")
    expect(page.locator("#roster-status")).to_have_text("published")

    sign_out(page)
    sign_in(page, live_server, "operator")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My schedule").click()
    schedule = page.locator("#my-schedule")
    for day, span in worked:
        item = schedule.locator("li").filter(has_text=format_date(day, "full", locale="en"))
        expect(item).to_contain_text(span)
