"""A bad value in a page's address (a date, an id) gets the error page, in the user's language.

The API keeps FastAPI's JSON; an htmx fragment request gets a flash-sized fragment.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import User
from tests.app.conftest import Center

Clients = Callable[[str], TestClient]
BAD_DAY = "2026-13-45"

# Every route that takes a date, in its path or its query (GET: the ones a link can reach).
DATE_ROUTES = [
    ("/shifts?week={bad}", "week"),
    ("/shifts/cell/{agent}/{bad}", "day"),
    ("/shifts/cell/{agent}/{bad}/edit", "day"),
    ("/breaks?day={bad}", "day"),
    ("/breaks/timeline?day={bad}", "day"),
    ("/rosters?week={bad}", "week"),
    ("/rosters?day={bad}", "day"),
    ("/rosters/body?week={bad}", "week"),
    ("/rosters/1/coverage?day={bad}", "day"),
    ("/rosters/1/cell/{agent}/{bad}", "day"),
]
# ... and those that change something (the CSRF header is sent, so validation is reached).
DATE_POSTS = [
    ("/shifts/cell/{agent}/{bad}", "day"),
    ("/shifts/cell/{agent}/{bad}/delete", "day"),
    ("/rosters/1/cell/{agent}/{bad}", "day"),
]


def _url(template: str, center: Center, bad: str = BAD_DAY) -> str:
    return template.format(agent=center.agent_id, bad=bad)


def _message(page: str) -> str:
    start = page.index('role="alert">') + len('role="alert">')
    return html.unescape(page[start : page.index("</p>", start)])


@pytest.mark.parametrize(("template", "name"), DATE_ROUTES)
def test_a_bad_date_in_a_page_address_is_the_error_page_naming_it(
    as_role: Clients, center: Center, template: str, name: str
) -> None:
    response = as_role("manager").get(_url(template, center))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text and "Something is not right" in response.text
    assert _message(response.text) == f"{name}: “{BAD_DAY}” is not a date (YYYY-MM-DD)."


@pytest.mark.parametrize(("template", "name"), DATE_POSTS)
def test_a_bad_date_in_a_form_address_is_the_error_page_too(
    as_role: Clients, center: Center, template: str, name: str
) -> None:
    response = as_role("manager").post(_url(template, center), data={})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert f"{name}: “{BAD_DAY}” is not a date" in _message(response.text)


def test_every_wrong_parameter_is_named_with_its_value(as_role: Clients, center: Center) -> None:
    response = as_role("manager").get("/rosters?week=2026-99-99&site_id=abc&day=2026-02-30")
    assert response.status_code == 422
    message = _message(response.text)
    assert "week: “2026-99-99” is not a date (YYYY-MM-DD)." in message
    assert "site_id: “abc” is not a whole number." in message
    assert "day: “2026-02-30” is not a date (YYYY-MM-DD)." in message


def test_the_error_is_in_the_users_language(as_role: Clients, center: Center, db: Session) -> None:
    user = db.get(User, center.users["manager"])
    assert user is not None
    user.locale = "ru"
    db.commit()
    response = as_role("manager").get(f"/breaks?day={BAD_DAY}")
    assert response.status_code == 422
    assert '<html lang="ru">' in response.text
    assert _message(response.text) == f"day: «{BAD_DAY}» — не дата (ГГГГ-ММ-ДД)."


def test_an_htmx_fragment_request_gets_a_fragment_for_the_flash_area(
    as_role: Clients, center: Center
) -> None:
    manager = as_role("manager")
    fragment = manager.get(f"/breaks/timeline?day={BAD_DAY}", headers={"HX-Request": "true"})
    assert fragment.status_code == 422  # the page's htmx config swaps 422
    assert "<html" not in fragment.text
    assert (fragment.headers["HX-Retarget"], fragment.headers["HX-Reswap"]) == (
        "#flashes",
        "innerHTML",
    )
    assert _message(fragment.text) == f"day: “{BAD_DAY}” is not a date (YYYY-MM-DD)."
    boosted = manager.get(
        f"/breaks?day={BAD_DAY}", headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert boosted.status_code == 422 and "<html" in boosted.text  # a link: the whole page


def test_a_good_date_still_opens_the_page(as_role: Clients, center: Center) -> None:
    assert as_role("manager").get("/breaks?day=2026-11-30").status_code == 200


def test_signed_out_or_wrong_role_comes_before_the_bad_date(
    client: TestClient, as_role: Clients, center: Center
) -> None:
    signed_out = client.get(f"/breaks?day={BAD_DAY}", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login")
    operator = as_role("operator")
    assert operator.get(f"/breaks?day={BAD_DAY}").status_code == 403


def test_the_api_keeps_fastapis_json(app: FastAPI, as_role: Clients, center: Center) -> None:
    def echo(day: date) -> dict[str, str]:
        return {"day": day.isoformat()}

    app.add_api_route("/api/v1/echo-day", echo, methods=["GET"])  # no API route takes a date yet
    response = as_role("manager").get(f"/api/v1/echo-day?day={BAD_DAY}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "day"] and error["input"] == BAD_DAY
