"""The week grid: a shift set in a cell, and a refused one explained in the cell."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import LiveServer, expect_kept, mark_kept, sign_in

pytestmark = pytest.mark.browser
AGENT_CODE = "A080"  # not the operator's agent, whose shifts another test counts


def _edit(cell: Locator, start: str, end: str) -> None:
    cell.get_by_role("button").click()
    cell.locator("input[name=start]").fill(start)
    cell.locator("input[name=end]").fill(end)
    cell.get_by_role("button", name="Save").click()


def test_supervisor_sets_a_shift_and_is_refused_a_too_long_one(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "supervisor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shifts").click()
    expect(page).to_have_url(re.compile(r"/shifts$"))
    mark_kept(page.locator("#week-grid"))
    row = page.locator("#week-grid tbody tr").filter(has_text=AGENT_CODE)

    empty_id = row.locator("td.shift-cell:has(.muted)").first.get_attribute("id")
    empty = page.locator(f"#{empty_id}")
    _edit(empty, "10:15", "18:45")
    expect(empty.locator(".shift")).to_have_text("10:15–18:45")
    expect(empty.locator("form")).to_have_count(0)

    worked_id = row.locator("td.shift-cell:has(.shift)").first.get_attribute("id")
    worked = page.locator(f"#{worked_id}")
    before = worked.locator(".shift").inner_text()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        _edit(worked, "06:00", "23:30")
    assert answer.value.status == 422
    expect(worked.get_by_role("alert")).to_have_text("A shift lasts at most 16 hours.")
    expect(worked.locator("input[name=start]")).to_have_value("06:00")
    expect(worked.locator("input[name=end]")).to_have_value("23:30")

    worked.get_by_role("button", name="Cancel").click()
    expect(worked.locator(".shift")).to_have_text(before)
    expect_kept(page.locator("#week-grid"))
