"""The job queue on the database: enqueue, claim (one worker per job), progress, finish.

Claiming is a conditional UPDATE (`... WHERE id = ? AND status = 'queued'`), so two workers,
in one process or many, never run the same job; on PostgreSQL the candidate is picked with
FOR UPDATE SKIP LOCKED so that workers do not queue up behind each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Job, JobStatus, Site, Team, User

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class JobContext:
    """What a handler gets: the job's parameters, a way to report progress, its ids."""

    job_id: int
    site_id: int | None
    user_id: int | None
    params: dict[str, Any]
    progress: Progress

    def site_and_team(self, db: Session) -> tuple[Site, Team]:
        """The site and team named in the parameters; LookupError when either is gone."""
        site, team = db.get(Site, self.params["site_id"]), db.get(Team, self.params["team_id"])
        if site is None or team is None or team.site_id != site.id:
            raise LookupError("the site or team of this job no longer exists")
        return site, team


Handler = Callable[[Session, JobContext], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind` (it gets its own session)."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


def enqueue(
    db: Session, *, kind: str, params: dict[str, Any], user: User | None, site_id: int | None
) -> Job:
    """Queue a job (flushes; the caller's transaction commits it)."""
    if kind not in HANDLERS:
        raise KeyError(f"no handler registered for job kind {kind!r}")
    job = Job(
        kind=kind,
        params=params,
        site_id=site_id,
        created_by=user.id if user else None,
        status=JobStatus.QUEUED.value,
        progress=0.0,
        message="",
        created_at=utcnow(),
    )
    db.add(job)
    db.flush()
    return job


def claim_next(db: Session, *, worker: str, now: datetime) -> Job | None:
    """Take the oldest queued job for `worker`, or None when there is none."""
    candidates = select(Job.id).where(Job.status == JobStatus.QUEUED.value).order_by(Job.id)
    if db.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    job_id = db.scalar(candidates.limit(1))
    if job_id is None:
        return None
    claimed = db.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
        .values(status=JobStatus.RUNNING.value, worker=worker, started_at=now, heartbeat_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.get(Job, job_id, populate_existing=True)


def set_progress(db: Session, job_id: int, fraction: float, message: str, now: datetime) -> None:
    """Record how far a running job is (0..1) and what it is doing."""
    db.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING.value)
        .values(progress=min(1.0, max(0.0, fraction)), message=message[:255], heartbeat_at=now)
    )


def finish(db: Session, job_id: int, result: dict[str, Any], now: datetime) -> None:
    """Mark a job done with its result."""
    db.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.DONE.value, result=result, progress=1.0, finished_at=now)
    )


def fail(db: Session, job_id: int, error: str, now: datetime) -> None:
    """Mark a job failed with a message for the person who started it."""
    db.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.FAILED.value, error=error[:4000], finished_at=now)
    )


def fail_abandoned(db: Session, *, older_than: timedelta, now: datetime) -> int:
    """Fail running jobs whose worker stopped reporting (it crashed or was killed)."""
    result = db.execute(
        update(Job)
        .where(
            Job.status == JobStatus.RUNNING.value,
            Job.heartbeat_at < now - older_than,
        )
        .values(
            status=JobStatus.FAILED.value,
            error="the worker running this job stopped",
            finished_at=now,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def job_now(db: Session, job_id: int) -> Job | None:
    """The job as stored right now."""
    return db.get(Job, job_id, populate_existing=True)


__all__ = [
    "HANDLERS",
    "JobContext",
    "claim_next",
    "enqueue",
    "fail",
    "fail_abandoned",
    "finish",
    "job_handler",
    "job_now",
    "set_progress",
    "utcnow",
]
