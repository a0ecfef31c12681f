"""Asking to move a break: approved alone when rules and coverage allow, else by a supervisor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, BreakMoveRequest, PlannedBreak
from tests.app.conftest import Center
from tests.app.operator_day_setup import OperatorDay, seed_day, seed_requirement
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def day(center: Center, db: Session) -> OperatorDay:
    quicken_passwords(db)
    return seed_day(db, center)


def _hhmm(at: datetime) -> str:
    return f"{at.astimezone(MOSCOW):%H:%M}"


def _lunch(db: Session, day: OperatorDay) -> PlannedBreak:
    db.expire_all()
    row = db.get(PlannedBreak, day.lunch_id)
    assert row is not None
    return row


def _requests(db: Session) -> list[BreakMoveRequest]:
    db.expire_all()
    return list(db.scalars(select(BreakMoveRequest).order_by(BreakMoveRequest.id)))


def _ask(client: TestClient, break_id: int, start: str) -> object:
    return client.post(
        "/me/breaks/move",
        data={"break_id": str(break_id), "start": start},
        headers={"HX-Request": "true"},
    )


def test_without_a_staffing_plan_the_move_waits_and_a_supervisor_approves_it(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    operator = as_role("operator")
    target = day.start + timedelta(hours=4, minutes=30)
    response = _ask(operator, day.lunch_id, _hhmm(target))
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/me/day"
    (request,) = _requests(db)
    assert (request.state, request.auto) == ("pending", False)
    assert [f["rule"] for f in request.findings] == ["requirement_unknown"]
    assert _lunch(db, day).starts_at == day.start + timedelta(hours=4)  # not moved yet
    page = operator.get("/me/day").text
    assert "waiting" in page and "No staffing plan covers this time" in page

    supervisor = as_role("supervisor")
    listing = supervisor.get("/requests").text
    assert f'id="request-{request.id}"' in listing and "No staffing plan covers" in listing
    decided = supervisor.post(
        f"/requests/{request.id}", data={"decision": "approve"}, headers={"HX-Request": "true"}
    )
    assert decided.status_code == 200 and "approved" in decided.text
    lunch = _lunch(db, day)
    assert (lunch.starts_at, lunch.ends_at) == (target, target + timedelta(minutes=30))
    assert lunch.set_by_hand
    actions = [
        (a.entity, a.action)
        for a in db.scalars(select(AuditEntry).order_by(AuditEntry.id))
        if a.entity in ("planned_breaks", "break_move_requests")
    ]
    assert actions == [
        ("break_move_requests", "create"),
        ("planned_breaks", "move"),
        ("break_move_requests", "approved"),
    ]
    again = supervisor.post(
        f"/requests/{request.id}", data={"decision": "approve"}, follow_redirects=False
    )
    assert again.status_code == 303  # a plain form: back to the list, with the refusal flashed
    assert "decided already" in supervisor.get("/requests").text


def test_a_move_that_keeps_rules_and_coverage_is_approved_alone(
    day: OperatorDay, as_role: Clients, db: Session, center: Center
) -> None:
    seed_requirement(db, center, start=day.start, agents=0)
    operator = as_role("operator")
    target = day.start + timedelta(hours=5)
    assert _ask(operator, day.lunch_id, _hhmm(target)).status_code == 204
    (request,) = _requests(db)
    assert (request.state, request.auto, request.findings) == ("approved", True, [])
    assert _lunch(db, day).starts_at == target
    page = operator.get("/me/day").text
    assert "approved automatically" in page
    assert "break-changes" not in page  # the operator moved it: no notice of their own move


def test_a_move_that_leaves_too_few_on_the_phones_waits_with_the_reason(
    day: OperatorDay, as_role: Clients, db: Session, center: Center
) -> None:
    seed_requirement(db, center, start=day.start, agents=3)
    operator = as_role("operator")
    target = day.start + timedelta(hours=4, minutes=45)
    assert _ask(operator, day.lunch_id, _hhmm(target)).status_code == 204
    (request,) = _requests(db)
    assert request.state == "pending"
    (finding,) = request.findings
    assert (finding["rule"], finding["value"], finding["limit"]) == ("coverage", 0, 3)
    # The whole new span 4:45-5:15 is newly on a break (the lunch was at 4:00-4:30).
    assert finding["start"] == target.isoformat()
    assert finding["end"] == (target + timedelta(minutes=30)).isoformat()
    refused = as_role("supervisor").post(
        f"/requests/{request.id}",
        data={"decision": "refuse", "note": "Busy hour"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 200 and "refused" in refused.text
    assert _lunch(db, day).starts_at == day.start + timedelta(hours=4)
    page = operator.get("/me/day").text
    assert "refused" in page and "Busy hour" in page


def test_a_move_outside_the_window_waits_with_the_rule_named(
    day: OperatorDay, as_role: Clients, db: Session, center: Center
) -> None:
    seed_requirement(db, center, start=day.start, agents=0)
    target = day.start + timedelta(hours=6)  # lunch window closes at 5:30 after the start
    assert _ask(as_role("operator"), day.lunch_id, _hhmm(target)).status_code == 204
    (request,) = _requests(db)
    assert request.state == "pending"
    assert [f["rule"] for f in request.findings] == ["window"]
    listing = as_role("supervisor").get("/requests").text
    opens, closes = day.start + timedelta(hours=3), day.start + timedelta(hours=5, minutes=30)
    window = f"{_hhmm(opens)}–{_hhmm(closes)}"
    assert f"Lunch would start at {_hhmm(target)}; its window is {window}." in listing


IMPOSSIBLE = [
    (timedelta(hours=9, minutes=30), "inside your shift"),  # after the shift
    (timedelta(minutes=30), "later than now"),  # in the past
    (timedelta(hours=1, minutes=5), "later than now"),  # in the past, on break1
    (timedelta(hours=4), "already starts then"),  # where it is
]


def test_impossible_moves_are_refused_beside_the_field(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    operator = as_role("operator")
    for offset, message in IMPOSSIBLE:
        response = _ask(operator, day.lunch_id, _hhmm(day.start + offset))
        assert response.status_code == 422, offset
        assert 'id="move-form"' in response.text and 'id="move-start-error"' in response.text
        assert message in response.text, offset
    assert _requests(db) == []


def test_overlapping_a_published_break_is_refused(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    draft = db.get(PlannedBreak, day.draft_id)
    assert draft is not None
    draft.state = "published"  # break2 at 6:30
    db.commit()
    response = _ask(
        as_role("operator"), day.lunch_id, _hhmm(day.start + timedelta(hours=6, minutes=20))
    )
    assert response.status_code == 422
    assert "overlap another of your breaks" in response.text


def test_only_own_untouched_breaks_can_be_asked_for_once(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    operator = as_role("operator")
    past = _ask(operator, day.break1_id, _hhmm(day.start + timedelta(hours=5)))
    assert past.status_code == 422 and "has not started" in past.text
    draft = _ask(operator, day.draft_id, _hhmm(day.start + timedelta(hours=7)))
    assert draft.status_code == 422
    target = _hhmm(day.start + timedelta(hours=4, minutes=30))
    assert _ask(operator, day.lunch_id, target).status_code == 204
    twice = _ask(operator, day.lunch_id, target)
    assert twice.status_code == 422 and "wait for the answer" in twice.text


def test_a_stale_request_cannot_be_approved(
    day: OperatorDay, as_role: Clients, db: Session
) -> None:
    assert (
        _ask(
            as_role("operator"), day.lunch_id, _hhmm(day.start + timedelta(hours=4, minutes=30))
        ).status_code
        == 204
    )
    (request,) = _requests(db)
    lunch = _lunch(db, day)
    lunch.starts_at += timedelta(minutes=10)
    lunch.ends_at += timedelta(minutes=10)
    db.commit()
    response = as_role("supervisor").post(
        f"/requests/{request.id}", data={"decision": "approve"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422 and "changed since the request" in response.text
    assert _requests(db)[0].state == "pending"


def test_requests_of_another_site_are_out_of_reach(
    day: OperatorDay, as_role: Clients, db: Session, center: Center
) -> None:
    assert (
        _ask(
            as_role("operator"), day.lunch_id, _hhmm(day.start + timedelta(hours=4, minutes=30))
        ).status_code
        == 204
    )
    (request,) = _requests(db)
    from app.models import User

    supervisor = db.get(User, center.users["supervisor"])
    assert supervisor is not None
    supervisor.site_id = center.other_site_id
    db.commit()
    client = as_role("supervisor")
    assert f"request-{request.id}" not in client.get("/requests").text
    assert client.post(f"/requests/{request.id}", data={"decision": "approve"}).status_code == 404
