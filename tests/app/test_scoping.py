"""Who sees what: operators see their own shifts, supervisors their own site, managers no admins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Agent, AuditEntry, Queue, Role, Shift, Site, Team, User
from app.shifts.service import set_shift, site_now
from tests.app.conftest import MONDAY, Center
from tests.app.quick_passwords import quicken_passwords
from tests.app.test_route_guards import guarded_routes

Clients = Callable[[str], TestClient]


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


def _audit_rows(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_an_operator_is_refused_every_admin_route_and_the_shift_grid(
    app: FastAPI, center: Center, db: Session, as_role: Clients
) -> None:
    client = as_role("operator")
    routes = [r for r in guarded_routes(app) if r.path.startswith(("/admin", "/shifts"))]
    assert len(routes) >= 30
    for route in routes:
        url = (
            route.path.replace("{row_id}", str(center.agent_id))
            .replace("{agent_id}", str(center.operator_agent_id))
            .replace("{day}", MONDAY.isoformat())
        )
        data = {"name": "X", "start": "09:00", "end": "18:00", "active": "on"}
        response = client.request(route.method, url, data=data if route.method == "POST" else None)
        assert response.status_code == 403, f"{route.method} {url}"
        assert "Your role does not give access to this page." in response.text
    assert _audit_rows(db) == 0
    assert db.scalar(select(func.count()).select_from(Shift)) == 0


def _shift(db: Session, agent_id: int, days_ahead: int, start: time, end: time) -> None:
    """A shift some days from the site's today (My shifts shows the coming weeks)."""
    agent = db.get(Agent, agent_id)
    assert agent is not None
    site = db.get(Site, agent.site_id)
    assert site is not None
    day = site_now(site, utcnow()).date() + timedelta(days=days_ahead)
    shift, reason = set_shift(db, user=None, agent=agent, site=site, day=day, start=start, end=end)
    assert shift is not None, reason


def test_an_operator_sees_only_their_own_shifts(
    center: Center, db: Session, as_role: Clients
) -> None:
    _shift(db, center.operator_agent_id, 1, time(8, 0), time(17, 0))
    _shift(db, center.operator_agent_id, 3, time(7, 40), time(16, 10))
    _shift(db, center.other_operator_agent_id, 1, time(13, 15), time(21, 45))
    _shift(db, center.agent_id, 2, time(10, 5), time(19, 5))
    db.commit()
    own = as_role("operator").get("/me/shifts")
    assert own.status_code == 200
    assert "08:00–17:00" in own.text
    assert "07:40–16:10" in own.text
    for other in ("13:15", "21:45", "10:05", "19:05"):
        assert other not in own.text
    other = as_role("operator2").get("/me/shifts").text
    assert "13:15–21:45" in other
    assert "08:00" not in other
    assert "07:40" not in other
    unlinked = as_role("spare").get("/me/shifts").text
    assert "not linked to an agent" in unlinked


@pytest.fixture
def siberia(db: Session, center: Center) -> Agent:
    """An agent, a team and a queue at the other site (Novosibirsk)."""
    team = Team(site_id=center.other_site_id, name="Taiga")
    queue = Queue(site_id=center.other_site_id, name="Siberian retail")
    db.add_all([team, queue])
    db.flush()
    agent = Agent(
        site_id=center.other_site_id,
        team_id=team.id,
        code="N001",
        display_name="Nikolai Orlov",
        contracted_weekly_hours=40,
    )
    db.add(agent)
    db.commit()
    return agent


def test_a_supervisor_sees_only_their_own_sites_people(
    center: Center, db: Session, as_role: Clients, siberia: Agent
) -> None:
    supervisor = as_role("supervisor")
    agents = supervisor.get("/admin/agents").text
    assert "Anna Ivanova" in agents and "Vera Smirnova" in agents
    assert "Nikolai Orlov" not in agents
    assert "Taiga" not in supervisor.get("/admin/teams").text
    assert "Siberian retail" not in supervisor.get("/admin/queues").text
    assert "Siberian retail" not in agents  # nor offered as a skill
    for url in (f"/admin/agents/{siberia.id}", f"/admin/agents/{siberia.id}/edit"):
        assert supervisor.get(url).status_code == 404, url
    moved = supervisor.post(
        f"/admin/agents/{siberia.id}",
        data={"site_id": str(center.site_id), "code": "N001", "display_name": "Moved"},
    )
    assert moved.status_code == 404
    assert supervisor.get("/shifts", params={"site_id": center.other_site_id}).status_code == 404
    grid = supervisor.get("/shifts").text
    assert "Nikolai Orlov" not in grid and "Anna Ivanova" in grid
    cell = f"/shifts/cell/{siberia.id}/{MONDAY}"
    assert supervisor.get(cell).status_code == 404
    assert supervisor.post(cell, data={"start": "09:00", "end": "18:00"}).status_code == 404
    into_other_site = supervisor.post(
        "/admin/agents",
        data={
            "site_id": str(center.other_site_id),
            "code": "N002",
            "display_name": "Olga Sokolova",
            "contracted_weekly_hours": "40",
        },
    )
    assert into_other_site.status_code == 422
    assert db.scalar(select(func.count()).where(Agent.code == "N002")) == 0
    assert db.scalar(select(func.count()).select_from(Shift)) == 0
    admin = as_role("admin")
    assert "Nikolai Orlov" in admin.get("/admin/agents").text
    row = admin.get(f"/admin/agents/{siberia.id}")
    assert row.status_code == 200 and "Nikolai Orlov" in row.text
    assert "Taiga" in admin.get("/admin/teams").text


def test_a_manager_cannot_create_or_change_an_admin(
    center: Center, db: Session, as_role: Clients
) -> None:
    manager = as_role("manager")
    admin_id = center.users["admin"]
    new_admin = {
        "login": "root2",
        "display_name": "Root",
        "role": "admin",
        "locale": "en",
        "site_id": "",
        "password": "long-enough-pass",
    }
    created = manager.post("/admin/users", data=new_admin)
    assert created.status_code == 422
    assert "Choose one of the options." in created.text
    assert 'value="admin"' not in created.text  # not even offered
    edited = manager.post(
        f"/admin/users/{admin_id}",
        data=new_admin | {"login": "admin", "display_name": "Taken over", "password": ""},
    )
    assert edited.status_code == 422
    assert "Only an administrator may change an administrator." in edited.text
    promoted = manager.post(
        f"/admin/users/{center.spare_user_id}", data=new_admin | {"login": "spare"}
    )
    assert promoted.status_code == 422
    deactivated = manager.post(f"/admin/users/{admin_id}/active", data={})
    assert deactivated.status_code == 422
    assert "Only an administrator may change an administrator." in deactivated.text
    db.expire_all()
    admin = db.get(User, admin_id)
    assert admin is not None and admin.active and admin.display_name == "Admin"
    assert db.scalar(select(func.count()).where(User.role == Role.ADMIN)) == 1
    assert db.get(User, center.spare_user_id).role == Role.OPERATOR  # type: ignore[union-attr]
    # nor bring back an administrator someone else deactivated
    admin.active = False
    db.commit()
    reactivated = manager.post(f"/admin/users/{admin_id}/active", data={"active": "on"})
    assert reactivated.status_code == 422
    db.expire_all()
    assert not db.get(User, admin_id).active  # type: ignore[union-attr]
    assert _audit_rows(db) == 0
