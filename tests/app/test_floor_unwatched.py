"""The Floor's alerts are recorded each minute by the worker's schedule, watched or not."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.floor import alert_store, service, unwatched
from app.floor.hub import FloorHub
from app.jobs.schedule import TASKS, Scheduler
from app.models import FloorAlert, Site
from tests.app.conftest import Center
from tests.app.floor_setup import T0, morning_events, publish_break, store

OUT = T0 + timedelta(minutes=216)  # A003 on the phones through the break begun at 210


def _morning(db: Session, center: Center, *, with_break: bool = True) -> Site:
    site = db.get(Site, center.site_id)
    assert site is not None
    store(db, site, morning_events())
    if with_break:
        publish_break(db, site, center.agent_id)
    db.commit()
    return site


def _run(app: FastAPI, now: datetime, worker: str = "w1") -> str:
    """The task run by a worker of its own at `now` (through the claim, as the worker does)."""
    scheduler = Scheduler(app.state.sessionmaker, worker=worker, tasks=[TASKS[unwatched.TASK]])
    return scheduler.run_due(now)[unwatched.TASK]


def _adherence(db: Session, site_id: int) -> list[FloorAlert]:
    db.expire_all()
    return list(
        db.scalars(
            select(FloorAlert).where(FloorAlert.site_id == site_id, FloorAlert.subject == "A003")
        )
    )


def _hub(app: FastAPI, now: datetime) -> FloorHub:
    return FloorHub(app.state.sessionmaker, lambda *a, **k: "", clock=lambda: now)


def test_the_task_is_registered_for_every_minute() -> None:
    assert unwatched.TASK in TASKS
    assert TASKS[unwatched.TASK].every == timedelta(minutes=1)


def test_an_episode_nobody_watched_is_opened_then_cleared(
    app: FastAPI, db: Session, center: Center
) -> None:
    site = _morning(db, center)
    assert _adherence(db, site.id) == []
    first = OUT + timedelta(seconds=45)
    assert _run(app, first) == "ran"
    (alert,) = _adherence(db, site.id)
    assert alert.kind == "out_of_adherence" and alert.cleared_at is None
    assert alert.first_seen_at == first and alert.last_seen_at == first
    # half a minute later, in the next minute: its own last run is no reason to skip
    later = first + timedelta(seconds=30)
    assert _run(app, later) == "ran"
    (alert,) = _adherence(db, site.id)
    assert alert.last_seen_at == later and alert.first_seen_at == first
    # the break is over (225) and A003 is where the schedule wants them: the episode ends
    after = T0 + timedelta(minutes=230)
    assert _run(app, after) == "ran"
    (alert,) = _adherence(db, site.id)
    assert alert.cleared_at == after and alert.last_seen_at == later


def test_a_hub_and_the_task_in_the_same_minute_leave_one_episode(
    app: FastAPI, db: Session, center: Center
) -> None:
    site = _morning(db, center)
    assert _run(app, OUT) == "ran"
    snapshot, _wait = _hub(app, OUT + timedelta(seconds=20)).snapshot(site.id, record=True)
    assert snapshot.recorded
    (alert,) = _adherence(db, site.id)
    assert alert.cleared_at is None and alert.first_seen_at == OUT
    assert alert.last_seen_at == OUT + timedelta(seconds=20)
    # and both recording at the very same instant, the hub first then the task
    same = T0 + timedelta(minutes=219)
    _hub(app, same).snapshot(site.id, record=True)
    with app.state.sessionmaker() as other:
        unwatched.record_site(other, site=other.get(Site, site.id), now=same)
        other.commit()
    (alert,) = _adherence(db, site.id)
    assert alert.first_seen_at == OUT and alert.last_seen_at == same and alert.cleared_at is None
    raised = {a.key for a in service.load_floor(db, site=site, now=same).alerts}
    assert {a.key for a in alert_store.open_alerts(db, site_id=site.id)} == raised


def test_a_site_a_hub_just_recorded_is_left_to_the_hub(
    app: FastAPI, db: Session, center: Center
) -> None:
    site = _morning(db, center)
    _hub(app, OUT).snapshot(site.id, record=True)
    (alert,) = _adherence(db, site.id)
    assert alert.first_seen_at == OUT
    soon = OUT + timedelta(seconds=40)
    assert unwatched.sites_to_record(db, now=soon) == []
    assert _run(app, soon) == "ran"
    (alert,) = _adherence(db, site.id)
    assert alert.last_seen_at == OUT  # not touched: the hub is watching
    # the hub stopped: a minute on, the task takes over the same episode
    later = OUT + timedelta(seconds=80)
    assert [s.id for s in unwatched.sites_to_record(db, now=later)] == [site.id]
    assert _run(app, later) == "ran"
    (alert,) = _adherence(db, site.id)
    assert alert.first_seen_at == OUT and alert.last_seen_at == later


def test_a_site_without_recent_feed_activity_is_skipped(
    app: FastAPI, db: Session, center: Center
) -> None:
    site = _morning(db, center, with_break=False)
    quiet = T0 + timedelta(minutes=215) + unwatched.ACTIVE_WITHIN + timedelta(minutes=1)
    # computed, its Floor would raise an alert (call 5 has waited since 215)...
    assert service.load_floor(db, site=site, now=quiet).alerts
    # ...but its feed has been silent for over 15 minutes, and the other site never spoke
    assert unwatched.sites_to_record(db, now=quiet) == []
    assert _run(app, quiet) == "ran"
    db.expire_all()
    assert db.scalars(select(FloorAlert)).all() == []
    # while it spoke lately, it is recorded
    assert [s.id for s in unwatched.sites_to_record(db, now=T0 + timedelta(minutes=217))] == [
        site.id
    ]
