"""My day: the operator sees the next break counting down, and asks to move a break."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, Response, expect
from sqlalchemy import delete, select

from app.db import make_engine
from app.models import BreakView, User
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.browser
COUNTDOWN = re.compile(r"^\d+:\d\d:\d\d$")


def _forget_first_looks(server: LiveServer, login: str) -> None:
    """The operator has never opened My day (an earlier browser test may have)."""
    engine = make_engine(server.database_url)
    try:
        with engine.begin() as connection:
            user_id = connection.scalar(select(User.id).where(User.login == login))
            connection.execute(delete(BreakView).where(BreakView.user_id == user_id))
    finally:
        engine.dispose()


def test_operator_sees_the_next_break_counting_down_and_asks_to_move_it(
    page: Page, live_server: LiveServer
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    _forget_first_looks(live_server, "operator")
    sign_in(page, live_server, "operator")

    def first_look(response: Response) -> bool:
        return response.request.method == "POST" and response.url.endswith("/me/day/seen")

    with page.expect_response(first_look) as recorded:  # the page, not the GET, records it
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My day").click()
    assert recorded.value.status == 200
    expect(page).to_have_url(re.compile(r"/me/day$"))
    expect(page.locator("#breaks-seen")).to_have_count(0)
    expect(page.locator("#today-shift")).to_be_visible()
    expect(page.locator("#my-breaks li").first).to_contain_text("–")

    ticking = page.locator("#next-break [data-countdown-to]")
    expect(ticking).to_have_text(COUNTDOWN)
    first = ticking.inner_text()
    expect(ticking).not_to_have_text(first, timeout=3_000)  # the script ticks every second

    form = page.locator("#move-form")
    option = form.locator("select[name=break_id] option").first
    label = option.inner_text()  # "Lunch · 14:00"
    name, clock = label.split(" · ")
    target = (datetime.strptime(clock, "%H:%M") + timedelta(minutes=10)).strftime("%H:%M")
    form.locator("input[name=start]").fill(target)
    form.get_by_role("button", name="Ask").click()

    expect(page).to_have_url(re.compile(r"/me/day$"))
    expect(page.locator("#flashes")).to_contain_text(re.compile("moved|sent to your supervisor"))
    request = page.locator("#my-requests li").first
    expect(request).to_contain_text(f"{name}: {clock} → {target}")
    expect(request.locator(".badge")).to_have_text(re.compile("waiting|approved automatically"))
