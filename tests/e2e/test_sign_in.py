"""Signing in: a wrong password is refused clearly; an operator sees only their own screens."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models import Agent, Shift, User
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser
SITE_ZONE = ZoneInfo("Europe/Moscow")  # the demo site's


def own_shift_spans(server: LiveServer, login: str) -> list[str]:
    """`HH:MM–HH:MM` of the user's shifts that My shifts covers: a week back, four ahead."""
    today = datetime.now(SITE_ZONE).date()
    engine = make_engine(server.database_url)
    try:
        with Session(engine) as db:
            rows = db.execute(
                select(Shift.starts_at, Shift.ends_at)
                .join(Agent)
                .join(User, Agent.user_id == User.id)
                .where(
                    User.login == login,
                    Shift.work_date.between(today - timedelta(days=7), today + timedelta(days=28)),
                )
                .order_by(Shift.starts_at)
            ).all()
    finally:
        engine.dispose()
    return [
        f"{start.astimezone(SITE_ZONE):%H:%M}–{end.astimezone(SITE_ZONE):%H:%M}"
        for start, end in rows
    ]


def test_wrong_password_says_so_and_keeps_the_login(page: Page, live_server: LiveServer) -> None:
    page.goto("/login")
    page.fill("#login", "admin")
    page.fill("#password", "not-the-password")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("main form button[type=submit]").click()

    assert answer.value.status == 401
    expect(page.locator("#login-error")).to_have_text("Wrong login or password.")
    expect(page.locator("#login")).to_have_value("admin")
    expect(page.locator("#login")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password")).to_have_value("")


def test_operator_is_refused_admin_and_sees_own_shifts(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "operator")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My shifts")).to_be_visible()
    paths = [urlsplit(link.get_attribute("href") or "").path for link in nav.locator("a").all()]
    assert paths == ["/", "/me/day", "/me/shifts", "/me/schedule"], (
        "the operator sees only their own screens"
    )

    refused = page.goto("/admin/agents")
    assert refused is not None
    assert refused.status == 403
    expect(page.get_by_role("alert")).to_have_text("Your role does not give access to this page.")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My shifts").click()
    expect(page).to_have_url(re.compile(r"/me/shifts$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My shifts")
    expected = own_shift_spans(live_server, "operator")
    assert expected, "the demo gives its operator shifts"
    shifts = page.locator("#my-shifts > li")
    expect(shifts).to_have_count(len(expected))
    for shift, span in zip(shifts.all(), expected, strict=True):
        expect(shift).to_contain_text(span)
