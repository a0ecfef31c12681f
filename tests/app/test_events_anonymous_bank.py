"""January of the Anonymous Bank through the store: as call records, and as shuffled events.

Both ways, the interval KPIs over the stored calls equal the figures computed independently
from the raw file (tests/kpi/test_kpi_anonymous_bank.py): counts exactly, the rest to 1e-6.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.events import tokens
from app.events.imports import import_cdr
from app.events.service import calls_between
from app.models import Site
from kpi.anonymous_bank import bank_call_records
from kpi.definitions import Thresholds, interval_figures
from kpi.records import CallRecord
from tests.kpi.conftest import BANK_DIR
from tests.kpi.test_kpi_anonymous_bank import check, independent_interval_kpis

ZONE = ZoneInfo("Asia/Jerusalem")
START, END = datetime(1998, 12, 31, tzinfo=ZONE), datetime(1999, 2, 2, tzinfo=ZONE)


@pytest.fixture(scope="module")
def january() -> tuple[CallRecord, ...]:
    if not (BANK_DIR / "january.txt").is_file():
        pytest.skip(f"Anonymous Bank data not found at {BANK_DIR}")
    return bank_call_records((BANK_DIR / "january.txt").read_text(), tz=ZONE)


@pytest.fixture
def bank(db: Session) -> Iterator[Site]:
    site = Site(name="Anonymous Bank", timezone="Asia/Jerusalem")
    db.add(site)
    db.commit()
    yield site


def as_cdr(calls: tuple[CallRecord, ...]) -> bytes:
    def cell(value: datetime | str | None) -> str:
        return "" if value is None else value.isoformat() if isinstance(value, datetime) else value

    rows = ["call_id,queue,offered_at,answered_at,ended_at,abandoned_at,agent"]
    for c in calls:
        fields = (
            c.call_id,
            c.queue,
            c.offered_at,
            c.answered_at,
            c.ended_at,
            c.abandoned_at,
            c.agent,
        )
        rows.append(",".join(cell(f) for f in fields))
    return ("\n".join(rows) + "\n").encode()


def as_events(calls: tuple[CallRecord, ...]) -> list[dict[str, str]]:
    events = []
    for c in calls:
        base = {"call_id": c.call_id}
        events.append(
            {
                **base,
                "id": f"{c.call_id}/o",
                "type": "call.offered",
                "ts": c.offered_at.isoformat(),
                "queue": c.queue,
            }
        )
        if c.answered_at is not None:
            agent = c.agent or "UNKNOWN"  # the feed always names who answered
            events.append(
                {
                    **base,
                    "id": f"{c.call_id}/a",
                    "type": "call.answered",
                    "ts": c.answered_at.isoformat(),
                    "agent": agent,
                }
            )
        if c.abandoned_at is not None:
            events.append(
                {
                    **base,
                    "id": f"{c.call_id}/x",
                    "type": "call.abandoned",
                    "ts": c.abandoned_at.isoformat(),
                }
            )
        if c.ended_at is not None:
            events.append(
                {**base, "id": f"{c.call_id}/e", "type": "call.ended", "ts": c.ended_at.isoformat()}
            )
    return events


def assert_equal_to_the_raw_file(db: Session, site: Site) -> None:
    """The stored calls give the raw file's figures, interval by interval."""
    db.rollback()
    stored = calls_between(db, site_id=site.id, start=START, end=END)
    assert len(stored) == 30_161
    for minutes, sl, short in ((30, 20, 5), (60, 30, 10)):
        expected = independent_interval_kpis(BANK_DIR / "january.txt", minutes, sl, short)
        thresholds = Thresholds(sl_seconds=sl, short_abandon_seconds=short)
        rows = interval_figures(stored, tz=ZONE, interval_minutes=minutes, thresholds=thresholds)
        assert len(rows) == len(expected)
        for row in rows:
            s, f = expected[row.start.replace(tzinfo=None), row.queue], row.figures
            assert (f.offered, f.answered, f.abandoned) == (
                s["offered"],
                s["answered"],
                s["abandoned"],
            )
            assert (f.short_abandons, f.answered_in_target) == (s["short"], s["in_target"])
            divisor = s["offered"] - s["short"]
            check(f.service_level, s["in_target"] / divisor if divisor else None)
            check(f.abandon_rate, (s["abandoned"] - s["short"]) / divisor if divisor else None)
            check(f.asa_seconds, s["wait"] / s["answered"] if s["answered"] else None)
            check(f.aht_seconds, s["talk"] / s["answered"] if s["answered"] else None)


def test_january_imported_as_call_records(
    db: Session, bank: Site, january: tuple[CallRecord, ...]
) -> None:
    content = as_cdr(january)
    result = import_cdr(db, site=bank, content=content)
    assert (result.errors, result.created, result.duplicates) == ((), 30_161, 0)
    db.commit()
    assert import_cdr(db, site=bank, content=content).duplicates == 30_161  # adds nothing
    db.commit()
    assert_equal_to_the_raw_file(db, bank)


def test_january_posted_as_shuffled_events(
    app: FastAPI, db: Session, bank: Site, january: tuple[CallRecord, ...]
) -> None:
    """All of January (about 87,000 events) in random order, in POSTs of 5,000; posting it
    again stores nothing. The order independence of agent states, with ties on time across
    batches, is tested by test_events.py."""
    _, raw = tokens.issue_token(db, user=None, site=bank, label="bank")
    db.commit()
    events = as_events(january)
    random.Random(1999).shuffle(events)
    headers = {"Authorization": f"Bearer {raw}"}
    with closing(TestClient(app)) as client:
        for first in range(0, len(events), 5000):
            response = client.post(
                "/api/v1/events", json=events[first : first + 5000], headers=headers
            )
            assert response.status_code == 200, response.text
            assert response.json()["duplicates"] == 0
        again = client.post("/api/v1/events", json=events[:5000], headers=headers)
        assert again.status_code == 200 and again.json()["duplicates"] == 5000
    assert_equal_to_the_raw_file(db, bank)
