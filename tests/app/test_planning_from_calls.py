"""Interval history built from stored calls: the figures, the precedence, the hooks, the CLI."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import Result

from app.events.imports import import_cdr, import_queue_log, store_calls
from app.jobs.worker import Worker
from app.models import (
    Agent,
    AgentStateInterval,
    AuditEntry,
    IntervalHistory,
    Job,
    Queue,
    Site,
    StoredForecast,
)
from app.planning.from_calls import day_runs, rebuild_history
from app.planning.importer import import_history
from app.planning.jobs import HISTORY_KIND
from kpi.records import CallRecord
from tests.app.conftest import Center
from tests.app.test_cli import smena  # noqa: F401  (the CLI fixture)

Run = Callable[..., Result]
BERLIN = ZoneInfo("Europe/Berlin")  # clocks go back on 2026-10-25 (02:00-03:00 twice)
OCT_24, OCT_25 = date(2026, 10, 24), date(2026, 10, 25)


def at(day: date, clock: str, *, utc_hour: int | None = None) -> datetime:
    """Berlin wall time on `day`; `utc_hour` picks one of a repeated hour's two instants."""
    hours, minutes = (int(part) for part in clock.split(":"))
    if utc_hour is not None:
        return datetime(day.year, day.month, day.day, utc_hour, minutes, tzinfo=UTC)
    return datetime.combine(day, time(hours, minutes), tzinfo=BERLIN).astimezone(UTC)


def call(
    call_id: str,
    queue: str,
    offered: datetime,
    *,
    wait: int | None = None,
    talk: int | None = None,
    abandon: int | None = None,
    agent: str | None = None,
) -> CallRecord:
    """A call offered at `offered`: answered after `wait` s (talking `talk` s), or abandoned."""
    answered = offered + timedelta(seconds=wait) if wait is not None else None
    ended = answered + timedelta(seconds=talk) if answered and talk is not None else None
    gone = offered + timedelta(seconds=abandon) if abandon is not None else None
    return CallRecord(call_id, queue, offered, answered, ended, gone, agent)


CALLS = [
    # Oct 24, 09:00 Sales: two answered (one with a 30 s wrap-up), one abandoned
    call("s1", "Sales", at(OCT_24, "09:05"), wait=10, talk=120, agent="B1"),
    call("s2", "Sales", at(OCT_24, "09:29"), wait=40, talk=200, agent="B2"),
    call("s3", "Sales", at(OCT_24, "09:10"), abandon=3),
    # Oct 24, 09:30 Sales: only abandoned calls (AHT 0)
    call("s4", "Sales", at(OCT_24, "09:30"), abandon=50),
    call("s5", "Sales", at(OCT_24, "09:59"), abandon=2),
    # Oct 24, 09:00 Support: one answered, one still talking (offered, not in AHT)
    call("u1", "Support", at(OCT_24, "09:00"), wait=0, talk=300, agent="B3"),
    call("u2", "Support", at(OCT_24, "09:15"), wait=5, agent="B3"),
    # Oct 25, 02:10 twice (summer time, then winter time): one interval, two calls
    call("d1", "Sales", at(OCT_25, "02:10", utc_hour=0), wait=5, talk=60, agent="B1"),
    call("d2", "Sales", at(OCT_25, "02:10", utc_hour=1), wait=5, talk=100, agent="B2"),
    call("d3", "Support", at(OCT_25, "23:45"), wait=1, talk=90, agent="B3"),
]
WRAP_UP_SECONDS = {"s1": 30}


def expected(calls: list[CallRecord]) -> dict[tuple[str, date, time], tuple[int, float]]:
    """Offered and AHT per queue, local day and 30-minute wall-clock start, counted here."""
    offered: dict[tuple[str, date, time], int] = defaultdict(int)
    handles: dict[tuple[str, date, time], list[float]] = defaultdict(list)
    for c in calls:
        local = c.offered_at.astimezone(BERLIN)
        key = (c.queue, local.date(), time(local.hour, local.minute // 30 * 30))
        offered[key] += 1
        if c.answered_at and c.ended_at:
            talk = (c.ended_at - c.answered_at).total_seconds()
            handles[key].append(talk + WRAP_UP_SECONDS.get(c.call_id, 0))
    return {
        key: (count, sum(handles[key]) / len(handles[key]) if handles[key] else 0.0)
        for key, count in offered.items()
    }


@pytest.fixture
def berlin(db: Session) -> Site:
    """A site in Berlin with the calls above and the wrap-up that follows s1."""
    site = Site(name="Berlin", timezone="Europe/Berlin")
    db.add(site)
    db.flush()
    store_calls(db, site=site, calls=CALLS, lines={}, source="cdr")
    s1 = next(c for c in CALLS if c.call_id == "s1")
    assert s1.ended_at is not None
    agent_id = db.scalar(select(Agent.id).where(Agent.site_id == site.id, Agent.code == "B1"))
    assert agent_id is not None
    db.add(
        AgentStateInterval(
            site_id=site.id, agent_id=agent_id, state="wrap_up", start=s1.ended_at,
            end=s1.ended_at + timedelta(seconds=WRAP_UP_SECONDS["s1"]), source="events",
        )
    )  # fmt: skip
    db.commit()
    return site


def history(db: Session, site: Site) -> dict[tuple[str, date, time], tuple[int, float, str]]:
    db.expire_all()
    rows = db.execute(
        select(Queue.name, IntervalHistory)
        .join(Queue, Queue.id == IntervalHistory.queue_id)
        .where(IntervalHistory.site_id == site.id)
    ).all()
    return {
        (name, h.local_date, h.interval_start): (h.calls, h.aht_seconds, h.source)
        for name, h in rows
    }


def test_history_from_calls_is_the_count_per_queue_and_interval(db: Session, berlin: Site) -> None:
    result = rebuild_history(db, site=berlin, first=OCT_24, last=OCT_25)
    db.commit()
    found = history(db, berlin)
    want = expected(CALLS)
    assert set(found) == set(want)
    for key, (calls, aht) in want.items():
        assert found[key][0] == calls, key
        assert found[key][1] == pytest.approx(aht), key
        assert found[key][2] == "calls"
    assert found["Sales", OCT_24, time(9, 30)][:2] == (2, 0.0)  # only abandoned calls
    assert found["Sales", OCT_25, time(2, 0)][:2] == (2, pytest.approx(80.0))  # the hour twice
    assert found["Sales", OCT_24, time(9, 0)][1] == pytest.approx((150 + 200) / 2)  # wrap-up in
    assert (result.queue_days, result.intervals) == (4, len(want))
    repeated = db.scalar(
        select(IntervalHistory.starts_at).where(
            IntervalHistory.site_id == berlin.id, IntervalHistory.local_date == OCT_25,
            IntervalHistory.interval_start == time(2, 0),
        )
    )  # fmt: skip
    assert repeated == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # the first 02:00


def test_a_second_rebuild_changes_nothing_and_adds_no_row(db: Session, berlin: Site) -> None:
    rebuild_history(db, site=berlin, first=OCT_24, last=OCT_25)
    db.commit()
    before = history(db, berlin)
    again = rebuild_history(db, site=berlin, first=OCT_24, last=OCT_25)
    db.commit()
    assert history(db, berlin) == before
    assert again.uploads_replaced == 0
    count = db.scalar(select(func.count()).select_from(IntervalHistory))
    assert count == len(before)


UPLOAD = (
    "date,interval_start,queue,calls,aht_seconds\n"
    "2026-10-23,09:00,Sales,7,150\n"  # no calls that day: kept
    "2026-10-24,12:00,Sales,5,100\n"  # Sales has calls that day: replaced by them
    "2026-10-24,12:00,Other,9,90\n"  # Other has no calls that day: kept
)


def test_calls_replace_an_uploaded_day_and_uploads_fill_the_other_days(
    db: Session, berlin: Site
) -> None:
    db.add(Queue(site_id=berlin.id, name="Other"))
    db.flush()
    uploaded = import_history(db, user=None, site=berlin, content=UPLOAD.encode())
    assert (uploaded.errors, uploaded.created) == ((), 3)
    result = rebuild_history(db, site=berlin, first=date(2026, 10, 20), last=OCT_25)
    db.commit()
    found = history(db, berlin)
    assert result.uploads_replaced == 1
    assert ("Sales", OCT_24, time(12, 0)) not in found  # the day is the calls' now
    assert found["Sales", date(2026, 10, 23), time(9, 0)] == (7, 150.0, "upload")
    assert found["Other", OCT_24, time(12, 0)] == (9, 90.0, "upload")
    # uploading the file again leaves the day built from calls as it is
    again = import_history(db, user=None, site=berlin, content=UPLOAD.encode())
    db.commit()
    assert (again.errors, again.from_calls, again.created, again.unchanged) == ((), 1, 0, 2)
    assert history(db, berlin) == found


def test_day_runs_split_at_gaps() -> None:
    days = [date(2026, 1, 3), date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 9)]
    assert list(day_runs(days)) == [
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 1, 9), date(2026, 1, 9)),
    ]
    assert list(day_runs([])) == []


CDR = (
    "call_id,queue,offered_at,answered_at,ended_at,abandoned_at,agent\n"
    "c1,Retail,2026-12-01T12:00:00+03:00,2026-12-01T12:00:15+03:00,2026-12-01T12:03:00+03:00,,A003\n"
    "c2,Retail,2026-12-01T12:10:00+03:00,,,2026-12-01T12:10:04+03:00,\n"
    "c3,Retail,2026-12-03T08:00:00+03:00,2026-12-03T08:00:01+03:00,2026-12-03T08:01:01+03:00,,A003\n"
)


def test_a_cdr_import_builds_the_history_of_its_days(db: Session, center: Center) -> None:
    site = db.get_one(Site, center.site_id)
    result = import_cdr(db, site=site, content=CDR.encode())
    assert result.errors == ()
    db.commit()
    found = history(db, site)
    assert found == {
        ("Retail", date(2026, 12, 1), time(12, 0)): (2, 165.0, "calls"),
        ("Retail", date(2026, 12, 3), time(8, 0)): (1, 60.0, "calls"),
    }


def test_a_refused_cdr_file_writes_no_history(db: Session, center: Center) -> None:
    site = db.get_one(Site, center.site_id)
    bad = CDR + "c4,Retail,2026-12-02T09:00:00+03:00,2026-12-02T08:00:00+03:00,,,\n"
    result = import_cdr(db, site=site, content=bad.encode())
    assert result.errors
    db.rollback()
    assert history(db, site) == {}


QUEUE_LOG = (
    "1764579600|q1|Retail|NONE|ENTERQUEUE||5551|1\n"  # 2025-12-01 09:00 UTC: 12:00 Moscow
    "1764579610|q1|Retail|SIP/7|CONNECT|10|q2|1\n"
    "1764579700|q1|Retail|SIP/7|COMPLETECALLER|10|90|1\n"
)


def test_a_queue_log_import_builds_the_history_of_its_days(db: Session, center: Center) -> None:
    site = db.get_one(Site, center.site_id)
    result = import_queue_log(db, site=site, content=QUEUE_LOG.encode())
    assert result.errors == (), result.errors
    db.commit()
    assert history(db, site) == {("Retail", date(2025, 12, 1), time(12, 0)): (1, 90.0, "calls")}


def test_the_cli_rebuilds_a_range(smena: Run, db: Session, berlin: Site) -> None:  # noqa: F811
    result = smena(
        "history", "rebuild", "--site", "Berlin", "--from", "2026-10-24", "--to", "2026-10-25"
    )
    assert result.exit_code == 0, result.output
    assert "rebuilt 2026-10-24 to 2026-10-25" in result.output
    assert set(history(db, berlin)) == set(expected(CALLS))
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "rebuild"))
    assert audit is not None and audit.after["intervals"] == len(expected(CALLS))


def test_the_cli_rebuilds_from_the_first_call_by_default(
    smena: Run,  # noqa: F811
    db: Session,
    berlin: Site,
) -> None:
    result = smena("history", "rebuild", "--site", "Berlin")
    assert result.exit_code == 0, result.output
    assert "rebuilt 2026-10-24 to " in result.output
    assert set(history(db, berlin)) == set(expected(CALLS))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "Nowhere"], "--site: no site named 'Nowhere'"),
        (["--site", "Berlin", "--from", "24.10.2026"], "--from: not a date (YYYY-MM-DD)"),
        (["--site", "Berlin", "--to", "tomorrow"], "--to: not a date (YYYY-MM-DD)"),
        (["--site", "Berlin", "--from", "2026-10-25", "--to", "2026-10-24"], "--to: before --from"),
        (["--site", "Berlin", "--from", "1900-01-01"], "--from: a day from 1970-01-02 on"),
        (["--site", "Berlin", "--from", "2000-01-01", "--to", "2026-01-01"], "--from: at most"),
    ],
)
def test_the_cli_refuses_bad_input_naming_the_option(
    smena: Run,  # noqa: F811
    db: Session,
    berlin: Site,
    args: list[str],
    message: str,
) -> None:
    result = smena("history", "rebuild", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert history(db, berlin) == {}


def _bank_month(first: date, days: int) -> list[CallRecord]:
    """A stand-in for one of the bank's months: three calls a day, at 09:10, 12:10 and 15:10."""
    zone = ZoneInfo("Europe/Moscow")
    calls = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        for hour, kind in ((9, "PS"), (12, "NW"), (15, "PS")):
            offered = datetime.combine(day, time(hour, 10), tzinfo=zone)
            calls.append(call(f"{day}-{hour}", kind, offered, wait=15, talk=100 + hour, agent="S1"))
    return calls


@pytest.mark.parametrize("bank_days", [31, 10])
def test_the_demo_history_comes_from_its_calls_and_agrees_with_reports(
    db: Session, monkeypatch: pytest.MonkeyPatch, bank_days: int
) -> None:
    from app import demo
    from app.reports import demo_history
    from app.reports.service import kpi_report
    from tests.app.conftest import password_hash

    monkeypatch.setattr(demo, "hash_password", lambda _: password_hash())
    months = [_bank_month(date(1999, 1, 1), bank_days), _bank_month(date(1999, 10, 1), bank_days)]
    monkeypatch.setattr(demo_history, "bank_months", lambda zone: months)
    today = date(2026, 11, 30)
    demo.seed(db, today=today, agents=12, call_history=True)
    db.commit()
    site = db.scalars(select(Site).where(Site.name == demo.SITE_NAME)).one()
    rows = db.execute(
        select(
            Queue.name, IntervalHistory.local_date, IntervalHistory.calls, IntervalHistory.source
        )
        .join(Queue, Queue.id == IntervalHistory.queue_id)
        .where(IntervalHistory.site_id == site.id)
    ).all()
    first_call_day = today - timedelta(days=2 * bank_days)
    from_calls = {(name, day) for name, day, _, source in rows if source == "calls"}
    pattern = {(name, day) for name, day, _, source in rows if source == "upload"}
    assert from_calls and not from_calls & pattern  # one source a queue-day
    assert {day for _, day in from_calls} == {
        first_call_day + timedelta(days=k) for k in range(2 * bank_days)
    }
    # the bank's pattern fills the eight weeks only where calls do not reach
    weeks = {today - timedelta(days=k) for k in range(1, 57)}
    assert pattern == {
        (name, day)
        for name in demo.QUEUES
        for day in weeks
        if name in ("Internet", "Brokerage") or day < first_call_day
    }
    report = kpi_report(
        db, site=site, period="day", dimension="queue", first=first_call_day, last=today
    )
    offered = {(row.label, row.period): row.figures.offered for row in report.rows}
    history_calls: dict[tuple[str, date], int] = defaultdict(int)
    for name, day, calls, source in rows:
        if source == "calls":
            history_calls[name, day] += calls
    assert history_calls == offered


# The screens: the rebuild button, the live feed's days, and GETs that write nothing.

Clients = Callable[[str], TestClient]
HTMX = {"HX-Request": "true"}


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def _moscow_calls(db: Session, center: Center, days: list[date]) -> None:
    """Two Retail calls at 10:05 Moscow time on each day, stored as the live feed would."""
    site = db.get_one(Site, center.site_id)
    moscow = ZoneInfo("Europe/Moscow")
    calls = [
        call(f"{day}-{k}", "Retail", datetime.combine(day, time(10, 5 + k), tzinfo=moscow),
             wait=5, talk=100 * (k + 1))
        for day in days
        for k in range(2)
    ]  # fmt: skip
    store_calls(db, site=site, calls=calls, lines={}, source="events")
    db.commit()


def test_the_rebuild_button_queues_a_job_that_builds_the_days(
    app: FastAPI, db: Session, center: Center, as_role: Clients
) -> None:
    _moscow_calls(db, center, [date(2026, 11, 2), date(2026, 11, 3)])
    client = as_role("supervisor")
    page = client.get("/planning/history", params={"site_id": center.site_id})
    assert page.status_code == 200
    assert (
        "Rebuild from calls" in page.text
        and "Stored calls from 2026-11-02 to 2026-11-03" in page.text
    )
    assert _count(db, Job) == 0
    form = {"site_id": str(center.site_id), "first": "2026-11-01", "last": "2026-11-30"}
    asked = client.post("/planning/history/rebuild", data=form, headers=HTMX)
    assert asked.status_code == 200
    assert 'id="history-rebuild"' in asked.text and "/jobs/" in asked.text  # polls its job
    assert client.post("/planning/history/rebuild", data=form, headers=HTMX).status_code == 200
    jobs = db.scalars(select(Job).where(Job.kind == HISTORY_KIND)).all()
    assert [(j.status, j.params) for j in jobs] == [
        ("queued", {"site_id": center.site_id, "first": "2026-11-01", "last": "2026-11-30"})
    ]  # one rebuild of a site at a time
    assert Worker(app.state.sessionmaker).run_once()
    db.expire_all()
    assert db.get_one(Job, jobs[0].id).status == "done"
    site = db.get_one(Site, center.site_id)
    assert history(db, site) == {
        ("Retail", day, time(10, 0)): (2, 150.0, "calls")
        for day in (date(2026, 11, 2), date(2026, 11, 3))
    }
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "rebuild"))
    assert audit is not None and audit.user_id == center.users["supervisor"]


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        ("", "2026-11-30", "first", "Required."),
        ("30.11.2026", "2026-11-30", "first", "A date (YYYY-MM-DD), please."),
        ("2026-11-30", "2026-11-01", "last", "The last day is before the first."),
        ("1969-12-31", "2026-11-30", "first", "A day from 1970-01-02 on."),
        ("2000-01-01", "2026-11-30", "first", "At most 3660 days at a time."),
    ],
)
def test_bad_rebuild_days_are_named_and_queue_nothing(
    db: Session, center: Center, as_role: Clients, first: str, last: str, field: str, message: str
) -> None:
    client = as_role("manager")
    form = {"site_id": str(center.site_id), "first": first, "last": last}
    refused = client.post("/planning/history/rebuild", data=form, headers=HTMX)
    assert refused.status_code == 422
    assert f'id="r-{field}-error" role="alert">{message}</p>' in refused.text
    assert f'value="{first}"' in refused.text  # what was typed is kept
    whole = client.post("/planning/history/rebuild", data=form)  # without htmx: the page
    assert whole.status_code == 422 and "Upload interval history" in whole.text
    assert _count(db, Job) == 0


def test_the_rebuild_is_guarded_by_role_site_and_csrf(
    db: Session, center: Center, as_role: Clients
) -> None:
    form = {"site_id": str(center.site_id), "first": "2026-11-01", "last": "2026-11-30"}
    operator = as_role("operator")
    assert operator.post("/planning/history/rebuild", data=form).status_code == 403
    supervisor = as_role("supervisor")  # of the Moscow site only
    other = form | {"site_id": str(center.other_site_id)}
    assert supervisor.post("/planning/history/rebuild", data=other).status_code == 404
    del supervisor.headers["X-CSRF-Token"]
    expired = supervisor.post("/planning/history/rebuild", data=form)
    assert expired.status_code == 403 and "The form has expired" in expired.text
    assert _count(db, Job) == 0


def test_planning_asks_for_the_live_feeds_days_and_its_gets_write_nothing(
    app: FastAPI, db: Session, center: Center, as_role: Clients
) -> None:
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    days = [today - timedelta(days=3), today - timedelta(days=2)]
    _moscow_calls(db, center, [*days, today])
    client = as_role("supervisor")
    params = {"site_id": str(center.site_id), "queue_id": str(center.queue_id)}
    week = {"week": (today - timedelta(days=today.weekday())).isoformat()}
    page = client.get("/planning", params=params)
    assert page.status_code == 200
    stale = f"The calls of {days[0].isoformat()} to {(today - timedelta(days=1)).isoformat()}"
    assert stale in page.text and 'id="history-refresh"' in page.text
    for url in ("/planning", "/planning/requirement", "/planning/export", "/planning/history"):
        assert client.get(url, params=params | week).status_code == 200, url
    assert (_count(db, Job), _count(db, StoredForecast), _count(db, IntervalHistory)) == (0, 0, 0)
    form = {"site_id": str(center.site_id), "first": days[0].isoformat()}
    form["last"] = (today - timedelta(days=1)).isoformat()
    assert client.post("/planning/history/rebuild", data=form, headers=HTMX).status_code == 200
    assert Worker(app.state.sessionmaker).run_once()
    site = db.get_one(Site, center.site_id)
    assert {day for _, day, _ in history(db, site)} == set(days)  # not today: it is not over
    assert 'id="history-refresh"' not in client.get("/planning", params=params).text
    # the export makes the missing forecast for its file and keeps nothing
    export = client.get("/planning/export", params=params | week)
    assert export.status_code == 200 and export.text.startswith("interval_start,")
    assert (_count(db, Job), _count(db, StoredForecast)) == (1, 0)
    assert "has no forecast for this week yet" in client.get("/planning", params=params).text
    assert _count(db, Job) == 1


def test_the_calls_upload_page_builds_the_history(
    db: Session, center: Center, as_role: Clients
) -> None:
    client = as_role("supervisor")
    files = {"file": ("calls.csv", CDR.encode(), "text/csv")}
    uploaded = client.post("/calls/import", data={"site_id": str(center.site_id)}, files=files)
    assert uploaded.status_code == 200, uploaded.text
    site = db.get_one(Site, center.site_id)
    assert set(history(db, site)) == {
        ("Retail", date(2026, 12, 1), time(12, 0)),
        ("Retail", date(2026, 12, 3), time(8, 0)),
    }


def test_calls_outside_the_days_history_holds_are_stored_without_history(
    db: Session, center: Center
) -> None:
    site = db.get_one(Site, center.site_id)
    old = CDR + "c0,Retail,1965-01-01T00:00:00+03:00,,,1965-01-01T00:00:09+03:00,\n"
    result = import_cdr(db, site=site, content=old.encode())
    assert (result.errors, result.created) == ((), 4)
    db.commit()
    assert {day for _, day, _ in history(db, site)} == {date(2026, 12, 1), date(2026, 12, 3)}
