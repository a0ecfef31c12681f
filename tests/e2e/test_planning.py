"""Planning: upload a week of history, see its forecast and requirement, raise the target."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.db import make_engine, make_sessionmaker
from app.jobs.worker import Worker
from tests.e2e.conftest import LiveServer, expect_kept, mark_kept, sign_in

pytestmark = pytest.mark.browser


def _run_queued_job(server: LiveServer) -> None:
    """The live server runs no worker (no lifespan): run the queued job here, as a worker would."""
    engine = make_engine(server.database_url)
    try:
        assert Worker(make_sessionmaker(engine)).run_once(), "no job was queued"
    finally:
        engine.dispose()


def _history_csv() -> bytes:
    """A week of Retail in January 2020, long before the demo's own history."""
    lines = ["date,interval_start,queue,calls,aht_seconds"]
    for day in range(6, 13):
        for hour in range(9, 13):
            lines.append(f"2020-01-{day:02d},{hour:02d}:00,Retail,{20 + 10 * (hour - 9)},300")
            lines.append(f"2020-01-{day:02d},{hour:02d}:30,Retail,{25 + 10 * (hour - 9)},300")
    return ("\n".join(lines) + "\n").encode()


def test_supervisor_uploads_history_and_sees_the_requirement_follow_the_target(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "supervisor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Planning").click()
    expect(page).to_have_url(re.compile(r"/planning$"))
    expect(page.locator("#requirement")).to_contain_text("Forecasting 4 queue(s)")
    _run_queued_job(live_server)  # the demo's queues, all at once: a background job
    expect(page.get_by_role("heading", name="Forecast and requirement")).to_be_visible()
    expect(page.locator("#peak-agents")).not_to_have_text("0")

    page.get_by_role("link", name="Upload history").first.click()
    page.set_input_files(
        "#h-file", files=[{"name": "week.csv", "mimeType": "text/csv", "buffer": _history_csv()}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_have_text(
        "week.csv imported: 56 new, 0 changed, 0 unchanged."
    )

    page.get_by_role("link", name="Open Planning").click()
    page.select_option("#p-queue", label="Retail")
    page.fill("#p-week", "2020-01-13")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=re.compile("week of 2020-01-13"))).to_be_visible()
    expect(page.locator("#requirement")).to_contain_text("Forecasting 1 queue(s)")
    _run_queued_job(live_server)
    table = page.locator("#plan-table")
    nine = table.locator("tbody tr").filter(has_text="Mon 13 Jan 09:00")
    expect(nine.locator("td").first).to_have_text("20.0")
    expect(page.locator("#plan-chart title")).to_contain_text("week of 2020-01-13")
    agents_before = int(nine.locator("td.agents").inner_text())
    peak_before = page.locator("#peak-agents").inner_text()
    assert agents_before > 0

    mark_kept(page.locator("#targets"))
    with page.expect_response(lambda r: "/planning/requirement" in r.url) as answer:
        page.fill("#t-service_level", "99")
    assert answer.value.status == 200
    expect(page.locator("#peak-agents")).not_to_have_text(peak_before)
    agents_after = int(nine.locator("td.agents").inner_text())
    assert agents_after > agents_before

    with page.expect_response(lambda r: "/planning/requirement" in r.url) as refused:
        page.fill("#t-service_level", "120")
    assert refused.value.status == 422
    expect(page.locator("#error-service_level")).to_have_text("At most 99.9.")
    expect(page.locator("#t-service_level")).to_have_value("120")
    expect_kept(page.locator("#targets"))
