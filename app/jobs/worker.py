"""Workers that run queued jobs: threads inside the app (embedded default) or `smena worker`.

Each worker also runs the scheduled tasks (app.jobs.schedule) from one more thread; the
claim on the database lets each period run once however many workers there are.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction, utcnow
from app.jobs import housekeeping, service  # noqa: F401  (housekeeping registers its task)
from app.jobs.schedule import Outcome, Scheduler
from app.jobs.service import HANDLERS, JobContext

log = logging.getLogger("smena.jobs")
ABANDONED_AFTER = timedelta(minutes=10)
SCHEDULE_SECONDS = 30.0  # how often a worker looks for a scheduled task's new period


class Worker:
    """Polls the queue and runs jobs, `concurrency` at a time (CP-SAT releases the GIL)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        concurrency: int = 1,
        poll_seconds: float = 0.5,
        schedule_seconds: float | None = SCHEDULE_SECONDS,
    ) -> None:
        self.factory = factory
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.schedule_seconds = schedule_seconds  # None: this worker runs no scheduled tasks
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.scheduler = Scheduler(factory, worker=self.name)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the polling threads (after failing jobs left running by a dead worker)."""
        with transaction(self.factory) as db:
            service.fail_abandoned(db, older_than=ABANDONED_AFTER, now=utcnow())
        for index in range(self.concurrency):
            thread = threading.Thread(target=self._loop, name=f"smena-job-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.schedule_seconds is not None:
            ticker = threading.Thread(target=self._schedule_loop, name="smena-tick", daemon=True)
            ticker.start()
            self._threads.append(ticker)

    def stop(self, timeout_seconds: float = 30.0) -> None:
        """Ask the threads to stop after their current job, and wait for them."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_seconds)
        self._threads.clear()

    def run_once(self) -> bool:
        """Run one queued job if there is one; True when a job was run."""
        job_id = None
        with transaction(self.factory) as db:
            job = service.claim_next(db, worker=self.name, now=utcnow())
            if job is not None:
                job_id, kind, context = (
                    job.id,
                    job.kind,
                    self._context(job.id, job.site_id, job.created_by, job.params),
                )
        if job_id is None:
            return False
        self._run(job_id, kind, context)
        return True

    def run_schedule(self, now: datetime) -> dict[str, Outcome]:
        """Run the scheduled tasks whose period this worker has not tried yet; the outcomes."""
        return self.scheduler.run_due(now)

    def _context(
        self, job_id: int, site_id: int | None, user_id: int | None, params: dict[str, object]
    ) -> JobContext:
        def progress(fraction: float, message: str) -> None:
            with transaction(self.factory) as db:
                service.set_progress(db, job_id, fraction, message, utcnow())

        return JobContext(job_id, site_id, user_id, dict(params), progress)

    def _run(self, job_id: int, kind: str, context: JobContext) -> None:
        try:
            with transaction(self.factory) as db:
                result = HANDLERS[kind](db, context)
        except Exception as exc:  # a failed job is reported, the worker goes on
            log.exception("job %s (%s) failed", job_id, kind)
            with transaction(self.factory) as db:
                service.fail(db, job_id, f"{type(exc).__name__}: {exc}", utcnow())
            return
        with transaction(self.factory) as db:
            service.finish(db, job_id, result, utcnow())

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the database went away for a moment: wait and retry
                log.exception("job worker could not poll the queue")
                ran = False
            if not ran:
                self._stop.wait(self.poll_seconds)

    def _schedule_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_schedule(utcnow())
            except Exception:  # the database went away for a moment: the next tick retries
                log.exception("job worker could not run the schedule")
            self._stop.wait(self.schedule_seconds)
