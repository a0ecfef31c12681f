"""The demo operator's day: a shift around the current hour with published breaks.

So that My day shows a shift, its breaks and a countdown the first time someone signs in
as the demo operator.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, BreakState, BreakType, PlannedBreak, Shift, Site

SHIFT_HOURS = 9
BREAKS = (
    ("Break", timedelta(hours=1, minutes=30)),
    ("Lunch", timedelta(hours=4)),
    ("Break", timedelta(hours=6, minutes=30)),
)


def seed_operator_day(db: Session, *, site: Site, agent: Agent, today: date, now: datetime) -> None:
    """Give `agent` a 9-hour shift today that began up to two hours ago (09:00 when `today` is
    not the site's date now), and publish its three breaks."""
    zone = ZoneInfo(site.timezone)
    local_now = now.astimezone(zone)
    midnight = datetime.combine(today, time(0), tzinfo=zone)
    if local_now.date() == today:
        start = max(
            local_now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2), midnight
        )
    else:
        start = datetime.combine(today, time(9), tzinfo=zone)
    db.flush()  # the seed's shifts are not written yet (no autoflush)
    shift = db.scalar(select(Shift).where(Shift.agent_id == agent.id, Shift.work_date == today))
    if shift is None:
        shift = Shift(agent_id=agent.id, work_date=today, source="roster")
        db.add(shift)
    shift.starts_at, shift.ends_at = start, start + timedelta(hours=SHIFT_HOURS)
    db.flush()
    types = {t.name: t for t in db.scalars(select(BreakType).where(BreakType.site_id == site.id))}
    for name, after in BREAKS:
        kind = types[name]
        begins = shift.starts_at + after
        db.add(
            PlannedBreak(
                shift_id=shift.id,
                break_type_id=kind.id,
                starts_at=begins,
                ends_at=begins + timedelta(minutes=kind.length_minutes),
                state=BreakState.PUBLISHED.value,
                set_by_hand=True,  # as a supervisor would: the team's optimisation keeps them
            )
        )
    db.flush()
