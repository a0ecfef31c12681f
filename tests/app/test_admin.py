"""The configuration screens: sites, teams, queues and agents (with skills), each change audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Agent, AgentSkill, AuditEntry, Queue, Site, Team
from tests.app.conftest import Center
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]
KAZAN = {
    "name": "Kazan",
    "timezone": "Europe/Moscow",
    "service_level_threshold_seconds": "30",
    "short_abandon_seconds": "5",
}


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


@pytest.fixture
def admin(center: Center, as_role: Clients) -> TestClient:
    return as_role("admin")


def audit(db: Session, entity: str, entity_id: int) -> list[tuple[str, Any, Any]]:
    """(action, before, after) of every change to one row, oldest first."""
    db.expire_all()
    rows = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.id)
    )
    return [(r.action, r.before, r.after) for r in rows]


def audit_count(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def field_error(html: str, field_id: str) -> str:
    """The error shown beside the input `field_id` (empty when there is none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', html)
    return match.group(1) if match else ""


def test_a_site_is_created_edited_deactivated_and_reactivated(
    admin: TestClient, db: Session
) -> None:
    created = admin.post("/admin/sites", data=KAZAN)
    assert created.status_code == 200 and "Saved." in created.text
    assert created.history[0].status_code == 303
    site = db.scalars(select(Site).where(Site.name == "Kazan")).one()
    assert (site.timezone, site.service_level_threshold_seconds, site.active) == (
        "Europe/Moscow",
        30,
        True,
    )
    form = admin.get(f"/admin/sites/{site.id}/edit").text
    assert 'value="Kazan"' in form and 'value="30"' in form
    edited = admin.post(
        f"/admin/sites/{site.id}",
        data=KAZAN | {"name": "Kazan-2", "timezone": "Asia/Yekaterinburg"},
    )
    assert edited.status_code == 200
    assert "Kazan-2" in edited.text and "Asia/Yekaterinburg" in edited.text
    off = admin.post(f"/admin/sites/{site.id}/active", data={})
    assert off.status_code == 200 and "inactive" in off.text and "Reactivate" in off.text
    on = admin.post(f"/admin/sites/{site.id}/active", data={"active": "on"})
    assert on.status_code == 200 and "Deactivate" in on.text
    db.expire_all()
    assert (site.name, site.timezone, site.active) == ("Kazan-2", "Asia/Yekaterinburg", True)
    changes = audit(db, "sites", site.id)
    assert [c[0] for c in changes] == ["create", "update", "deactivate", "activate"]
    create, update, deactivate, activate = changes
    assert create[1] is None and create[2]["name"] == "Kazan"
    assert (update[1]["name"], update[2]["name"]) == ("Kazan", "Kazan-2")
    assert (update[1]["timezone"], update[2]["timezone"]) == ("Europe/Moscow", "Asia/Yekaterinburg")
    assert (deactivate[1]["active"], deactivate[2]["active"]) == (True, False)
    assert (activate[1]["active"], activate[2]["active"]) == (False, True)


def test_a_bad_site_form_is_422_with_errors_beside_fields_and_typed_values_kept(
    admin: TestClient, center: Center, db: Session
) -> None:
    typed = {
        "name": "Moscow",
        "timezone": "Mars/Olympus",
        "service_level_threshold_seconds": "-5",
        "short_abandon_seconds": "five",
    }
    response = admin.post("/admin/sites", data=typed)
    assert response.status_code == 422
    page = response.text
    assert "Please correct the marked fields." in page
    assert field_error(page, "new-name") == "A site with this name exists."
    assert field_error(page, "new-timezone").startswith("Not a known time zone")
    assert field_error(page, "new-service_level_threshold_seconds") == "At least 0."
    assert field_error(page, "new-short_abandon_seconds") == "A whole number, please."
    for value in typed.values():
        assert f'value="{value}"' in page
    empty = admin.post("/admin/sites", data={}, headers={"HX-Request": "true"})
    assert empty.status_code == 422
    assert empty.text.lstrip().startswith('<form id="create-form"')  # the fragment htmx swaps
    assert field_error(empty.text, "new-name") == "Required."
    assert field_error(empty.text, "new-timezone") == "Required."
    renamed = admin.post(
        f"/admin/sites/{center.other_site_id}",
        data=KAZAN | {"name": "Moscow", "timezone": "Moscow"},
    )
    assert renamed.status_code == 422
    prefix = f"sites-{center.other_site_id}"
    assert field_error(renamed.text, f"{prefix}-name") == "A site with this name exists."
    assert field_error(renamed.text, f"{prefix}-timezone").startswith("Not a known time zone")
    assert 'value="Moscow"' in renamed.text
    assert db.scalar(select(func.count()).select_from(Site)) == 2
    assert db.get(Site, center.other_site_id).name == "Novosibirsk"  # type: ignore[union-attr]
    assert audit_count(db) == 0


def test_teams_and_queues_are_unique_per_site_and_audited(
    admin: TestClient, center: Center, db: Session
) -> None:
    for kind, model, taken in (("teams", Team, "Alpha"), ("queues", Queue, "Retail")):
        duplicate = admin.post(
            f"/admin/{kind}", data={"site_id": str(center.site_id), "name": taken}
        )
        assert duplicate.status_code == 422
        assert "already has a" in field_error(duplicate.text, "new-name")
        assert f'value="{taken}"' in duplicate.text
        missing = admin.post(f"/admin/{kind}", data={"name": ""})
        assert field_error(missing.text, "new-site_id") == "Choose one of the options."
        assert field_error(missing.text, "new-name") == "Required."
        elsewhere = admin.post(
            f"/admin/{kind}", data={"site_id": str(center.other_site_id), "name": taken}
        )
        assert elsewhere.status_code == 200
        row = db.scalars(select(model).where(model.site_id == center.other_site_id)).one()
        renamed = admin.post(
            f"/admin/{kind}/{row.id}", data={"site_id": str(center.other_site_id), "name": "Night"}
        )
        assert renamed.status_code == 200 and "Night" in renamed.text
        for active in ({}, {"active": "on"}):
            assert admin.post(f"/admin/{kind}/{row.id}/active", data=active).status_code == 200
        changes = audit(db, model.__tablename__, row.id)
        assert [c[0] for c in changes] == ["create", "update", "deactivate", "activate"]
        assert (changes[1][1]["name"], changes[1][2]["name"]) == (taken, "Night")
    assert audit_count(db) == 8


def _agent_form(center: Center, **changes: str) -> dict[str, str]:
    return {
        "site_id": str(center.site_id),
        "code": "A004",
        "display_name": "Gleb Kozlov",
        "team_id": str(center.team_id),
        "user_id": "",
        "contracted_weekly_hours": "30",
        f"skill_{center.queue_id}": "2",
    } | changes


def _skills(db: Session, agent_id: int) -> dict[int, int]:
    db.expire_all()
    rows = db.scalars(select(AgentSkill).where(AgentSkill.agent_id == agent_id))
    return {s.queue_id: s.level for s in rows}


def test_an_agents_skills_are_set_changed_and_removed(
    admin: TestClient, center: Center, db: Session
) -> None:
    business = Queue(site_id=center.site_id, name="Business")
    db.add(business)
    db.commit()
    created = admin.post("/admin/agents", data=_agent_form(center))
    assert created.status_code == 200
    agent = db.scalars(select(Agent).where(Agent.code == "A004")).one()
    assert (agent.display_name, agent.contracted_weekly_hours) == ("Gleb Kozlov", 30)
    assert _skills(db, agent.id) == {center.queue_id: 2}
    assert "Retail 2" in created.text
    changed = admin.post(
        f"/admin/agents/{agent.id}",
        data=_agent_form(center, **{f"skill_{center.queue_id}": "4", f"skill_{business.id}": "1"}),
    )
    assert changed.status_code == 200
    assert "Business 1, Retail 4" in changed.text
    assert _skills(db, agent.id) == {center.queue_id: 4, business.id: 1}
    form = admin.get(f"/admin/agents/{agent.id}/edit").text
    assert re.search(rf'name="skill_{business.id}".*?value="1" selected', form, re.S)
    removed = admin.post(
        f"/admin/agents/{agent.id}",
        data=_agent_form(center, **{f"skill_{center.queue_id}": "", f"skill_{business.id}": "1"}),
    )
    assert removed.status_code == 200
    assert _skills(db, agent.id) == {business.id: 1}
    # a skill on a queue closed for now is not on the form, and an edit keeps it
    assert admin.post(f"/admin/queues/{business.id}/active", data={}).status_code == 200
    renamed = admin.post(
        f"/admin/agents/{agent.id}",
        data=_agent_form(center, display_name="Gleb K.", **{f"skill_{center.queue_id}": ""}),
    )
    assert renamed.status_code == 200 and "Gleb K." in renamed.text
    assert _skills(db, agent.id) == {business.id: 1}
    changes = audit(db, "agents", agent.id)[:3]
    assert [c[0] for c in changes] == ["create", "update", "update"]
    retail, biz = str(center.queue_id), str(business.id)
    assert changes[0][2]["skills"] == {retail: 2}
    assert (changes[1][1]["skills"], changes[1][2]["skills"]) == ({retail: 2}, {retail: 4, biz: 1})
    assert (changes[2][1]["skills"], changes[2][2]["skills"]) == ({retail: 4, biz: 1}, {biz: 1})


def test_a_bad_agent_form_is_422_and_changes_nothing(
    admin: TestClient, center: Center, db: Session
) -> None:
    other_team = Team(site_id=center.other_site_id, name="Taiga")
    db.add(other_team)
    db.commit()
    typed = _agent_form(
        center,
        code="A003",
        display_name="",
        contracted_weekly_hours="-4",
        team_id=str(other_team.id),
        **{f"skill_{center.queue_id}": "9"},
    )
    response = admin.post("/admin/agents", data=typed)
    assert response.status_code == 422
    page = response.text
    assert field_error(page, "new-code") == "This site already has an agent with this code."
    assert field_error(page, "new-display_name") == "Required."
    assert field_error(page, "new-contracted_weekly_hours") == "At least 0."
    assert field_error(page, "new-team_id") == "The team belongs to another site."
    assert "At most 5." in page  # beside the skill
    assert 'value="A003"' in page and 'value="-4"' in page
    assert re.search(rf'<option value="{other_team.id}" selected>', page)
    edit = admin.post(
        f"/admin/agents/{center.agent_id}",
        data=_agent_form(center, code="A003", contracted_weekly_hours="81"),
    )
    assert edit.status_code == 422
    prefix = f"agents-{center.agent_id}"
    assert field_error(edit.text, f"{prefix}-contracted_weekly_hours") == "At most 80."
    assert 'value="81"' in edit.text
    for not_a_number in ("nan", "inf", "-1e400", "forty"):
        odd = admin.post(
            f"/admin/agents/{center.agent_id}",
            data=_agent_form(center, code="A003", contracted_weekly_hours=not_a_number),
        )
        assert odd.status_code == 422, not_a_number
        error = field_error(odd.text, f"{prefix}-contracted_weekly_hours")
        assert error == "A number, please.", not_a_number
    assert db.scalar(select(func.count()).select_from(Agent)) == 3
    assert _skills(db, center.agent_id) == {center.queue_id: 3}
    assert db.get(Agent, center.agent_id).contracted_weekly_hours == 40  # type: ignore[union-attr]
    assert audit_count(db) == 0
