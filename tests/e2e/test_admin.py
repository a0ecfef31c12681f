"""A supervisor on the configuration screens: lists, an inline edit, a refused form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, expect_kept, mark_kept, sign_in

pytestmark = pytest.mark.browser


def _open(page: Page, label: str, path: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()
    expect(page).to_have_url(re.compile(f"{path}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(label)


def test_supervisor_lists_edits_a_team_and_sees_a_field_error(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "supervisor")

    _open(page, "Agents", "/admin/agents")
    agents = page.locator("#agents-table tbody tr")
    expect(agents).to_have_count(80)
    expect(agents.filter(has_text="A001")).to_contain_text("Anna Ivanova")

    _open(page, "Queues", "/admin/queues")
    for queue in ("Retail", "Premium", "Internet", "Brokerage"):
        expect(page.locator("#queues-table tbody")).to_contain_text(queue)

    _open(page, "Teams", "/admin/teams")
    mark_kept(page.locator("#teams-table"))
    row = page.locator("#teams-table tbody tr").filter(has_text="Bravo")
    row_id = row.get_attribute("id")
    row.get_by_role("button", name="Edit").click()
    page.locator(f"#{row_id}-name").fill("Bravo East")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator(f"#{row_id}").get_by_role("button", name="Save").click()
    assert answer.value.status == 200
    edited = page.locator(f"#{row_id}")
    expect(edited.locator("td").first).to_have_text("Bravo East")
    expect(edited.locator(f"#{row_id}-name")).to_have_count(0)
    expect_kept(page.locator("#teams-table"))

    _open(page, "Agents", "/admin/agents")
    mark_kept(page.locator("details:has(#create-form)"))
    page.locator("details > summary").click()
    form = page.locator("#create-form")
    form.locator("#new-code").fill("E2E-1")
    form.locator("#new-contracted_weekly_hours").fill("32")
    form.locator("#new-team_id").select_option(label="Night · Moscow")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Add").click()
    assert answer.value.status == 422
    name = form.locator("#new-display_name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_attribute("aria-describedby", "new-display_name-error")
    beside = form.locator("div:has(> #new-display_name) > .field-error")
    expect(beside).to_have_text("Required.")
    expect(form.locator(".field-error")).to_have_count(1)
    expect(form.locator("#new-code")).to_have_value("E2E-1")
    expect(form.locator("#new-contracted_weekly_hours")).to_have_value("32")
    expect(form.locator("#new-team_id option:checked")).to_have_text("Night · Moscow")
    expect_kept(page.locator("details:has(#create-form)"))
