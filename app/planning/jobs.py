"""The `planning.forecast` job: make and store the week's forecasts of several queues."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.jobs.service import JobContext, enqueue, job_handler
from app.models import Job, JobStatus, Queue, Site, User
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
