"""The page language: chosen with the language switch, kept in the session and on the user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import User
from tests.app.conftest import Center, csrf_of
from tests.app.quick_passwords import quicken_passwords


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


def test_the_language_switch_renders_pages_in_russian(
    client: TestClient, center: Center, db: Session, as_role: Callable[[str], TestClient]
) -> None:
    english = client.get("/login")
    assert '<html lang="en">' in english.text and ">Sign in<" in english.text
    switched = client.post(
        "/language",
        data={"locale": "ru", "next": "/login", "csrf_token": csrf_of(english.text)},
        follow_redirects=False,
    )
    assert (switched.status_code, switched.headers["location"]) == (303, "/login")
    russian = client.get("/login").text
    assert '<html lang="ru">' in russian and ">Войти<" in russian
    with TestClient(client.app) as browser:
        by_header = browser.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
        assert '<html lang="ru">' in by_header
    operator = as_role("operator")
    assert '<html lang="en">' in operator.get("/me/shifts").text  # the user's own language
    operator.post("/language", data={"locale": "ru", "next": "/me/shifts"})
    page = operator.get("/me/shifts").text
    assert '<html lang="ru">' in page and "Мои смены" in page
    db.expire_all()
    assert db.get(User, center.users["operator"]).locale == "ru"  # type: ignore[union-attr]
