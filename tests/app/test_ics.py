"""The iCalendar writer (RFC 5545) and the operator's feed, opened by its secret token."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.me.ics import Event, calendar, escape_text, fold, format_utc
from app.models import CalendarFeed
from tests.app.conftest import Center
from tests.app.operator_day_setup import OperatorDay, seed_day
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]
NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_text_is_escaped() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_times_are_utc_and_naive_ones_refused() -> None:
    moscow = timezone(timedelta(hours=3))
    assert format_utc(datetime(2026, 11, 28, 12, 30, tzinfo=moscow)) == "20261128T093000Z"
    with pytest.raises(ValueError, match="naive"):
        format_utc(datetime(2026, 11, 28, 12, 30))


@pytest.mark.parametrize("text", ["x" * 200, "Обед " * 40, "a" + "€" * 60 + "b" * 30])
def test_long_lines_fold_at_75_octets_without_splitting_a_character(text: str) -> None:
    line = f"SUMMARY:{text}"
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == line
    assert fold("SHORT:1") == "SHORT:1"


def test_a_calendar_has_its_frame_every_line_crlf_and_one_event_per_entry() -> None:
    events = [
        Event(
            "shift-1@smena", NOW, NOW + timedelta(hours=9), "Shift", "Breaks:\nLunch, 12:00", "M"
        ),
        Event("break-2@smena", NOW, NOW + timedelta(minutes=15), "Break; paid", transparent=True),
    ]
    text = calendar("smena · Anna", events, now=NOW)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = _unfold(text)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-2:] == ["END:VCALENDAR", ""]
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    assert "UID:shift-1@smena" in lines and "DTSTAMP:20261128T150000Z" in lines
    assert "DTEND:20261129T000000Z" in lines
    assert "DESCRIPTION:Breaks:\\nLunch\\, 12:00" in lines
    assert "SUMMARY:Break\\; paid" in lines and "TRANSP:TRANSPARENT" in lines
    assert any(line.startswith("PRODID:") for line in lines)


@pytest.fixture
def day(center: Center, db: Session) -> OperatorDay:
    quicken_passwords(db)
    return seed_day(db, center)


def _link(html: str) -> str:
    match = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', html)
    assert match, "no calendar link on the page"
    return match.group(1).replace("&amp;", "&")


def test_the_feed_lists_shifts_and_published_breaks_by_token_only(
    day: OperatorDay, as_role: Clients, db: Session, client: TestClient
) -> None:
    operator = as_role("operator")
    assert "Get a calendar link" in operator.get("/me/day").text
    renewed = operator.post("/me/calendar/renew", headers={"HX-Request": "true"})
    assert renewed.status_code == 200
    link = _link(renewed.text)
    assert link == _link(operator.get("/me/day").text)  # shown again on My day
    token = link.split("token=")[1]
    stored = db.scalar(select(CalendarFeed))
    assert stored is not None and token not in (stored.token_hash, stored.nonce)
    # End the read: `client` disposes the engine when it shuts down, and a connection this
    # session still held then would go back to the discarded pool and never be closed.
    db.rollback()

    feed = client.get(f"/me/calendar.ics?token={token}")  # no session: calendar apps
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    lines = _unfold(feed.text)
    uids = sorted(line for line in lines if line.startswith("UID:"))
    assert uids == sorted(
        [
            f"UID:shift-{day.shift_id}@smena",
            f"UID:break-{day.break1_id}@smena",
            f"UID:break-{day.lunch_id}@smena",
        ]
    )  # the draft break is not in the feed
    assert f"DTSTART:{format_utc(day.start)}" in lines
    assert f"DTSTART:{format_utc(day.start + timedelta(hours=4))}" in lines
    assert "SUMMARY:Lunch (unpaid)" in lines

    operator.post("/me/calendar/renew")
    assert client.get(f"/me/calendar.ics?token={token}").status_code == 404  # old link cut off
    assert client.get("/me/calendar.ics").status_code == 404
    assert client.get("/me/calendar.ics?token=nonsense").status_code == 404
