"""The application on a fresh database, a small seeded center, and signed-in clients."""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.passwords import hash_password
from app.config import Settings
from app.main import create_app
from app.models import Agent, AgentSkill, Queue, Role, Site, Team, User

PASSWORD = "correct-horse-battery"
MONDAY = date(2026, 11, 30)


@dataclass(frozen=True)
class Center:
    """Ids of what the seeded center holds; `spare_*` rows exist for tests to change."""

    site_id: int
    other_site_id: int
    team_id: int
    queue_id: int
    agent_id: int
    operator_agent_id: int
    other_operator_agent_id: int
    spare_user_id: int
    users: dict[str, int]


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key="k" * 40,
        var_dir=tmp_path / "var",
        default_locale="en",
    )
    application = create_app(settings)
    yield application
    application.state.engine.dispose()
    gc.collect()  # a connection this test leaked is reported here, not in a later test


@pytest.fixture
def db(app: FastAPI) -> Iterator[Session]:
    session: Session = app.state.sessionmaker()
    yield session
    session.rollback()
    session.close()


@functools.cache
def password_hash() -> str:
    """One argon2 hash of PASSWORD, shared by the test users (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


def _user(db: Session, login: str, role: Role, site: Site | None) -> User:
    user = User(
        login=login,
        display_name=login.title(),
        role=role,
        locale="en",
        password_hash=password_hash(),
        site_id=site.id if site else None,
    )
    db.add(user)
    return user


@pytest.fixture
def center(db: Session) -> Center:
    """One site (Europe/Moscow) with a team, a queue, three agents and a user per role."""
    site = Site(name="Moscow", timezone="Europe/Moscow")
    other = Site(name="Novosibirsk", timezone="Asia/Novosibirsk")
    db.add_all([site, other])
    db.flush()
    team, queue = Team(site_id=site.id, name="Alpha"), Queue(site_id=site.id, name="Retail")
    db.add_all([team, queue])
    users = {
        r.value: _user(db, r.value, r, site if r in (Role.SUPERVISOR, Role.OPERATOR) else None)
        for r in Role
    }
    other_operator = _user(db, "operator2", Role.OPERATOR, site)
    spare = _user(db, "spare", Role.OPERATOR, site)
    db.flush()
    agents = [
        Agent(
            site_id=site.id,
            team_id=team.id,
            code=code,
            display_name=name,
            contracted_weekly_hours=40,
            user_id=uid,
        )
        for code, name, uid in (
            ("A001", "Anna Ivanova", users["operator"].id),
            ("A002", "Boris Petrov", other_operator.id),
            ("A003", "Vera Smirnova", None),
        )
    ]
    db.add_all(agents)
    db.flush()
    db.add(AgentSkill(agent_id=agents[2].id, queue_id=queue.id, level=3))
    db.commit()
    return Center(
        site.id,
        other.id,
        team.id,
        queue.id,
        agents[2].id,
        agents[0].id,
        agents[1].id,
        spare.id,
        {k: u.id for k, u in users.items()},
    )


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, login: str, password: str = PASSWORD) -> TestClient:
    """Sign `client` in; the session's CSRF token is kept in `client.csrf`."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    client.csrf = csrf_of(client.get("/").text)  # type: ignore[attr-defined]
    client.headers["X-CSRF-Token"] = client.csrf  # type: ignore[attr-defined]
    return client


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def as_role(app: FastAPI, center: Center) -> Iterator[object]:
    """A factory of clients signed in as a role's user."""
    clients: list[TestClient] = []

    def make(login: str) -> TestClient:
        test_client = TestClient(app)
        clients.append(test_client)
        return sign_in(test_client, login)

    yield make
    for test_client in clients:
        test_client.close()
