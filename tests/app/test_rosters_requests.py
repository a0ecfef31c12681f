"""Time-off and swap requests: asked on My schedule, their impact shown, decided by a supervisor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, RosterEntry, Shift, SwapRequest, TimeOffRequest
from app.shifts.timeconv import week_start
from tests.app.conftest import Center
from tests.app.test_rosters import draft, local, seed_week

Clients = Callable[[str], TestClient]
AHEAD = week_start(date.today()) + timedelta(days=14)  # a week always in the future


def _shift(db: Session, agent_id: int, day: date, start: int, end: int) -> None:
    ends = local(day + timedelta(days=1), 0) if end == 24 else local(day, end)
    db.add(
        Shift(
            agent_id=agent_id,
            work_date=day,
            starts_at=local(day, start),
            ends_at=ends,
            source="roster",
        )
    )


def test_time_off_is_asked_shown_with_its_impact_and_approved(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center, AHEAD)
    anna = center.operator_agent_id
    version = draft(db, center, {anna: {0: "Early", 1: "Early"}}, monday=AHEAD)
    version.status = "published"
    _shift(db, anna, AHEAD, 7, 16)
    _shift(db, anna, AHEAD + timedelta(days=1), 7, 16)
    db.commit()
    operator = as_role("operator")

    refused = operator.post(
        "/me/schedule/time-off",
        data={
            "first_day": AHEAD.isoformat(),
            "last_day": (AHEAD - timedelta(days=1)).isoformat(),
            "reason": "wedding",
        },
    )
    assert refused.status_code == 422
    assert "The last day comes on or after the first." in refused.text
    assert 'value="wedding"' in refused.text and 'aria-invalid="true"' in refused.text

    asked = operator.post(
        "/me/schedule/time-off",
        data={"first_day": AHEAD.isoformat(), "last_day": AHEAD.isoformat(), "reason": "wedding"},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    again = operator.post(
        "/me/schedule/time-off",
        data={"first_day": AHEAD.isoformat(), "last_day": AHEAD.isoformat()},
    )
    assert again.status_code == 422 and "already asked" in again.text
    row = db.scalar(select(TimeOffRequest))
    assert row is not None and row.state == "pending" and row.reason == "wedding"

    supervisor = as_role("supervisor")
    page = supervisor.get("/rosters/requests")
    assert page.status_code == 200 and f'id="request-time_off-{row.id}"' in page.text
    assert "Removes 1 shifts" in page.text
    # the saved plan needs one agent 08:00-20:00; Anna is the only one on: 8 h short after
    assert "0.0 agent-hours now, 8.0 after" in page.text

    decided = supervisor.post(
        f"/rosters/requests/time_off/{row.id}",
        data={"decision": "approve", "note": "ok"},
        headers={"HX-Request": "true"},
    )
    assert decided.status_code == 200 and "approved" in decided.text
    db.expire_all()
    assert {s.work_date for s in db.scalars(select(Shift))} == {AHEAD + timedelta(days=1)}
    assert {e.work_date for e in db.scalars(select(RosterEntry))} == {AHEAD + timedelta(days=1)}
    again = supervisor.post(
        f"/rosters/requests/time_off/{row.id}",
        data={"decision": "refuse"},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 422 and "decided already" in again.text
    assert (
        db.scalar(
            select(AuditEntry).where(
                AuditEntry.entity == "time_off_requests", AuditEntry.action == "approve"
            )
        )
        is not None
    )

    schedule = operator.get("/me/schedule")
    assert schedule.status_code == 200 and "approved" in schedule.text
    assert 'id="my-schedule"' in schedule.text and "calendar-link" in schedule.text


def test_a_swap_exchanges_the_two_days_when_approved(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center, AHEAD)
    anna, boris = center.operator_agent_id, center.other_operator_agent_id
    tuesday = AHEAD + timedelta(days=1)
    _shift(db, anna, AHEAD, 7, 16)
    _shift(db, boris, tuesday, 14, 24)
    db.commit()
    asked = as_role("operator").post(
        "/me/schedule/swap",
        data={
            "other_agent_id": str(boris),
            "day": AHEAD.isoformat(),
            "other_day": tuesday.isoformat(),
        },
        follow_redirects=False,
    )
    assert asked.status_code == 303, asked.text
    swap = db.scalar(select(SwapRequest))
    assert swap is not None and swap.state == "pending"
    supervisor = as_role("supervisor")
    page = supervisor.get("/rosters/requests")
    assert "Exchanges 2 shifts" in page.text and 'data-rule="rest"' not in page.text
    done = supervisor.post(
        f"/rosters/requests/swap/{swap.id}", data={"decision": "approve"}, follow_redirects=False
    )
    assert done.status_code == 303
    db.expire_all()
    worked = {(s.agent_id, s.work_date, s.starts_at) for s in db.scalars(select(Shift))}
    assert worked == {(boris, AHEAD, local(AHEAD, 7)), (anna, tuesday, local(tuesday, 14))}


def test_a_swap_that_breaks_the_rest_rule_is_refused_when_asked(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center, AHEAD)
    anna, boris = center.operator_agent_id, center.other_operator_agent_id
    tuesday = AHEAD + timedelta(days=1)
    _shift(db, anna, AHEAD, 14, 24)
    _shift(db, boris, tuesday, 7, 16)
    db.commit()
    asked = as_role("operator").post(
        "/me/schedule/swap",
        data={
            "other_agent_id": str(boris),
            "day": tuesday.isoformat(),
            "other_day": tuesday.isoformat(),
        },
    )
    assert asked.status_code == 422
    assert "Rest between shifts" in asked.text and "Only 7 h" in asked.text
    nothing = as_role("operator").post(
        "/me/schedule/swap",
        data={
            "other_agent_id": str(boris),
            "day": (AHEAD + timedelta(days=3)).isoformat(),
            "other_day": "",
        },
    )
    assert nothing.status_code == 422 and "nothing to swap" in nothing.text
    assert db.scalar(select(SwapRequest)) is None


def test_my_schedule_shows_the_coming_weeks_published_shifts(
    db: Session, center: Center, as_role: Clients
) -> None:
    _shift(db, center.operator_agent_id, AHEAD, 7, 16)
    _shift(db, center.operator_agent_id, AHEAD + timedelta(days=40), 7, 16)  # too far ahead
    db.commit()
    html = as_role("operator").get("/me/schedule").text
    listed = html.split('id="my-schedule"')[1].split("</ul>")[0]
    assert listed.count("<li") == 1 and "07:00–16:00" in listed
    assert as_role("supervisor").get("/me/schedule").status_code == 403
