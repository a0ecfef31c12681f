"""The Planning screen: a week's forecast and requirement, targets, save, export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.jobs.worker import Worker
from app.models import (
    AuditEntry,
    Job,
    Queue,
    Site,
    StaffingPlan,
    StaffingPlanInterval,
    StoredForecast,
)
from app.planning.importer import import_history
from app.planning.service import (
    Targets,
    make_forecasts,
    plan_week,
    requirement_for,
    save_plan,
)
from scheduling.forecast import History, forecast
from scheduling.staffing import StaffingCase, solve
from tests.app.conftest import Center
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]
HISTORY_MONDAY = date(2026, 11, 16)
PLAN_MONDAY = date(2026, 11, 23)
TARGETS = Targets(0.8, 20, 0.85, 0.3, None)
OPEN = range(16, 40)  # 08:00 to 20:00 in 30-minute intervals


def _calls(day: int, slot: int, scale: int) -> int:
    """Calls of a history interval; Sunday (day 6) is closed."""
    return 0 if day == 6 else scale * (10 + (slot * 7 + day * 3) % 23)


def _aht(slot: int) -> float:
    return 150.0 + 2 * slot


def _history_csv(queue: str, scale: int) -> bytes:
    lines = ["date,interval_start,queue,calls,aht_seconds"]
    for day in range(7):
        for slot in OPEN:
            lines.append(
                f"{HISTORY_MONDAY + timedelta(days=day)},{slot // 2:02d}:{slot % 2 * 30:02d},"
                f"{queue},{_calls(day, slot, scale)},{_aht(slot)}"
            )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    """The test center with a week of history for Retail, and Premium with twice the calls."""
    quicken_passwords(db)
    site = db.get(Site, center.site_id)
    assert site is not None
    db.add(Queue(site_id=site.id, name="Premium"))
    db.flush()
    for name, scale in (("Retail", 1), ("Premium", 2)):
        result = import_history(db, user=None, site=site, content=_history_csv(name, scale))
        assert not result.errors and result.created == 7 * len(OPEN)
    db.commit()
    return center


def _retail(db: Session, center: Center) -> tuple[Site, Queue]:
    site, queue = db.get(Site, center.site_id), db.get(Queue, center.queue_id)
    assert site is not None and queue is not None
    return site, queue


def test_the_requirement_is_scheduling_staffing_on_the_forecast(
    center: Center, db: Session
) -> None:
    site, retail = _retail(db, center)
    plan = plan_week(db, site=site, queues=[retail], monday=PLAN_MONDAY, targets=TARGETS)
    assert [q.queue.name for q in plan.queues] == ["Retail"]
    rows = plan.rows
    assert len(rows) == 7 * 48
    assert rows[0].starts_at == datetime(2026, 11, 22, 21, tzinfo=UTC)  # Monday 00:00 Moscow
    # the same history straight into scheduling.forecast, then scheduling.staffing
    calls = np.array([[_calls(d, j, 1) if j in OPEN else 0 for j in range(48)] for d in range(7)])
    aht = np.array([[_aht(j) if j in OPEN else 0.0 for j in range(48)] for d in range(7)])
    days = tuple(HISTORY_MONDAY + timedelta(days=d) for d in range(7))
    predicted = forecast(History("Retail", 30, days, calls, aht), 7)
    assert predicted.days[0] == PLAN_MONDAY
    assert predicted.calls.tolist() == calls.tolist()  # one recorded week: that week again
    cases = [
        StaffingCase(
            id=str(k),
            calls=float(predicted.calls.flat[k]),
            interval_minutes=30,
            aht_seconds=float(predicted.aht_seconds.flat[k]),
            service_level=0.8,
            answer_seconds=20,
            max_occupancy=0.85,
            shrinkage=0.3,
        )
        for k in range(7 * 48)
    ]
    expected = solve(cases)
    assert [r.agents for r in rows] == [e.agents for e in expected]
    assert [r.positions for r in rows] == [e.positions for e in expected]
    assert [r.calls for r in rows] == [c.calls for c in cases]
    assert [r.service_level for r in rows] == pytest.approx(
        [e.service_level for e in expected], rel=1e-12
    )
    assert [r.occupancy for r in rows] == pytest.approx([e.occupancy for e in expected], rel=1e-12)
    busy = [k for k, r in enumerate(rows) if r.calls > 0]
    assert len(busy) == 6 * len(OPEN)  # Sunday closed
    assert [rows[k].aht_seconds for k in busy] == pytest.approx(
        [cases[k].aht_seconds for k in busy], rel=1e-12
    )
    assert min(rows[k].agents for k in busy) > 0
    assert all(r.agents == 0 for k, r in enumerate(rows) if k not in busy)


def test_all_queues_add_up_and_erlang_a_needs_fewer_agents(center: Center, db: Session) -> None:
    site, retail = _retail(db, center)
    premium = db.scalar(select(Queue).where(Queue.name == "Premium"))
    assert premium is not None
    both = plan_week(db, site=site, queues=[retail, premium], monday=PLAN_MONDAY, targets=TARGETS)
    alone = [
        plan_week(db, site=site, queues=[q], monday=PLAN_MONDAY, targets=TARGETS).rows
        for q in (retail, premium)
    ]
    assert [r.agents for r in both.rows] == [
        a.agents + b.agents for a, b in zip(*alone, strict=True)
    ]
    assert [r.calls for r in both.rows] == pytest.approx(
        [a.calls + b.calls for a, b in zip(*alone, strict=True)]
    )
    patient = Targets(0.8, 20, 0.85, 0.3, 120.0)
    erlang_a = plan_week(db, site=site, queues=[retail], monday=PLAN_MONDAY, targets=patient)
    assert sum(r.agents for r in erlang_a.rows) < sum(r.agents for r in alone[0])
    empty = plan_week(db, site=site, queues=[retail], monday=HISTORY_MONDAY, targets=TARGETS)
    assert empty.queues == () and empty.without_history == (retail,) and empty.rows == ()


def _page_params(center: Center, **targets: str) -> dict[str, str]:
    return {
        "site_id": str(center.site_id),
        "queue_id": str(center.queue_id),
        "week": "2026-11-25",
        **targets,
    }


def _forecasts_made(db: Session, center: Center) -> None:
    """What the planning.forecast job does, for every queue of the site."""
    queues = db.scalars(select(Queue).where(Queue.site_id == center.site_id)).all()
    assert make_forecasts(db, queues=queues, monday=PLAN_MONDAY) == 2
    db.commit()


def _agents(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'<td class="agents">(\d+)</td>', html)]


def test_the_page_shows_forecast_and_requirement_and_targets_change_it(
    center: Center, db: Session, as_role: Clients
) -> None:
    _forecasts_made(db, center)
    client = as_role("supervisor")
    page = client.get("/planning", params=_page_params(center))
    assert page.status_code == 200
    assert "No plan saved for this week yet." in page.text
    assert "week of 2026-11-23" in page.text
    assert 'id="plan-chart"' in page.text and '<title id="chart-title">' in page.text
    assert page.text.count("<rect ") == 7 * 48
    defaults = _agents(page.text)
    assert len(defaults) == 7 * 48 and max(defaults) > 0
    assert 'name="service_level" inputmode="decimal" value="80"' in page.text
    stricter = client.get(
        "/planning/requirement",
        params=_page_params(
            center,
            service_level="95",
            answer_seconds="20",
            max_occupancy="85",
            shrinkage="30",
            patience="",
        ),
        headers={"HX-Request": "true"},
    )
    assert stricter.status_code == 200
    assert stricter.text.startswith('<section id="requirement"')
    assert "<html" not in stricter.text
    more = _agents(stricter.text)
    assert all(m >= d for m, d in zip(more, defaults, strict=True)) and sum(more) > sum(defaults)
    bad = client.get(
        "/planning/requirement",
        params=_page_params(
            center,
            service_level="150",
            answer_seconds="x",
            max_occupancy="",
            shrinkage="30",
            patience="0",
        ),
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422
    errors = dict(
        re.findall(
            r'<p class="field-error" id="error-(\w+)" hx-swap-oob="true"\s*'
            r'(?:role="alert")?>([^<]*)</p>',
            bad.text,
        )
    )
    assert errors == {
        "service_level": "At most 99.9.",
        "answer_seconds": "A whole number, please.",
        "max_occupancy": "",
        "shrinkage": "",
        "patience": "At least 1.",
    }
    assert _agents(bad.text) == []
    full = client.get("/planning", params=_page_params(center, service_level="150"))
    assert (
        full.status_code == 422
        and 'value="150"' in full.text
        and 'aria-invalid="true"' in full.text
    )
    operator = as_role("operator").get("/planning")
    assert operator.status_code == 403


def test_save_the_plan_writes_it_with_an_audit_entry_and_a_second_save_replaces_it(
    center: Center, db: Session, as_role: Clients
) -> None:
    client = as_role("manager")
    form = {
        **_page_params(
            center,
            service_level="80",
            answer_seconds="20",
            max_occupancy="85",
            shrinkage="30",
            patience="",
        ),
        "queue_id": "",
    }
    saved = client.post("/planning/save", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/planning?site_id=")
    db.expire_all()
    plans = db.scalars(select(StaffingPlan).order_by(StaffingPlan.queue_id)).all()
    assert [(p.week_start, p.service_level, p.shrinkage) for p in plans] == [
        (PLAN_MONDAY, 0.8, 0.3),
        (PLAN_MONDAY, 0.8, 0.3),
    ]
    counts = db.execute(
        select(StaffingPlanInterval.plan_id, func.count()).group_by(StaffingPlanInterval.plan_id)
    ).all()
    assert sorted(n for _, n in counts) == [7 * 48, 7 * 48]
    audit = db.scalars(
        select(AuditEntry).where(AuditEntry.entity == "staffing_plans").order_by(AuditEntry.id)
    ).all()
    assert [a.action for a in audit] == ["create", "create"]
    assert audit[0].after is not None and audit[0].after["intervals"] == 7 * 48
    after = client.get(saved.headers["location"]).text
    assert "Plan saved for the week of 2026-11-23: 2 queue(s)." in after
    assert "Saved for Premium: service level 80% in 20 s, shrinkage 30%," in after
    assert "Saved for Retail: service level 80% in 20 s, shrinkage 30%," in after
    site, _ = _retail(db, center)
    first = requirement_for(
        db,
        site_id=site.id,
        start_utc=datetime(2026, 11, 23, 5, tzinfo=UTC),
        end_utc=datetime(2026, 11, 23, 17, tzinfo=UTC),
        slot_minutes=30,
    )
    client.post("/planning/save", data={**form, "service_level": "95"}, follow_redirects=False)
    db.expire_all()
    assert [p.service_level for p in db.scalars(select(StaffingPlan))] == [0.95, 0.95]
    assert db.scalar(select(func.count()).select_from(StaffingPlanInterval)) == 2 * 7 * 48
    audit = db.scalars(
        select(AuditEntry).where(AuditEntry.entity == "staffing_plans").order_by(AuditEntry.id)
    ).all()
    assert [a.action for a in audit] == ["create", "create", "update", "update"]
    assert audit[2].before is not None and audit[2].before["service_level"] == 0.8
    second = requirement_for(
        db,
        site_id=site.id,
        start_utc=datetime(2026, 11, 23, 5, tzinfo=UTC),
        end_utc=datetime(2026, 11, 23, 17, tzinfo=UTC),
        slot_minutes=30,
    )
    assert sum(second) > sum(first)


def test_requirement_for_adds_queues_per_slot_and_is_zero_without_a_plan(
    center: Center, db: Session
) -> None:
    site, retail = _retail(db, center)
    premium = db.scalar(select(Queue).where(Queue.name == "Premium"))
    assert premium is not None
    plan = plan_week(db, site=site, queues=[retail, premium], monday=PLAN_MONDAY, targets=TARGETS)
    save_plan(db, user=None, plan=plan)
    db.flush()
    by_start = {r.starts_at: r.agents for r in plan.rows}
    start = datetime(2026, 11, 23, 5, tzinfo=UTC)  # Monday 08:00 in Moscow
    half_hours = requirement_for(
        db, site_id=site.id, start_utc=start, end_utc=start + timedelta(hours=4), slot_minutes=30
    )
    assert half_hours == [by_start[start + timedelta(minutes=30 * k)] for k in range(8)]
    assert min(half_hours) > 0
    quarters = requirement_for(
        db, site_id=site.id, start_utc=start, end_utc=start + timedelta(hours=4), slot_minutes=15
    )
    assert quarters == [v for v in half_hours for _ in range(2)]
    hours = requirement_for(
        db, site_id=site.id, start_utc=start, end_utc=start + timedelta(hours=4), slot_minutes=60
    )
    retail_only = {
        r.starts_at: r.agents for q in plan.queues if q.queue == retail for r in q.intervals
    }
    premium_only = {
        r.starts_at: r.agents for q in plan.queues if q.queue == premium for r in q.intervals
    }
    assert hours == [
        max(retail_only[start + timedelta(minutes=60 * k + m)] for m in (0, 30))
        + max(premium_only[start + timedelta(minutes=60 * k + m)] for m in (0, 30))
        for k in range(4)
    ]
    later = datetime(2026, 12, 7, 5, tzinfo=UTC)
    assert requirement_for(
        db, site_id=site.id, start_utc=later, end_utc=later + timedelta(hours=1), slot_minutes=30
    ) == [0, 0]
    assert requirement_for(
        db,
        site_id=center.other_site_id,
        start_utc=start,
        end_utc=start + timedelta(hours=1),
        slot_minutes=30,
    ) == [0, 0]


def test_export_csv_is_the_weeks_rows(center: Center, db: Session, as_role: Clients) -> None:
    client = as_role("admin")
    response = client.get("/planning/export", params=_page_params(center))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="plan-site{center.site_id}-{center.queue_id}-2026-11-23.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "interval_start",
        "starts_at_utc",
        "calls",
        "aht_seconds",
        "agents",
        "positions",
        "service_level",
        "occupancy",
    ]
    assert len(rows) == 1 + 7 * 48
    site, retail = _retail(db, center)
    plan = plan_week(db, site=site, queues=[retail], monday=PLAN_MONDAY, targets=TARGETS)
    nine = next(
        k for k, r in enumerate(plan.rows) if r.starts_at == datetime(2026, 11, 23, 6, tzinfo=UTC)
    )
    row = plan.rows[nine]
    assert rows[1 + nine] == [
        "2026-11-23T09:00+03:00",
        "2026-11-23T06:00Z",
        f"{row.calls:.2f}",
        f"{row.aht_seconds:.1f}",
        str(row.agents),
        str(row.positions),
        f"{row.service_level:.4f}",
        f"{row.occupancy:.4f}",
    ]
    assert row.agents > 0 and time(9) == datetime.fromisoformat(rows[1 + nine][0]).time()
    bad = client.get("/planning/export", params=_page_params(center, service_level="0"))
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]


def test_all_queues_at_once_are_forecast_by_a_job_and_then_reused(
    app: FastAPI, center: Center, db: Session, as_role: Clients
) -> None:
    client = as_role("supervisor")
    params = {**_page_params(center), "queue_id": ""}
    waiting = client.get("/planning", params=params)
    assert waiting.status_code == 200
    assert "has no forecast for this week yet" in waiting.text  # the page asks by a POST:
    assert 'id="forecast-form"' in waiting.text and 'hx-trigger="load, submit"' in waiting.text
    assert db.scalar(select(func.count()).select_from(Job)) == 0  # a GET writes nothing
    htmx = {"HX-Request": "true"}
    asked = client.post("/planning/forecast", data=params, headers=htmx)
    assert asked.status_code == 200
    assert "Forecasting 2 queue(s) from their history" in asked.text
    assert 'hx-trigger="jobEnded from:body"' in asked.text
    again = client.post("/planning/forecast", data=params, headers=htmx)
    assert "Forecasting 2 queue(s)" in again.text  # the same job, not a second one
    jobs = db.scalars(select(Job).where(Job.kind == "planning.forecast")).all()
    assert [(j.status, j.params["queue_ids"], j.params["week"]) for j in jobs] == [
        (
            "queued",
            sorted(db.scalars(select(Queue.id).where(Queue.site_id == center.site_id))),
            "2026-11-23",
        )
    ]
    assert Worker(app.state.sessionmaker).run_once()
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(StoredForecast)) == 2
    ready = client.get("/planning/requirement", params=params, headers={"HX-Request": "true"})
    assert "Forecasting" not in ready.text and len(_agents(ready.text)) == 7 * 48
    site, retail = _retail(db, center)
    stored = db.scalar(select(StoredForecast).where(StoredForecast.queue_id == retail.id))
    assert stored is not None and stored.method == "seasonal_baseline"
    before = stored.history_digest
    changed = _history_csv("Retail", 1).replace(
        b"2026-11-16,09:00,Retail,", b"2026-11-16,09:00,Retail,9"
    )
    assert import_history(db, user=None, site=site, content=changed).updated == 1
    db.commit()
    one = client.get(
        "/planning/requirement", params=_page_params(center), headers={"HX-Request": "true"}
    )
    assert "The history of 1 queue(s) has no forecast" in one.text  # the history changed
    one = client.post("/planning/forecast", data=_page_params(center), headers=htmx)
    assert "Forecasting 1 queue(s)" in one.text
    assert db.scalar(select(func.count()).select_from(Job)) == 2
    assert Worker(app.state.sessionmaker).run_once()
    db.expire_all()
    digest = select(StoredForecast.history_digest).where(StoredForecast.queue_id == retail.id)
    assert db.scalar(digest) != before
    done = client.get(
        "/planning/requirement", params=_page_params(center), headers={"HX-Request": "true"}
    )
    assert "Forecasting" not in done.text and len(_agents(done.text)) == 7 * 48
