"""Scheduled work: tasks declared in code, each run at most once per period by all workers.

A period is a stretch of `every` counted from the Unix epoch in UTC (a daily task's period
starts at 00:00 UTC). The worker that first inserts the row (task, period start) into
scheduled_runs runs the task; the unique key makes that claim atomic on SQLite and
PostgreSQL, so two workers, in one process or many, never both run it. The claim and the
task's writes are one transaction: a worker that dies mid-run leaves the period to the next.
A task that raises keeps its claim with the error, so it is tried again next period, not at
every poll. "now" is a parameter throughout: tests move the clock instead of sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.models import ScheduledRun

log = logging.getLogger("smena.jobs")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RUNS: Table = cast(Table, ScheduledRun.__table__)
Outcome = Literal["ran", "taken", "failed"]


@dataclass(frozen=True)
class Tick:
    """What a scheduled task gets: the instant it runs at and the worker running it."""

    now: datetime
    worker: str


@dataclass(frozen=True)
class Scheduled:
    """A task run once per period of `every`; `run` writes in the session it is given."""

    name: str
    every: timedelta
    run: Callable[[Session, Tick], object]


TASKS: dict[str, Scheduled] = {}


def scheduled(
    *, name: str, every: timedelta
) -> Callable[[Callable[[Session, Tick], object]], Callable[[Session, Tick], object]]:
    """Register a function to be run once every `every` (at least a second) by some worker."""
    if every < timedelta(seconds=1):
        raise ValueError(f"scheduled task {name!r}: a period of at least a second, please")

    def register(run: Callable[[Session, Tick], object]) -> Callable[[Session, Tick], object]:
        TASKS[name] = Scheduled(name, every, run)
        return run

    return register


def period_start(now: datetime, every: timedelta) -> datetime:
    """The start of the period of length `every` (counted from the epoch) that `now` is in."""
    return EPOCH + (now - EPOCH) // every * every


def claim(
    db: Session, *, task: str, period_start: datetime, worker: str, now: datetime,
    error: str | None = None,
) -> bool:  # fmt: skip
    """Record that `worker` runs `task` for the period from `period_start`: True when this
    insert made the claim, False when the period was claimed already (by anyone)."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(RUNS)
        .values(
            task=task, period_start=period_start, worker=worker[:64], claimed_at=now, error=error
        )
        .on_conflict_do_nothing(index_elements=["task", "period_start"])
        .returning(RUNS.c.id)
    )
    return db.execute(statement).scalar() is not None


def run_task(factory: sessionmaker[Session], task: Scheduled, *, tick: Tick) -> Outcome:
    """Claim the task's current period and run it in the same transaction; "taken" when
    another worker has (or had) the period, "failed" when the task raised."""
    start = period_start(tick.now, task.every)
    try:
        with transaction(factory) as db:
            if not claim(db, task=task.name, period_start=start, worker=tick.worker, now=tick.now):
                return "taken"
            task.run(db, tick)
    except Exception as exc:  # reported and kept with the claim; the other tasks go on
        log.exception("scheduled task %s failed", task.name)
        with transaction(factory) as db:
            claim(
                db, task=task.name, period_start=start, worker=tick.worker, now=tick.now,
                error=f"{type(exc).__name__}: {exc}"[:4000],
            )  # fmt: skip
        return "failed"
    return "ran"


class Scheduler:
    """One worker's view of the schedule: it asks for each period of each task once."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        worker: str,
        tasks: Iterable[Scheduled] | None = None,
    ) -> None:
        self.factory = factory
        self.worker = worker
        self._tasks = None if tasks is None else list(tasks)
        self._asked: dict[str, datetime] = {}  # task -> the last period this worker tried

    def run_due(self, now: datetime) -> dict[str, Outcome]:
        """Run every task whose current period this worker has not tried yet; the outcomes."""
        outcomes: dict[str, Outcome] = {}
        for task in self._tasks if self._tasks is not None else list(TASKS.values()):
            start = period_start(now, task.every)
            if self._asked.get(task.name) == start:
                continue
            outcomes[task.name] = run_task(self.factory, task, tick=Tick(now, self.worker))
            self._asked[task.name] = start
        return outcomes


__all__ = [
    "TASKS",
    "Outcome",
    "Scheduled",
    "Scheduler",
    "Tick",
    "claim",
    "period_start",
    "run_task",
    "scheduled",
]
