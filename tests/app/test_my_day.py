"""My day: today's shift and published breaks, the countdown, and the notice of a moved break."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.me.day import compare, countdown
from app.models import BreakView, PlannedBreak
from tests.app.conftest import Center
from tests.app.operator_day_setup import OperatorDay, seed_day
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]


@pytest.fixture
def day(center: Center, db: Session) -> OperatorDay:
    quicken_passwords(db)
    return seed_day(db, center)


def _clock(db: Session, break_id: int) -> str:
    db.expire_all()
    row = db.get(PlannedBreak, break_id)
    assert row is not None
    return f"{row.starts_at.astimezone(ZoneInfo('Europe/Moscow')):%H:%M}"


def test_the_operator_sees_published_breaks_and_a_countdown_to_the_next(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    page = as_role("operator").get("/me/day")
    assert page.status_code == 200
    html = page.text
    assert 'id="my-day-now"' in html and 'hx-trigger="every 60s' in html
    breaks = html[html.index('id="my-breaks"') :]
    assert breaks.count("<li") == 2  # break1 and lunch; the draft break2 is not shown
    assert _clock(db, day.draft_id) not in breaks
    assert f"Next: Lunch at {_clock(db, day.lunch_id)}" in html
    match = re.search(r'data-countdown-to="([^"]+)">(\d+):(\d\d):(\d\d)<', html)
    assert match, "no countdown"
    hours, minutes = int(match.group(2)), int(match.group(3))
    assert (hours, minutes) in ((1, 59), (2, 0))  # lunch is two hours away
    assert "my_day.js" in html and "<script>" not in html


def test_the_fragment_is_what_the_poll_swaps(day: OperatorDay, as_role: Clients) -> None:
    fragment = as_role("operator").get("/me/day/now", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="my-day-now"')
    assert "<html" not in fragment.text


def _seen(html: str) -> str:
    """The token of the breaks as the page showed them (what the acknowledgement sends back)."""
    match = re.search(r'name="seen" value="([^"]+)"', html)
    assert match, "no acknowledgement on the page"
    return match.group(1)


def _views(db: Session) -> list[BreakView]:
    db.expire_all()
    return list(db.scalars(select(BreakView)))


def _move_lunch(db: Session, day: OperatorDay, minutes: int) -> None:
    lunch = db.get(PlannedBreak, day.lunch_id)
    assert lunch is not None
    lunch.starts_at += timedelta(minutes=minutes)
    lunch.ends_at += timedelta(minutes=minutes)
    db.commit()


def _acknowledge(client: TestClient, day: OperatorDay, seen: str) -> httpx.Response:
    return client.post(
        "/me/day/seen",
        data={"shift_id": str(day.shift_id), "seen": seen},
        headers={"HX-Request": "true"},
    )


def test_looking_writes_nothing_and_the_page_records_the_first_look_by_post(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    operator = as_role("operator")
    page = operator.get("/me/day").text
    operator.get("/me/day/now", headers={"HX-Request": "true"})
    assert _views(db) == []  # a GET changes nothing
    first_look = page[page.index('id="breaks-seen"') :]
    first_look = first_look[: first_look.index("</form>")]
    assert re.search(r'hx-post="[^"]*/me/day/seen"', first_look)
    assert 'hx-trigger="load"' in first_look
    assert 'name="csrf_token"' in first_look
    recorded = _acknowledge(operator, day, _seen(page))
    assert recorded.status_code == 200 and 'id="breaks-seen"' not in recorded.text
    (view,) = _views(db)
    assert [b["starts_at"] for b in view.breaks] == sorted(b["starts_at"] for b in view.breaks)
    assert 'id="breaks-seen"' not in operator.get("/me/day").text  # recorded once
    refused = operator.post(
        "/me/day/seen",
        data={"shift_id": str(day.shift_id), "seen": _seen(page)},
        headers={"X-CSRF-Token": "forged"},
    )
    assert refused.status_code == 403


def test_a_moved_break_is_noticed_until_acknowledged(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    operator = as_role("operator")
    before = _clock(db, day.lunch_id)
    first = operator.get("/me/day").text
    assert "break-changes" not in first
    assert _acknowledge(operator, day, _seen(first)).status_code == 200  # the page's first look
    _move_lunch(db, day, 30)
    after = _clock(db, day.lunch_id)
    html = operator.get("/me/day/now").text
    assert "break-changes" in html
    assert f"Lunch moved from {before} to {after}." in html
    assert "break-changes" in operator.get("/me/day/now").text  # still there on the next poll
    (view,) = _views(db)
    lunch = db.get(PlannedBreak, day.lunch_id)
    assert lunch is not None
    assert lunch.starts_at.isoformat() not in [b["starts_at"] for b in view.breaks]  # not by a poll
    seen = _acknowledge(operator, day, _seen(html))
    assert seen.status_code == 200
    assert "break-changes" not in seen.text
    assert "break-changes" not in operator.get("/me/day").text


def test_got_it_on_a_page_drawn_before_another_move_keeps_the_notice(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    operator = as_role("operator")
    _acknowledge(operator, day, _seen(operator.get("/me/day").text))
    before = _clock(db, day.lunch_id)
    _move_lunch(db, day, 30)
    shown = operator.get("/me/day/now").text  # the notice, as the operator reads it
    _move_lunch(db, day, 15)  # ... while the supervisor moves lunch again
    again = _acknowledge(operator, day, _seen(shown))
    assert again.status_code == 200
    assert f"Lunch moved from {before} to {_clock(db, day.lunch_id)}." in again.text
    assert "break-changes" in operator.get("/me/day/now").text  # not acknowledged: not seen
    _acknowledge(operator, day, _seen(again.text))
    assert "break-changes" not in operator.get("/me/day/now").text


def test_an_operator_without_a_shift_or_agent_sees_it_said(
    center: Center, db: Session, as_role: Clients
) -> None:
    quicken_passwords(db)
    assert "No shift today." in as_role("operator").get("/me/day").text
    assert "not linked to an agent" in as_role("spare").get("/me/day").text


def test_acknowledging_another_shift_is_404(day: OperatorDay, as_role: Clients) -> None:
    response = as_role("operator").post("/me/day/seen", data={"shift_id": "999999"})
    assert response.status_code == 404


def test_compare_pairs_breaks_of_a_type_in_order() -> None:
    def entry(kind: int, start: str, end: str) -> dict[str, object]:
        return {"type": kind, "name": f"t{kind}", "starts_at": start, "ends_at": end}

    t = "2026-11-28T{}:00+00:00"
    seen = [
        entry(1, t.format("08:00"), t.format("08:15")),
        entry(2, t.format("11:00"), t.format("11:30")),
    ]
    now = [
        entry(1, t.format("08:00"), t.format("08:15")),
        entry(1, t.format("14:00"), t.format("14:15")),
    ]
    kinds = [(c.kind, c.name) for c in compare(seen, now)]
    assert kinds == [("removed", "t2"), ("added", "t1")]
    moved = compare(seen[:1], [entry(1, t.format("08:30"), t.format("08:45"))])
    assert [c.kind for c in moved] == ["moved"]
    assert compare(seen, seen) == ()


def test_countdown_is_hours_minutes_seconds_and_never_negative() -> None:
    assert countdown(3725.9) == "1:02:05"
    assert countdown(-5) == "0:00:00"
