"""CSRF: a state-changing request needs the session's own token, in a header or a form field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Shift, Site, User
from tests.app.conftest import MONDAY, Center, csrf_of
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]
NEW_SITE = {
    "name": "Kazan",
    "timezone": "Europe/Moscow",
    "service_level_threshold_seconds": "20",
    "short_abandon_seconds": "5",
}


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_post_without_the_token_is_refused_and_changes_nothing(
    center: Center, db: Session, as_role: Clients
) -> None:
    client = as_role("admin")
    del client.headers["X-CSRF-Token"]
    sites, audits = _count(db, Site), _count(db, AuditEntry)
    refused = [
        client.post("/admin/sites", data=NEW_SITE),
        client.post(
            f"/shifts/cell/{center.agent_id}/{MONDAY}", data={"start": "09:00", "end": "18:00"}
        ),
        client.post(f"/admin/users/{center.spare_user_id}/active", data={}),
        client.post("/logout"),
        client.post("/admin/sites", json=NEW_SITE),
    ]
    for response in refused:
        assert response.status_code == 403, response.request.url
        assert "The form has expired" in response.text
    assert (_count(db, Site), _count(db, AuditEntry), _count(db, Shift)) == (sites, audits, 0)
    assert db.get(User, center.spare_user_id).active  # type: ignore[union-attr]
    # still signed in: the refused logout did nothing either
    assert client.get("/admin/sites", follow_redirects=False).status_code == 200


def test_only_the_sessions_own_token_passes_in_the_form_or_the_header(
    center: Center, db: Session, as_role: Clients
) -> None:
    admin, manager = as_role("admin"), as_role("manager")
    own = manager.headers.pop("X-CSRF-Token")
    with TestClient(admin.app) as anonymous:
        stranger = csrf_of(anonymous.get("/login").text)
    for token in (admin.headers["X-CSRF-Token"], stranger, "x" * 43):
        assert token != own
        by_form = manager.post("/admin/sites", data=NEW_SITE | {"csrf_token": token})
        by_header = manager.post("/admin/sites", data=NEW_SITE, headers={"X-CSRF-Token": token})
        assert (by_form.status_code, by_header.status_code) == (403, 403)
    assert _count(db, Site) == 2
    in_form = manager.post("/admin/sites", data=NEW_SITE | {"csrf_token": own})
    assert in_form.status_code == 200 and "Kazan" in in_form.text  # the list, after the 303
    in_header = manager.post(
        "/admin/sites", data=NEW_SITE | {"name": "Ufa"}, headers={"X-CSRF-Token": own}
    )
    assert in_header.status_code == 200 and "Ufa" in in_header.text
    assert _count(db, Site) == 4
