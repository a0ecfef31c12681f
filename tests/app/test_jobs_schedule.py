"""Scheduled work: each period of a task runs once across workers, never before it begins;
the nightly rebuild of interval history comes after each site's own midnight."""

from __future__ import annotations

import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.events.imports import store_calls
from app.jobs import service
from app.jobs.housekeeping import delete_stale_rows
from app.jobs.schedule import TASKS, Outcome, Scheduled, Scheduler, Tick, period_start, scheduled
from app.jobs.worker import Worker
from app.models import AuditEntry, IntervalHistory, Job, LoginFailure, ScheduledRun, Site
from app.planning.jobs import HISTORY_KIND, NIGHTLY_HISTORY
from kpi.records import CallRecord
from tests.app.conftest import Center

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
TOKYO, NEW_YORK = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
NOV_10 = date(2026, 11, 10)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def _tick_once(db: Session, tick: Tick) -> None:
    """A task whose every run leaves an audit row naming its worker and instant."""
    db.add(AuditEntry(at=tick.now, action="tick", entity="test", entity_id=tick.worker))


def _ticks(db: Session) -> list[tuple[datetime, str]]:
    db.expire_all()
    rows = db.execute(
        select(AuditEntry.at, AuditEntry.entity_id).where(AuditEntry.action == "tick")
    )
    return sorted((at, worker) for at, worker in rows)


def _scheduler(app: FastAPI, worker: str, *tasks: Scheduled) -> Scheduler:
    return Scheduler(app.state.sessionmaker, worker=worker, tasks=tasks)


def test_a_period_counts_from_the_epoch_in_utc() -> None:
    now = utc(2026, 11, 10, 14, 59, 59)
    assert period_start(now, timedelta(minutes=15)) == utc(2026, 11, 10, 14, 45)
    assert period_start(now, timedelta(days=1)) == utc(2026, 11, 10)
    assert period_start(utc(2026, 11, 10, 15), timedelta(minutes=15)) == utc(2026, 11, 10, 15)
    tokyo_now = now.astimezone(TOKYO)  # the same instant, whatever zone it is given in
    assert period_start(tokyo_now, HOUR) == utc(2026, 11, 10, 14)


def test_the_decorator_registers_a_task_and_refuses_a_period_under_a_second() -> None:
    assert {NIGHTLY_HISTORY, "jobs.housekeeping"} <= set(TASKS)
    assert TASKS[NIGHTLY_HISTORY].every == timedelta(minutes=15)
    with pytest.raises(ValueError, match="at least a second"):
        scheduled(name="test.too-often", every=timedelta(milliseconds=10))


def test_a_task_runs_once_per_period_and_not_before_the_next_begins(
    app: FastAPI, db: Session
) -> None:
    task = Scheduled("test.tick", HOUR, _tick_once)
    first, second = _scheduler(app, "w1", task), _scheduler(app, "w2", task)
    assert first.run_due(utc(2026, 11, 10, 10)) == {"test.tick": "ran"}
    assert first.run_due(utc(2026, 11, 10, 10, 30)) == {}  # asked for this period already
    assert second.run_due(utc(2026, 11, 10, 10, 59, 59)) == {"test.tick": "taken"}
    assert second.run_due(utc(2026, 11, 10, 11)) == {"test.tick": "ran"}
    assert first.run_due(utc(2026, 11, 10, 11, 0, 1)) == {"test.tick": "taken"}
    assert _ticks(db) == [(utc(2026, 11, 10, 10), "w1"), (utc(2026, 11, 10, 11), "w2")]
    db.expire_all()
    claims = db.execute(select(ScheduledRun.period_start, ScheduledRun.worker)).all()
    assert sorted(claims) == [(utc(2026, 11, 10, 10), "w1"), (utc(2026, 11, 10, 11), "w2")]


def _race(app: FastAPI, task: Scheduled, now: datetime, workers: int) -> list[Outcome]:
    """The outcomes of `workers` schedulers, each in its own thread, asking at once."""
    start = threading.Barrier(workers)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def race(name: str) -> None:
        try:
            scheduler = _scheduler(app, name, task)
            start.wait()
            outcomes.extend(scheduler.run_due(now).values())
        except BaseException as exc:  # seen by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(f"w{k}",)) for k in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return outcomes


def test_workers_racing_for_a_period_run_it_once(app: FastAPI, db: Session) -> None:
    def slow_tick(session: Session, tick: Tick) -> None:
        _tick_once(session, tick)
        session.flush()
        clock.sleep(0.2)  # hold the claim while the others try theirs

    task = Scheduled("test.race", HOUR, slow_tick)
    for hour in (9, 10, 11):
        outcomes = _race(app, task, utc(2026, 11, 10, hour, 7), workers=4)
        assert sorted(outcomes) == ["ran", "taken", "taken", "taken"]
    assert [at for at, _worker in _ticks(db)] == [utc(2026, 11, 10, h, 7) for h in (9, 10, 11)]


def test_a_failing_task_keeps_its_claim_with_the_error_until_the_next_period(
    app: FastAPI, db: Session
) -> None:
    calls: list[datetime] = []

    def failing(session: Session, tick: Tick) -> None:
        calls.append(tick.now)
        _tick_once(session, tick)  # undone with the rest of the run
        raise ValueError("no site to look at")

    task = Scheduled("test.failing", HOUR, failing)
    assert _scheduler(app, "w1", task).run_due(utc(2026, 11, 10, 10)) == {"test.failing": "failed"}
    assert _scheduler(app, "w2", task).run_due(utc(2026, 11, 10, 10, 5)) == {
        "test.failing": "taken"
    }
    assert calls == [utc(2026, 11, 10, 10)]
    db.expire_all()
    claim = db.scalar(select(ScheduledRun))
    assert claim is not None and claim.worker == "w1"
    assert claim.error == "ValueError: no site to look at"
    assert _ticks(db) == []
    assert _scheduler(app, "w2", task).run_due(utc(2026, 11, 10, 11)) == {"test.failing": "failed"}
    assert calls == [utc(2026, 11, 10, 10), utc(2026, 11, 10, 11)]


def _site_with_calls(db: Session, name: str, zone: ZoneInfo, days: list[date]) -> Site:
    """A site in `zone` with two answered calls at 10:05 local time on each day."""
    site = Site(name=name, timezone=zone.key)
    db.add(site)
    db.flush()
    calls = []
    for day in days:
        for k in range(2):
            offered = datetime.combine(day, time(10, 5 + k), tzinfo=zone).astimezone(UTC)
            answered = offered + timedelta(seconds=5)
            ended = answered + timedelta(seconds=100)
            calls.append(CallRecord(f"{name}-{day}-{k}", "Sales", offered, answered, ended, None))
    store_calls(db, site=site, calls=calls, lines={}, source="events")
    db.commit()
    return site


def _rebuilds(db: Session) -> list[tuple[int | None, str, str, str]]:
    db.expire_all()
    jobs = db.scalars(select(Job).where(Job.kind == HISTORY_KIND).order_by(Job.id))
    return [(j.site_id, j.params["first"], j.params["last"], j.status) for j in jobs]


def _nightly(app: FastAPI, worker: str = "w1") -> Scheduler:
    return _scheduler(app, worker, TASKS[NIGHTLY_HISTORY])


def test_each_site_gets_its_rebuild_after_its_own_midnight(
    app: FastAPI, db: Session, center: Center
) -> None:
    tokyo = _site_with_calls(db, "Tokyo", TOKYO, [NOV_10])
    new_york = _site_with_calls(db, "New York", NEW_YORK, [NOV_10])
    # 23:59:59 in Tokyo, 09:59:59 in New York: neither's Nov 10 is over
    assert _nightly(app).run_due(utc(2026, 11, 10, 14, 59, 59)) == {NIGHTLY_HISTORY: "ran"}
    assert _rebuilds(db) == []
    # midnight in Tokyo (UTC+9)
    assert _nightly(app).run_due(utc(2026, 11, 10, 15)) == {NIGHTLY_HISTORY: "ran"}
    assert _rebuilds(db) == [(tokyo.id, "2026-11-10", "2026-11-10", "queued")]
    assert _nightly(app, "w2").run_due(utc(2026, 11, 10, 15, 5)) == {NIGHTLY_HISTORY: "taken"}
    assert Worker(app.state.sessionmaker).run_once()
    # the rest of New York's Nov 10: Tokyo is not asked again, New York's day is not over
    for now in (utc(2026, 11, 10, 15, 15), utc(2026, 11, 11, 4, 59, 59)):
        assert _nightly(app).run_due(now) == {NIGHTLY_HISTORY: "ran"}
    assert _rebuilds(db) == [(tokyo.id, "2026-11-10", "2026-11-10", "done")]
    # midnight in New York (UTC-5 in November)
    assert _nightly(app).run_due(utc(2026, 11, 11, 5)) == {NIGHTLY_HISTORY: "ran"}
    assert _rebuilds(db)[1:] == [(new_york.id, "2026-11-10", "2026-11-10", "queued")]
    assert Worker(app.state.sessionmaker).run_once()
    db.expire_all()
    built = db.execute(
        select(IntervalHistory.site_id, IntervalHistory.local_date, func.sum(IntervalHistory.calls))
        .where(IntervalHistory.source == "calls")
        .group_by(IntervalHistory.site_id, IntervalHistory.local_date)
    ).all()
    assert sorted(built) == [(tokyo.id, NOV_10, 2), (new_york.id, NOV_10, 2)]
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "rebuild")).all()
    assert [(a.entity_id, a.user_id) for a in audit] == [
        (str(tokyo.id), None),
        (str(new_york.id), None),
    ]


def test_the_rebuild_covers_the_feeds_days_missing_since_the_last_built(
    app: FastAPI, db: Session, center: Center
) -> None:
    tokyo = _site_with_calls(db, "Tokyo", TOKYO, [date(2026, 11, 3), date(2026, 11, 5), NOV_10])
    _nightly(app).run_due(utc(2026, 11, 10, 15))
    assert _rebuilds(db) == [(tokyo.id, "2026-11-03", "2026-11-10", "queued")]
    assert Worker(app.state.sessionmaker).run_once()
    db.expire_all()
    days = db.scalars(
        select(IntervalHistory.local_date).where(IntervalHistory.site_id == tokyo.id).distinct()
    ).all()
    assert sorted(days) == [date(2026, 11, 3), date(2026, 11, 5), NOV_10]
    _site_calls_on(db, tokyo, date(2026, 11, 12))
    # two days later: from the last day built (again, for its late events) to yesterday
    _nightly(app).run_due(utc(2026, 11, 12, 15, 1))
    assert _rebuilds(db)[1:] == [(tokyo.id, "2026-11-10", "2026-11-12", "queued")]


def _site_calls_on(db: Session, site: Site, day: date) -> None:
    offered = datetime.combine(day, time(9), tzinfo=ZoneInfo(site.timezone)).astimezone(UTC)
    record = CallRecord(f"late-{day}", "Sales", offered, None, None, offered + HOUR / 60)
    store_calls(db, site=site, calls=[record], lines={}, source="events")
    db.commit()


def test_a_failed_rebuild_is_asked_for_again_the_next_night_not_every_tick(
    app: FastAPI, db: Session, center: Center
) -> None:
    tokyo = _site_with_calls(db, "Tokyo", TOKYO, [NOV_10])
    _nightly(app).run_due(utc(2026, 11, 10, 15))
    with app.state.sessionmaker() as session:
        job = session.scalars(select(Job).where(Job.kind == HISTORY_KIND)).one()
        service.fail(session, job.id, "the database went away", utc(2026, 11, 10, 15, 1))
        session.commit()
    for minutes in (15, 30, 45):
        _nightly(app).run_due(utc(2026, 11, 10, 15, minutes))
    assert _rebuilds(db) == [(tokyo.id, "2026-11-10", "2026-11-10", "failed")]
    _nightly(app).run_due(utc(2026, 11, 11, 15))  # the failed day and the one since
    assert _rebuilds(db)[1:] == [(tokyo.id, "2026-11-10", "2026-11-11", "queued")]


def test_a_rebuild_under_way_is_not_queued_twice(app: FastAPI, db: Session, center: Center) -> None:
    tokyo = _site_with_calls(db, "Tokyo", TOKYO, [NOV_10])
    with app.state.sessionmaker() as session:  # someone pressed the button before midnight
        service.enqueue(
            session, kind=HISTORY_KIND, user=None, site_id=tokyo.id,
            params={"site_id": tokyo.id, "first": "2026-11-01", "last": "2026-11-09"},
        )  # fmt: skip
        session.commit()
    _nightly(app).run_due(utc(2026, 11, 10, 15))
    assert _rebuilds(db) == [(tokyo.id, "2026-11-01", "2026-11-09", "queued")]


def test_housekeeping_deletes_old_sign_in_failures_and_claims(app: FastAPI, db: Session) -> None:
    now = utc(2026, 11, 10, 0, 3)
    db.add_all(
        [
            LoginFailure(login="old", client_ip="10.0.0.1", at=now - timedelta(days=8)),
            LoginFailure(login="recent", client_ip="10.0.0.1", at=now - timedelta(days=6)),
            ScheduledRun(task="t", period_start=now - 31 * DAY, worker="w", claimed_at=now),
            ScheduledRun(task="t", period_start=now - 2 * DAY, worker="w", claimed_at=now),
        ]
    )
    db.commit()
    assert _scheduler(app, "w1", TASKS["jobs.housekeeping"]).run_due(now) == {
        "jobs.housekeeping": "ran"
    }
    db.expire_all()
    assert db.scalars(select(LoginFailure.login)).all() == ["recent"]
    kept = db.scalars(select(ScheduledRun.period_start).where(ScheduledRun.task == "t")).all()
    assert kept == [now - 2 * DAY]
    assert TASKS["jobs.housekeeping"].run is delete_stale_rows


def test_a_started_worker_runs_the_schedule_and_run_once_does_not(
    app: FastAPI, db: Session, center: Center
) -> None:
    factory: sessionmaker[Session] = app.state.sessionmaker
    assert Worker(factory).run_once() is False
    assert _claimed(db) == set()
    worker = Worker(factory, schedule_seconds=0.05)
    worker.start()
    try:
        for _attempt in range(200):
            if {NIGHTLY_HISTORY, "jobs.housekeeping"} <= _claimed(db):
                break
            clock.sleep(0.05)
    finally:
        worker.stop()
    assert {NIGHTLY_HISTORY, "jobs.housekeeping"} <= _claimed(db)


def _claimed(db: Session) -> set[str]:
    db.expire_all()
    rows: Any = db.scalars(select(ScheduledRun.task))
    return set(rows)
