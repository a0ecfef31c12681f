"""Signing in and out: passwords, the slow-down after failures, inactive users, `next`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.routes import _safe_next
from app.auth.service import sign_in as check_sign_in
from app.config import Settings
from app.main import create_app
from app.models import LoginFailure, User
from tests.app.conftest import PASSWORD, Center, csrf_of, password_hash
from tests.app.quick_passwords import quicken_passwords

FREE_ATTEMPTS = 3
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    """The application with a slow-down after three failures (not the default five)."""
    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key="k" * 40,
        var_dir=tmp_path / "var",
        default_locale="en",
        login_attempts_before_delay=FREE_ATTEMPTS,
    )
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


def _post_login(
    client: TestClient, login: str, password: str, next_url: str = "/"
) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"login": login, "password": password, "next": next_url, "csrf_token": token},
        follow_redirects=False,
    )


def _failures(db: Session, login: str) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).where(LoginFailure.login == login)) or 0


def test_the_right_password_opens_a_session_that_logout_ends(
    client: TestClient, center: Center, db: Session
) -> None:
    # the production cost of argon2, once: the seeded hash, not the quick one
    db.execute(update(User).where(User.login == "admin").values(password_hash=password_hash()))
    db.commit()
    response = _post_login(client, "Admin", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 200
    assert "Hello, Admin" in home.text
    assert client.get("/admin/users", follow_redirects=False).status_code == 200
    out = client.post("/logout", headers={"X-CSRF-Token": csrf_of(home.text)})
    assert out.history[0].status_code == 303
    assert out.history[0].headers["location"] == "/login"
    assert "You have signed out." in out.text
    assert client.get("/admin/users", follow_redirects=False).status_code == 303


def test_a_wrong_password_or_unknown_login_is_401_with_a_clear_message(
    client: TestClient, center: Center, db: Session
) -> None:
    for login in ("supervisor", "nobody", "x" * 100):  # longer than any login column
        response = _post_login(client, login, "not-the-password")
        assert response.status_code == 401
        assert "Wrong login or password." in response.text
        assert f'value="{login}"' in response.text  # what was typed is kept
        assert 'type="password"' in response.text
        assert "not-the-password" not in response.text
    assert _failures(db, "supervisor") == 1
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")


def test_repeated_failures_are_slowed_down_and_a_success_clears_them(
    client: TestClient, center: Center, db: Session
) -> None:
    for _ in range(FREE_ATTEMPTS):
        assert _post_login(client, "operator", "wrong-wrong").status_code == 401
    slowed = _post_login(client, "operator", PASSWORD)  # even the right password waits
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) >= 1
    assert "Too many failed attempts" in slowed.text
    assert client.get("/", follow_redirects=False).status_code == 303
    # another login is not slowed by this one's failures
    assert _post_login(TestClient(client.app), "spare", PASSWORD).status_code == 303
    # once the wait is over (the failures are older), the right password gets in ...
    for failure in db.scalars(select(LoginFailure)):
        failure.at -= timedelta(seconds=120)
    db.commit()
    assert _post_login(client, "operator", PASSWORD).status_code == 303
    assert _failures(db, "operator") == 0
    # ... and the next mistake starts from zero again
    client.post("/logout", headers={"X-CSRF-Token": csrf_of(client.get("/").text)})
    assert _post_login(client, "operator", "wrong-wrong").status_code == 401


def test_each_failure_past_the_free_ones_waits_longer_until_the_window_ends(
    db: Session, center: Center
) -> None:
    def attempt(at: datetime, password: str = "wrong-wrong") -> tuple[bool, int]:
        result = check_sign_in(
            db,
            login="Operator",
            password=password,
            client_ip="10.0.0.1",
            now=at,
            free_attempts=2,
            window_seconds=900,
        )
        return result.user is not None, result.retry_after_seconds

    assert attempt(T0) == (False, 0)
    assert attempt(T0) == (False, 0)
    assert attempt(T0 + timedelta(seconds=1)) == (False, 1)  # 2 s after the last failure
    assert attempt(T0 + timedelta(seconds=2)) == (False, 0)  # waited: checked, wrong again
    assert attempt(T0 + timedelta(seconds=2)) == (False, 4)  # the wait doubled
    assert attempt(T0 + timedelta(seconds=2), PASSWORD) == (False, 4)
    assert attempt(T0 + timedelta(seconds=6), PASSWORD) == (True, 0)
    assert _failures(db, "operator") == 0
    for _ in range(12):  # the wait stops growing at a minute
        db.add(LoginFailure(login="operator", client_ip="10.0.0.1", at=T0))
    db.flush()
    assert attempt(T0) == (False, 60)
    assert attempt(T0 + timedelta(seconds=901)) == (False, 0)  # outside the window


def test_an_inactive_user_cannot_sign_in_and_loses_an_open_session(
    client: TestClient, center: Center, db: Session, as_role: Callable[[str], TestClient]
) -> None:
    signed_in = as_role("operator")
    db.execute(update(User).where(User.login == "operator").values(active=False))
    db.commit()
    page = signed_in.get("/me/shifts", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    refused = _post_login(client, "operator", PASSWORD)
    assert refused.status_code == 401
    assert "Wrong login or password." in refused.text


OFF_SITE = (
    "https://evil.example/",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
)


def _is_local(location: str) -> bool:
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
    )


def test_next_takes_the_user_back_to_a_local_page_only(client: TestClient, center: Center) -> None:
    sent_to_sign_in = client.get("/shifts", follow_redirects=False)
    assert sent_to_sign_in.headers["location"] == "/login?next=/shifts"
    page = client.get("/login", params={"next": "//evil.example"})
    assert 'name="next" value="/"' in page.text
    local = _post_login(client, "manager", PASSWORD, "/shifts?week=2026-11-30")
    assert local.headers["location"] == "/shifts?week=2026-11-30"
    for target in OFF_SITE:
        response = _post_login(client, "manager", PASSWORD, target)
        assert response.status_code == 303, target
        assert response.headers["location"] == "/", target
        again = client.get("/login", params={"next": target}, follow_redirects=False)
        assert again.status_code == 303, target
        assert _is_local(again.headers["location"]), target


def test_next_keeps_the_query_of_the_page_asked_for(client: TestClient, center: Center) -> None:
    wanted = "/reports?site=1&period=month"
    sent = client.get(wanted, follow_redirects=False)
    assert sent.status_code == 303
    location = urlsplit(sent.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": [wanted]}  # `&` and `=` are escaped in `next`
    page = client.get(sent.headers["location"])
    assert 'name="next" value="/reports?site=1&amp;period=month"' in page.text
    signed_in = _post_login(client, "manager", PASSWORD, wanted)
    assert signed_in.headers["location"] == wanted


def test_an_htmx_request_signed_out_comes_back_to_the_page_not_the_fragment(
    client: TestClient, center: Center
) -> None:
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/reports?period=week"}
    response = client.get("/reports/report?period=week", headers=headers, follow_redirects=False)
    assert response.status_code == 401
    target = urlsplit(response.headers["HX-Redirect"])
    assert parse_qs(target.query) == {"next": ["/reports?period=week"]}
    foreign = headers | {"HX-Current-URL": "https://evil.example/steal?x=1"}
    response = client.get("/reports/report?period=week", headers=foreign, follow_redirects=False)
    target = urlsplit(response.headers["HX-Redirect"])
    assert parse_qs(target.query) == {"next": ["/reports/report?period=week"]}


@pytest.mark.parametrize(
    "target",
    [
        *OFF_SITE,
        "//evil.example",
        "///evil.example",
        "/\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " /reports",
        "https://testserver/reports",
        "",
        None,
    ],
)
def test_safe_next_refuses_anything_but_a_local_path(target: str | None) -> None:
    assert _safe_next(target) == "/"


@pytest.mark.parametrize(
    "target",
    ["/", "/reports?site=1&period=month", "/shifts/week/2026-11-30", "/a?next=//evil.example"],
)
def test_safe_next_keeps_a_local_path_and_its_query(target: str) -> None:
    assert _safe_next(target) == target
