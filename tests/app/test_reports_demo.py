"""Demo call history: the bank's months moved to end yesterday, on the demo's queues and agents."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, Call, Queue, Site
from app.reports import demo_history
from app.reports.demo_history import demo_calls, seed_call_history
from kpi.records import CallRecord

ZONE = ZoneInfo("Europe/Moscow")


def _month(first: date, days: int, types: tuple[str, ...]) -> list[CallRecord]:
    calls = []
    for offset in range(days):
        at = datetime.combine(first + timedelta(days=offset), datetime.min.time(), ZONE)
        for hour, kind in enumerate(types, start=8):
            offered = at + timedelta(hours=hour)
            answered = offered + timedelta(seconds=15)
            server = f"S{offset % 90}"
            calls.append(
                CallRecord(
                    f"{offset}-{hour}-{kind}",
                    kind,
                    offered,
                    answered,
                    answered + timedelta(seconds=100),
                    None,
                    server,
                )
            )
    return calls


def test_the_months_end_yesterday_on_demo_queues_and_agents() -> None:
    months = [
        _month(date(1999, 1, 1), 31, ("PS", "NW", "IN")),
        _month(date(1999, 10, 1), 31, ("NE", "TT", "PE")),
    ]
    yesterday = date(2026, 11, 27)
    calls = demo_calls(months, yesterday=yesterday)
    assert len(calls) == sum(len(m) for m in months)
    days = sorted({c.offered_at.date() for c in calls})
    assert days[-1] == yesterday and days[0] == yesterday - timedelta(days=61)
    assert len(days) == 62
    assert {c.queue for c in calls} == {"Retail", "Premium", "Internet", "Brokerage"}
    assert {c.agent for c in calls} <= {f"A{i:03d}" for i in range(1, 81)}
    assert calls[0].offered_at.hour == 8
    assert calls[0].answered_at == calls[0].offered_at + timedelta(seconds=15)
    assert demo_calls(months, yesterday=yesterday) == calls  # the same on every run


def test_without_the_data_the_demo_goes_on_with_a_note(
    db: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = Site(name="Demo", timezone="Europe/Moscow")
    db.add(site)
    db.flush()
    original = demo_history.bank_months
    monkeypatch.setattr(demo_history, "bank_months", lambda zone: original(zone, tmp_path))
    assert seed_call_history(db, site=site, today=date(2026, 11, 28)) == 0
    assert "no call history" in capsys.readouterr().out


def _stored(db: Session, site: Site) -> set[tuple[object, ...]]:
    rows = db.execute(
        select(Call.call_id, Queue.name, Call.offered_at, Call.answered_at, Call.ended_at,
               Call.abandoned_at, Agent.code, Call.source)
        .join(Queue, Queue.id == Call.queue_id)
        .outerjoin(Agent, Agent.id == Call.agent_id)
        .where(Call.site_id == site.id)
    )  # fmt: skip
    return {tuple(row) for row in rows}


@pytest.mark.parametrize("read_ahead", [False, True])
def test_the_seed_stores_exactly_the_demo_calls(
    db: Session, monkeypatch: pytest.MonkeyPatch, read_ahead: bool
) -> None:
    months = [
        _month(date(1999, 1, 1), 31, ("PS", "NW", "IN")),
        _month(date(1999, 10, 1), 30, ("NE", "TT", "PE", "XX")),
    ]
    site = Site(name="Demo", timezone="Europe/Moscow")
    db.add(site)
    db.flush()
    db.add_all([Queue(site_id=site.id, name="Retail"), Agent(
        site_id=site.id, code="A001", display_name="Anna", contracted_weekly_hours=40,
    )])  # fmt: skip
    db.flush()
    monkeypatch.setattr(demo_history, "bank_months", lambda zone: months)
    today = date(2026, 11, 28)
    ahead = demo_history.read_bank_months(ZONE) if read_ahead else None
    assert seed_call_history(db, site=site, today=today, months=ahead) == 61 * 3 + 30
    expected = {
        (c.call_id, c.queue, c.offered_at, c.answered_at, c.ended_at, c.abandoned_at, c.agent,
         "cdr")
        for c in demo_calls(months, yesterday=today - timedelta(days=1), agents=1)
    }  # fmt: skip
    assert _stored(db, site) == expected
    assert {code for *_, code, _source in expected} == {"A001"}  # the site's one agent
    queues = db.scalars(select(Queue.name).where(Queue.site_id == site.id))
    assert set(queues) == {"Retail", "Premium", "Internet", "Brokerage"}
