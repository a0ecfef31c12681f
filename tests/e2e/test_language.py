"""The language switch: English to Russian and back, on a signed-in page."""

from __future__ import annotations

from functools import cache

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from app.i18n import LOCALE_DIR
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser

RU_CATALOG = LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po"


@cache
def _russian_catalog() -> dict[str, str]:
    with RU_CATALOG.open("rb") as po_file:
        catalog = read_po(po_file)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def russian(msgid: str) -> str:
    """The Russian the catalog gives for `msgid`; fails while the translation is missing."""
    text = _russian_catalog().get(msgid)
    if not text:
        pytest.fail(f"{RU_CATALOG} has no Russian for {msgid!r} yet")
    return text


def test_switching_to_russian_and_back(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "manager")
    html, sign_out = page.locator("html"), page.locator("form[action$='/logout'] button")
    shifts_link = page.get_by_role("navigation").locator("a[href$='/shifts']")
    expect(html).to_have_attribute("lang", "en")
    expect(sign_out).to_have_text("Sign out")

    page.get_by_role("button", name="RU", exact=True).click()
    expect(html).to_have_attribute("lang", "ru")
    expect(sign_out).to_have_text(russian("Sign out"))
    expect(shifts_link).to_have_text(russian("Shifts"))

    page.get_by_role("button", name="EN", exact=True).click()
    expect(html).to_have_attribute("lang", "en")
    expect(sign_out).to_have_text("Sign out")
    expect(shifts_link).to_have_text("Shifts")
