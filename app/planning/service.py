"""Planning: a week's forecast and requirement, saving it, its CSV, and `requirement_for`.

"All queues" plans every queue on its own and adds them up; saving it saves each queue's
plan, so a saved requirement is always per queue and `requirement_for` can add queues
without counting any twice.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.audit import record, snapshot
from app.models import Queue, Site, StaffingPlan, StaffingPlanInterval, User
from app.planning.forecasting import (
    forecast_week,
    load_history,
    store_forecast,
    stored_forecast,
)
from app.planning.requirement import PlanInterval, QueuePlan, Targets, combine, staff_forecast

__all__ = [
    "Targets",
    "WeekPlan",
    "make_forecasts",
    "plan_csv",
    "plan_week",
    "requirement_for",
    "save_plan",
    "saved_plans",
]


FORECAST_KIND = "planning.forecast"  # a queue's forecast takes up to a second or so


@dataclass(frozen=True)
class WeekPlan:
    """The plan of a week for some queues of a site, and all of them added up (`rows`).

    `pending` lists the queues whose forecast is still to be made (by a job); while any
    is, the plan holds no queue at all rather than a misleading part of the total.
    """

    site: Site
    monday: date
    targets: Targets
    queues: tuple[QueuePlan, ...]
    without_history: tuple[Queue, ...]
    interval_minutes: int
    rows: tuple[PlanInterval, ...]
    pending: tuple[Queue, ...] = ()


def plan_week(
    db: Session,
    *,
    site: Site,
    queues: Sequence[Queue],
    monday: date,
    targets: Targets,
    make_missing: bool = True,
    keep: bool = True,
) -> WeekPlan:
    """Forecast each queue's week from its history before `monday`, then staff it.

    Forecasts already stored for the same history are reused; missing ones are made here
    and stored (not without `keep`: a GET writes nothing), or, without `make_missing`,
    leave the plan pending (for a job to make).
    """
    histories = []
    missing: list[Queue] = []
    for queue in queues:
        history = load_history(db, queue=queue, before=monday)
        if history is None:
            missing.append(queue)
        else:
            histories.append((history, stored_forecast(db, history=history, monday=monday)))
    to_make = [h for h, found in histories if found is None]
    if to_make and not make_missing:
        pending = tuple(h.queue for h in to_make)
        return WeekPlan(site, monday, targets, (), tuple(missing), 30, (), pending)
    plans: list[QueuePlan] = []
    for history, stored in histories:
        made = stored or forecast_week(history, monday)
        if stored is None and keep:
            store_forecast(db, history=history, result=made)
        plans.append(staff_forecast(made, site=site, targets=targets))
    grid = min((p.interval_minutes for p in plans), default=30)
    return WeekPlan(site, monday, targets, tuple(plans), tuple(missing), grid, combine(plans, grid))


def make_forecasts(db: Session, *, queues: Sequence[Queue], monday: date) -> int:
    """Make and store the missing forecasts of the week (the job's work); how many were made."""
    made = 0
    for queue in queues:
        history = load_history(db, queue=queue, before=monday)
        if history is not None and stored_forecast(db, history=history, monday=monday) is None:
            store_forecast(db, history=history, result=forecast_week(history, monday))
            made += 1
    return made


def save_plan(db: Session, *, user: User | None, plan: WeekPlan) -> list[StaffingPlan]:
    """Save (or replace) each queue's plan for the week, with an audit entry per queue."""
    saved = []
    for queue_plan in plan.queues:
        row = db.scalar(
            select(StaffingPlan).where(
                StaffingPlan.site_id == plan.site.id,
                StaffingPlan.queue_id == queue_plan.queue.id,
                StaffingPlan.week_start == plan.monday,
            )
        )
        before = snapshot(row) if row is not None else None
        if row is None:
            row = StaffingPlan(
                site_id=plan.site.id, queue_id=queue_plan.queue.id, week_start=plan.monday
            )
            db.add(row)
        t = plan.targets
        row.service_level, row.answer_seconds = t.service_level, t.answer_seconds
        row.max_occupancy, row.shrinkage = t.max_occupancy, t.shrinkage
        row.patience_seconds, row.forecast_method = t.patience_seconds, queue_plan.method
        row.interval_minutes = queue_plan.interval_minutes
        row.saved_by = user.id if user else None
        db.flush()
        _replace_intervals(db, row, queue_plan.intervals)
        peak = max((i.agents for i in queue_plan.intervals), default=0)
        extra = {"intervals": len(queue_plan.intervals), "peak_agents": peak}
        record(
            db,
            user=user,
            action="update" if before else "create",
            entity=row,
            before=before,
            extra=extra,
        )
        saved.append(row)
    return saved


def saved_plans(
    db: Session, *, site: Site, queues: Sequence[Queue], monday: date
) -> list[tuple[str, StaffingPlan]]:
    """The plans saved for the week for these queues, with each queue's name."""
    rows = db.execute(
        select(Queue.name, StaffingPlan)
        .join(Queue, Queue.id == StaffingPlan.queue_id)
        .where(
            StaffingPlan.site_id == site.id,
            StaffingPlan.week_start == monday,
            StaffingPlan.queue_id.in_([q.id for q in queues]),
        )
        .order_by(Queue.name)
    ).all()
    return [(name, plan) for name, plan in rows]


def _replace_intervals(db: Session, row: StaffingPlan, intervals: Sequence[PlanInterval]) -> None:
    db.execute(delete(StaffingPlanInterval).where(StaffingPlanInterval.plan_id == row.id))
    if intervals:
        db.execute(
            insert(StaffingPlanInterval),
            [
                {
                    "plan_id": row.id,
                    "starts_at": i.starts_at,
                    "calls": i.calls,
                    "aht_seconds": i.aht_seconds,
                    "agents": i.agents,
                    "positions": i.positions,
                    "service_level": i.service_level,
                    "occupancy": i.occupancy,
                }
                for i in intervals
            ],
        )


CSV_COLUMNS = (
    "interval_start",
    "starts_at_utc",
    "calls",
    "aht_seconds",
    "agents",
    "positions",
    "service_level",
    "occupancy",
)


def plan_csv(plan: WeekPlan) -> str:
    """The week's combined rows as CSV: local start (ISO, with offset) and UTC start."""
    zone = ZoneInfo(plan.site.timezone)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in plan.rows:
        writer.writerow(
            [
                r.starts_at.astimezone(zone).isoformat(timespec="minutes"),
                r.starts_at.isoformat(timespec="minutes").replace("+00:00", "Z"),
                f"{r.calls:.2f}",
                f"{r.aht_seconds:.1f}",
                r.agents,
                r.positions,
                f"{r.service_level:.4f}",
                f"{r.occupancy:.4f}",
            ]
        )
    return out.getvalue()


def requirement_for(
    db: Session, *, site_id: int, start_utc: datetime, end_utc: datetime, slot_minutes: int
) -> list[int]:
    """Agents on the phones needed in each slot from `start_utc` to `end_utc`, all queues.

    Slot k starts at start_utc + k x slot_minutes; the last one may end after `end_utc`.
    A queue counts with the most agents of its saved intervals that overlap the slot (so
    a 15-minute slot inside a 30-minute interval takes that interval's figure); queues add
    up; 0 where no plan was saved.
    """
    if slot_minutes <= 0:
        raise ValueError("slot_minutes must be > 0")
    slot = timedelta(minutes=slot_minutes)
    count = max(0, math.ceil((end_utc - start_utc) / slot))
    rows = db.execute(
        select(
            StaffingPlan.queue_id,
            StaffingPlan.interval_minutes,
            StaffingPlanInterval.starts_at,
            StaffingPlanInterval.agents,
        )
        .join(StaffingPlanInterval, StaffingPlanInterval.plan_id == StaffingPlan.id)
        .where(
            StaffingPlan.site_id == site_id,
            StaffingPlanInterval.starts_at < start_utc + count * slot,
            StaffingPlanInterval.starts_at > start_utc - timedelta(days=1),
        )
    ).all()
    per_queue: dict[int, list[int]] = {}
    for queue_id, minutes, starts_at, agents in rows:
        need = per_queue.setdefault(queue_id, [0] * count)
        first = math.floor((starts_at - start_utc) / slot)
        last = math.ceil((starts_at + timedelta(minutes=minutes) - start_utc) / slot)
        for k in range(max(first, 0), min(last, count)):
            need[k] = max(need[k], agents)
    return [sum(column) for column in zip(*per_queue.values(), strict=True)] or [0] * count
