"""A morning at the Moscow site for the Floor tests: calls, agent states, a published break."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from app.events import service as events
from app.events.schemas import parse_events
from app.models import BreakType, PlannedBreak, Shift, Site

DAY = date(2026, 11, 30)
T0 = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # 08:00 in Moscow: the shifts begin
BREAK_START = T0 + timedelta(hours=3, minutes=30)  # 11:30 Moscow, a 15-minute break


def morning_events(t0: datetime = T0) -> list[dict[str, str]]:
    """Three answered calls (one slow), one abandoned, one still waiting; two agents' states.

    Times are minutes after t0 (the shifts' start); the break is at 210 minutes.
    """
    events: list[dict[str, str]] = []

    def at(minutes: float) -> str:
        return (t0 + timedelta(minutes=minutes)).isoformat()

    def call(n: int, offered: float, answered: float | None = None, ended: float | None = None,
             abandoned: float | None = None, agent: str = "A003") -> None:  # fmt: skip
        cid = f"c{n}"
        events.append(
            {
                "id": f"{cid}o",
                "type": "call.offered",
                "ts": at(offered),
                "call_id": cid,
                "queue": "Retail",
            }
        )
        if answered is not None:
            events.append(
                {
                    "id": f"{cid}a",
                    "type": "call.answered",
                    "ts": at(answered),
                    "call_id": cid,
                    "agent": agent,
                }
            )
        if ended is not None:
            events.append({"id": f"{cid}e", "type": "call.ended", "ts": at(ended), "call_id": cid})
        if abandoned is not None:
            events.append(
                {"id": f"{cid}x", "type": "call.abandoned", "ts": at(abandoned), "call_id": cid}
            )

    call(1, 10, 10.1, 14)
    call(2, 20, 21, 25)  # waited 60 s: out of target
    call(3, 30, 30.2, 33, agent="A002")
    call(4, 40, abandoned=41)
    call(5, 215)  # still waiting at 3 h 40
    for n, (agent, state, minute) in enumerate([
        ("A003", "available", 0), ("A003", "on_call", 10.1), ("A003", "available", 14),
        ("A003", "on_call", 200),  # ...and stays on the phones through the break at 210
        ("A002", "available", 0),
    ]):  # fmt: skip
        events.append(
            {"id": f"s{n}", "type": "agent.state", "ts": at(minute), "agent": agent, "state": state}
        )
    return events


def store(db: Session, site: Site, raw: list[dict[str, str]]) -> None:
    """Ingest raw feed events as the API would."""
    parsed, errors = parse_events(raw)
    assert not errors, errors
    events.ingest_events(db, site=site, events=parsed)


def publish_break(
    db: Session, site: Site, agent_id: int, t0: datetime = T0, day: date = DAY
) -> PlannedBreak:
    """A nine-hour shift from t0 for the agent with a published 15-minute break 3.5 h in."""
    break_type = BreakType(site_id=site.id, name="Short break", length_minutes=15)
    shift = Shift(agent_id=agent_id, work_date=day, starts_at=t0, ends_at=t0 + timedelta(hours=9))
    db.add_all([break_type, shift])
    db.flush()
    planned = PlannedBreak(
        shift_id=shift.id,
        break_type_id=break_type.id,
        starts_at=t0 + (BREAK_START - T0),
        ends_at=t0 + (BREAK_START - T0) + timedelta(minutes=15),
        state="published",
    )
    db.add(planned)
    db.flush()
    return planned
