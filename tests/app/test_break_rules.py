"""Break rules: types, rules in H:MM checked beside each field, the policy, team overrides."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.break_rules.forms import hours_minutes
from app.break_rules.service import effective_policy, effective_rules
from app.models import AuditEntry, BreakPolicy, BreakRule, BreakType
from tests.app.conftest import Center
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]
HX = {"HX-Request": "true"}


@pytest.fixture
def supervisor(center: Center, db: Session, as_role: Clients) -> TestClient:
    quicken_passwords(db)
    return as_role("supervisor")


def _type(db: Session, center: Center, name: str = "Lunch", length: int = 30) -> BreakType:
    row = BreakType(site_id=center.site_id, name=name, length_minutes=length, paid=False)
    db.add(row)
    db.commit()
    return row


def _rule_form(center: Center, type_id: int, **changes: str) -> dict[str, str]:
    return {
        "site_id": str(center.site_id),
        "break_type_id": str(type_id),
        "min_shift_minutes": "6:00",
        "max_shift_minutes": "12:00",
        "count": "1",
        "window_start_minutes": "3:00",
        "window_end_minutes": "5:00",
    } | changes


def _audit(db: Session, entity: str) -> list[str]:
    db.expire_all()
    rows = db.scalars(select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id))
    return [r.action for r in rows]


def test_the_page_shows_the_three_sections_for_the_supervisors_site(
    supervisor: TestClient, center: Center
) -> None:
    page = supervisor.get("/break-rules")
    assert page.status_code == 200
    for section in ('id="break-types"', 'id="break-rule-list"', 'id="break-policy"'):
        assert section in page.text
    assert "Moscow" in page.text and "Novosibirsk" not in page.text
    assert ">Break rules</a>" in page.text  # the nav item


def test_a_break_type_is_added_edited_and_audited(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    site = str(center.site_id)
    bad = supervisor.post(
        "/break-rules/types", data={"site_id": site, "name": "", "length_minutes": "0"}, headers=HX
    )
    assert bad.status_code == 422
    assert 'id="bt-new-name-error"' in bad.text and 'id="bt-new-length_minutes-error"' in bad.text
    made = supervisor.post(
        "/break-rules/types",
        data={"site_id": site, "name": "Lunch", "length_minutes": "30"},
        headers=HX,
    )
    assert made.status_code == 200 and "Lunch" in made.text
    assert made.headers["HX-Trigger"] == "break-types-changed"
    row = db.scalar(select(BreakType))
    assert row is not None and (row.length_minutes, row.paid) == (30, False)
    twin = supervisor.post(
        "/break-rules/types", data={"site_id": site, "name": "Lunch", "length_minutes": "20"}
    )
    assert twin.status_code == 422 and "already has a break type" in twin.text
    edited = supervisor.post(
        f"/break-rules/types/{row.id}",
        data={"site_id": site, "name": "Lunch", "length_minutes": "45", "paid": "on"},
        headers=HX,
    )
    assert edited.status_code == 200
    db.refresh(row)
    assert (row.length_minutes, row.paid) == (45, True)
    assert _audit(db, "break_types") == ["create", "update"]


def test_a_rule_is_saved_from_hours_and_minutes(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    lunch = _type(db, center)
    made = supervisor.post("/break-rules/rules", data=_rule_form(center, lunch.id), headers=HX)
    assert made.status_code == 200
    assert "6:00–12:00" in made.text and "3:00–5:00" in made.text
    rule = db.scalar(select(BreakRule))
    assert rule is not None
    assert (rule.min_shift_minutes, rule.window_start_minutes, rule.window_end_minutes) == (
        360,
        180,
        300,
    )
    assert rule.team_id is None
    assert _audit(db, "break_rules") == ["create"]
    gone = supervisor.post(
        f"/break-rules/rules/{rule.id}/delete", data={"site_id": str(center.site_id)}, headers=HX
    )
    assert gone.status_code == 200 and "No rules yet." in gone.text
    assert _audit(db, "break_rules") == ["create", "delete"]


REFUSED_RULES = [
    ({"min_shift_minutes": "6h"}, "min_shift_minutes", "H:MM"),
    ({"min_shift_minutes": "6:75"}, "min_shift_minutes", "H:MM"),
    ({"max_shift_minutes": "5:00"}, "max_shift_minutes", "Not shorter"),
    ({"window_end_minutes": "2:00"}, "window_end_minutes", "cannot close before"),
    ({"window_end_minutes": "5:45"}, "window_end_minutes", "ends after a 6:00 shift"),
    ({"count": "6"}, "count", "do not fit in the window 3:00–5:00"),
    ({"count": "0"}, "count", "At least 1"),
    ({"break_type_id": "999"}, "break_type_id", "Choose one"),
]


def test_a_rule_that_cannot_hold_is_refused_beside_its_field(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    lunch = _type(db, center)
    for changes, field, message in REFUSED_RULES:
        response = supervisor.post(
            "/break-rules/rules", data=_rule_form(center, lunch.id, **changes), headers=HX
        )
        assert response.status_code == 422, changes
        error = response.text.split(f'id="rule-new-{field}-error">')[1].split("</p>")[0]
        assert message in error.replace("&#39;", "'"), (changes, error)
        typed = changes.get(field, "")
        assert f'value="{typed}"' in response.text or field == "break_type_id"
    assert db.scalar(select(BreakRule)) is None


def test_two_rules_of_a_type_may_not_cover_one_shift_length(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    lunch = _type(db, center)
    assert (
        supervisor.post("/break-rules/rules", data=_rule_form(center, lunch.id)).status_code == 200
    )
    clash = supervisor.post(
        "/break-rules/rules",
        data=_rule_form(center, lunch.id, min_shift_minutes="10:00", max_shift_minutes="14:00"),
    )
    assert clash.status_code == 422 and "covers shifts of 6:00–12:00" in clash.text
    apart = _rule_form(center, lunch.id, min_shift_minutes="12:01", max_shift_minutes="14:00")
    assert supervisor.post("/break-rules/rules", data=apart).status_code == 200


def test_a_team_rule_replaces_the_sites_rules_of_its_type(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    lunch, short = _type(db, center), _type(db, center, "Break", 15)
    supervisor.post("/break-rules/rules", data=_rule_form(center, lunch.id))
    supervisor.post("/break-rules/rules", data=_rule_form(center, short.id, count="2"))
    team_form = _rule_form(center, lunch.id, window_start_minutes="2:00") | {
        "team_id": str(center.team_id)
    }
    made = supervisor.post("/break-rules/rules", data=team_form, headers=HX)
    assert made.status_code == 200
    assert 'id="inherited-rules"' in made.text and "site-rule-" in made.text
    team_rules = effective_rules(
        db, site_id=center.site_id, team_id=center.team_id, shift_minutes=480
    )
    assert sorted((r.break_type_id, r.window_start_minutes) for r in team_rules) == sorted(
        [(lunch.id, 120), (short.id, 180)]
    )
    site_rules = effective_rules(db, site_id=center.site_id, team_id=None, shift_minutes=480)
    assert {r.window_start_minutes for r in site_rules if r.break_type_id == lunch.id} == {180}


def test_the_policy_and_a_team_override(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    site = str(center.site_id)
    bad = supervisor.post(
        "/break-rules/policy",
        data={
            "site_id": site,
            "min_work_minutes": "2:00",
            "max_work_minutes": "1:00",
            "max_on_break": "0",
        },
        headers=HX,
    )
    assert bad.status_code == 422
    assert 'id="policy-max_on_break-error"' in bad.text
    form = {
        "site_id": site,
        "min_work_minutes": "0:45",
        "max_work_minutes": "2:30",
        "max_on_break": "4",
    }
    assert supervisor.post("/break-rules/policy", data=form, headers=HX).status_code == 200
    team = form | {"team_id": str(center.team_id), "max_on_break": "2"}
    saved = supervisor.post("/break-rules/policy", data=team, headers=HX)
    assert saved.status_code == 200 and "policy again</button>" in saved.text
    chosen = effective_policy(db, site_id=center.site_id, team_id=center.team_id)
    assert chosen is not None and (chosen.max_on_break, chosen.min_work_minutes) == (2, 45)
    removed = supervisor.post(
        "/break-rules/policy/delete", data={"site_id": site, "team_id": str(center.team_id)}
    )
    assert removed.status_code == 200
    chosen = effective_policy(db, site_id=center.site_id, team_id=center.team_id)
    assert chosen is not None and chosen.team_id is None and chosen.max_on_break == 4
    assert len(db.scalars(select(BreakPolicy)).all()) == 1
    assert _audit(db, "break_policies") == ["create", "create", "delete"]


def test_a_type_in_use_cannot_be_deactivated(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    lunch = _type(db, center)
    supervisor.post("/break-rules/rules", data=_rule_form(center, lunch.id))
    refused = supervisor.post(
        f"/break-rules/types/{lunch.id}/active", data={"site_id": str(center.site_id)}, headers=HX
    )
    assert refused.status_code == 422 and "Rules use this break type" in refused.text
    db.refresh(lunch)
    assert lunch.active


def test_another_sites_rules_are_out_of_a_supervisors_reach(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    other = str(center.other_site_id)
    response = supervisor.post(
        "/break-rules/types", data={"site_id": other, "name": "X", "length_minutes": "10"}
    )
    assert response.status_code == 404
    assert db.scalar(select(BreakType)) is None


def test_without_htmx_a_save_redirects_and_an_error_renders_the_page(
    supervisor: TestClient, center: Center
) -> None:
    site = str(center.site_id)
    ok = supervisor.post(
        "/break-rules/types",
        data={"site_id": site, "name": "Tea", "length_minutes": "10"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/break-rules?site_id={site}"
    bad = supervisor.post(
        "/break-rules/types", data={"site_id": site, "name": "", "length_minutes": "x"}
    )
    assert bad.status_code == 422 and "<html" in bad.text and 'id="bt-new-name-error"' in bad.text


def test_hours_minutes() -> None:
    assert [hours_minutes(m) for m in (0, 45, 90, 720)] == ["0:00", "0:45", "1:30", "12:00"]
