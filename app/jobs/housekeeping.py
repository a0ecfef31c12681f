"""Housekeeping the worker does once a day: rows nothing reads any more are deleted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.jobs.schedule import Tick, scheduled
from app.models import LoginFailure, ScheduledRun

# A failed sign-in slows down the next ones for a window of minutes (15 by default); a week
# is far past any window, and a guesser cycling through logins no longer grows the table.
LOGIN_FAILURES_KEPT = timedelta(days=7)
# Claims matter for their own period only (a site's day at most); a month shows what ran.
SCHEDULED_RUNS_KEPT = timedelta(days=30)


@scheduled(name="jobs.housekeeping", every=timedelta(days=1))
def delete_stale_rows(db: Session, tick: Tick) -> dict[str, int]:
    """Delete failed sign-ins older than a week and claims of scheduled runs over a month old."""
    failures = db.execute(
        delete(LoginFailure).where(LoginFailure.at < tick.now - LOGIN_FAILURES_KEPT)
    )
    runs = db.execute(
        delete(ScheduledRun).where(ScheduledRun.period_start < tick.now - SCHEDULED_RUNS_KEPT)
    )
    return {
        "login_failures": int(failures.rowcount),  # type: ignore[attr-defined]
        "scheduled_runs": int(runs.rowcount),  # type: ignore[attr-defined]
    }
