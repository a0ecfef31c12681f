"""A day under way for the test center's operator: a shift around now with published breaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.models import (
    BreakPolicy,
    BreakRule,
    BreakType,
    PlannedBreak,
    Shift,
    StaffingPlan,
    StaffingPlanInterval,
)
from tests.app.conftest import Center


@dataclass(frozen=True)
class OperatorDay:
    """Ids and times of the seeded day: break1 is over, lunch is next, break2 is a draft."""

    shift_id: int
    start: datetime
    break1_id: int
    lunch_id: int
    draft_id: int
    lunch_type_id: int


def seed_day(db: Session, center: Center, *, now: datetime | None = None) -> OperatorDay:
    """A 9-hour shift that began two hours ago, the site's break rules and policy; commits."""
    now = now or datetime.now(UTC)
    start = now.replace(second=0, microsecond=0) - timedelta(hours=2)
    short = BreakType(site_id=center.site_id, name="Break", length_minutes=15, paid=True)
    lunch = BreakType(site_id=center.site_id, name="Lunch", length_minutes=30, paid=False)
    db.add_all([short, lunch])
    db.flush()
    db.add_all(
        [
            BreakRule(
                site_id=center.site_id,
                break_type_id=short.id,
                min_shift_minutes=360,
                max_shift_minutes=720,
                count=2,
                window_start_minutes=45,
                window_end_minutes=450,
            ),
            BreakRule(
                site_id=center.site_id,
                break_type_id=lunch.id,
                min_shift_minutes=360,
                max_shift_minutes=720,
                count=1,
                window_start_minutes=180,
                window_end_minutes=330,
            ),
            BreakPolicy(
                site_id=center.site_id, min_work_minutes=30, max_work_minutes=300, max_on_break=5
            ),
        ]
    )
    local_day = start.astimezone(ZoneInfo("Europe/Moscow")).date()
    shift = Shift(
        agent_id=center.operator_agent_id,
        work_date=local_day,
        starts_at=start,
        ends_at=start + timedelta(hours=9),
    )
    db.add(shift)
    db.flush()

    def planned(kind: BreakType, after: timedelta, state: str) -> PlannedBreak:
        begin = start + after
        row = PlannedBreak(
            shift_id=shift.id,
            break_type_id=kind.id,
            starts_at=begin,
            ends_at=begin + timedelta(minutes=kind.length_minutes),
            state=state,
        )
        db.add(row)
        return row

    first = planned(short, timedelta(hours=1), "published")
    meal = planned(lunch, timedelta(hours=4), "published")
    draft = planned(short, timedelta(hours=6, minutes=30), "planned")
    db.commit()
    return OperatorDay(shift.id, start, first.id, meal.id, draft.id, lunch.id)


def seed_requirement(db: Session, center: Center, *, start: datetime, agents: int) -> None:
    """A saved staffing plan for the center's queue: `agents` needed all day from `start`."""
    plan = StaffingPlan(
        site_id=center.site_id,
        queue_id=center.queue_id,
        week_start=start.date() - timedelta(days=start.weekday()),
        interval_minutes=30,
        service_level=0.8,
        answer_seconds=20,
        shrinkage=0.3,
        forecast_method="test",
    )
    db.add(plan)
    db.flush()
    db.add_all(
        StaffingPlanInterval(
            plan_id=plan.id,
            starts_at=start - timedelta(hours=1) + timedelta(minutes=30 * k),
            calls=10.0,
            aht_seconds=180.0,
            agents=agents,
            positions=agents,
            service_level=0.8,
            occupancy=0.8,
        )
        for k in range(24)
    )
    db.commit()
