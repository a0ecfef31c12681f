"""Planning's jobs: `planning.forecast` makes and stores the week's forecasts of several
queues; `planning.history` rebuilds a site's interval history from its stored calls, asked
for by a person or, after each site's local midnight, by the worker's schedule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.jobs.schedule import Tick, claim, scheduled
from app.jobs.service import JobContext, enqueue, job_handler
from app.models import AuditEntry, Job, JobStatus, Queue, Site, User
from app.planning.from_calls import RebuildResult, rebuild_range, stale_days
from app.planning.service import FORECAST_KIND, make_forecasts

RETRY_AFTER = timedelta(minutes=5)


def forecast_job(db: Session, *, user: User, site: Site, queues: list[Queue], monday: date) -> Job:
    """The job making these forecasts: one queued or running, or one that failed in the
    last RETRY_AFTER (so that a failing forecast is shown, not retried in a loop), else new."""
    params: dict[str, Any] = {
        "site_id": site.id,
        "queue_ids": sorted(q.id for q in queues),
        "week": monday.isoformat(),
    }
    under_way = db.scalars(
        select(Job)
        .where(
            Job.kind == FORECAST_KIND,
            Job.site_id == site.id,
            or_(
                Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
                and_(
                    Job.status == JobStatus.FAILED.value, Job.finished_at > utcnow() - RETRY_AFTER
                ),
            ),
        )
        .order_by(Job.id.desc())
    )
    for job in under_way:
        if job.params == params:
            return job
    return enqueue(db, kind=FORECAST_KIND, params=params, user=user, site_id=site.id)


@job_handler(FORECAST_KIND)
def make_week_forecasts(db: Session, context: JobContext) -> dict[str, Any]:
    """Forecast each queue's week (the method chosen by backtest) and store it."""
    params = context.params
    site = db.get(Site, params["site_id"])
    if site is None:
        raise LookupError("the site of this job no longer exists")
    monday = date.fromisoformat(params["week"])
    queues = db.scalars(
        select(Queue).where(Queue.site_id == site.id, Queue.id.in_(params["queue_ids"]))
    ).all()
    # progress only before any write: on SQLite it needs the one writer's lock
    context.progress(0.1, f"forecasting {len(queues)} queues")
    return {"forecasts": make_forecasts(db, queues=queues, monday=monday)}


HISTORY_KIND = "planning.history"  # a month of a large site's calls: a few seconds


def history_job_under_way(db: Session, *, site: Site) -> Job | None:
    """The site's rebuild of history from calls that is queued or running, if any."""
    return db.scalar(
        select(Job)
        .where(
            Job.kind == HISTORY_KIND,
            Job.site_id == site.id,
            Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
        .order_by(Job.id.desc())
    )


def history_job(db: Session, *, user: User | None, site: Site, first: date, last: date) -> Job:
    """The site's rebuild under way (one at a time per site), else a new one of first..last."""
    under_way = history_job_under_way(db, site=site)
    if under_way is not None:
        return under_way
    params = {"site_id": site.id, "first": first.isoformat(), "last": last.isoformat()}
    return enqueue(db, kind=HISTORY_KIND, params=params, user=user, site_id=site.id)


NIGHTLY_HISTORY = "planning.history.nightly"


@scheduled(name=NIGHTLY_HISTORY, every=timedelta(minutes=15))
def rebuild_after_midnight(db: Session, tick: Tick) -> list[int]:
    """Once a site's local day has begun, queue the rebuild of the feed's days up to yesterday
    that the history lacks (one per site and local day); the ids of the jobs queued."""
    queued = []
    for site in db.scalars(select(Site).where(Site.active).order_by(Site.id)).all():
        zone = ZoneInfo(site.timezone)
        today = tick.now.astimezone(zone).date()
        days = stale_days(db, site=site, today=today)
        midnight = datetime.combine(today, time(0), tzinfo=zone)
        if days is None or not claim(
            db, task=f"{NIGHTLY_HISTORY} site {site.id}", period_start=midnight,
            worker=tick.worker, now=tick.now,
        ):  # fmt: skip
            continue
        queued.append(history_job(db, user=None, site=site, first=days[0], last=days[1]).id)
    return queued


@job_handler(HISTORY_KIND)
def rebuild_history_job(db: Session, context: JobContext) -> dict[str, Any]:
    """Rebuild the days' interval history from the stored calls, with an audit entry."""
    site = db.get(Site, context.params["site_id"])
    if site is None:
        raise LookupError("the site of this job no longer exists")
    first = date.fromisoformat(context.params["first"])
    last = date.fromisoformat(context.params["last"])
    # progress only before any write: on SQLite it needs the one writer's lock
    context.progress(0.1, f"rebuilding {first.isoformat()} to {last.isoformat()}")
    result = rebuild_range(db, site=site, first=first, last=last)
    record_rebuild(db, user_id=context.user_id, site=site, result=result)
    return {
        "queue_days": result.queue_days,
        "intervals": result.intervals,
        "uploads_replaced": result.uploads_replaced,
        "url": f"/planning?site_id={site.id}",
    }


def record_rebuild(db: Session, *, user_id: int | None, site: Site, result: RebuildResult) -> None:
    """One audit entry for a rebuild asked for (the button or the CLI)."""
    db.add(
        AuditEntry(
            at=utcnow(),
            user_id=user_id,
            action="rebuild",
            entity="interval_history",
            entity_id=str(site.id),
            before=None,
            after={
                "from": result.first.isoformat(),
                "to": result.last.isoformat(),
                "queue_days": result.queue_days,
                "intervals": result.intervals,
                "uploads_replaced": result.uploads_replaced,
            },
        )
    )
