"""An admin issues an API token, sees it once, the feed accepts it, and revokes it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser


def test_admin_issues_uses_and_revokes_a_token(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    page.get_by_text("Issue a token").click()
    page.get_by_label("Label").fill("Asterisk")
    page.get_by_role("button", name="Issue").click()
    token = page.locator("#new-token-value").inner_text()
    assert token.startswith("smena_")
    api = {"Authorization": f"Bearer {token}"}
    url = f"{live_server.url}/api/v1/events"
    assert httpx.post(url, json=[], headers=api).json() == {"stored": 0, "duplicates": 0}
    row = page.locator("#api-tokens-table tbody tr").filter(has_text="Asterisk")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("#api-tokens-table tbody tr").filter(has_text="Asterisk")).to_contain_text(
        "revoked"
    )
    assert httpx.post(url, json=[], headers=api).status_code == 401
