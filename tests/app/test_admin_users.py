"""The users screen: passwords hashed with argon2 and never shown, nor logged; no self-lockout."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import i18n
from app.admin.resources import set_active, update_row
from app.admin.specs import USERS
from app.auth.passwords import verify_password
from app.forms import Form
from app.models import AuditEntry, Role, User
from tests.app.conftest import Center
from tests.app.quick_passwords import quicken_passwords
from tests.app.test_admin import audit, audit_count, field_error

Clients = Callable[[str], TestClient]
FIRST_PASSWORD = "first-secret-42"
SECOND_PASSWORD = "second-secret-42"


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


def _user_form(center: Center, **changes: str) -> dict[str, str]:
    return {
        "login": "Olga",
        "display_name": "Olga Sokolova",
        "role": "supervisor",
        "site_id": str(center.site_id),
        "locale": "ru",
        "password": FIRST_PASSWORD,
    } | changes


def _user(db: Session, login: str) -> User:
    db.expire_all()
    return db.scalars(select(User).where(User.login == login)).one()


def test_a_user_gets_an_argon2_hash_that_is_never_shown_and_kept_on_a_blank_edit(
    center: Center, db: Session, as_role: Clients
) -> None:
    admin = as_role("admin")
    created = admin.post("/admin/users", data=_user_form(center))
    assert created.status_code == 200 and "Saved." in created.text
    olga = _user(db, "olga")  # logins are kept in lower case
    assert (olga.role, olga.site_id, olga.locale) == (Role.SUPERVISOR, center.site_id, "ru")
    first_hash = olga.password_hash
    assert first_hash.startswith("$argon2id$")
    assert verify_password(first_hash, FIRST_PASSWORD)
    for page in (created.text, admin.get(f"/admin/users/{olga.id}/edit").text):
        assert "$argon2" not in page and FIRST_PASSWORD not in page
    kept = admin.post(
        f"/admin/users/{olga.id}", data=_user_form(center, display_name="Olga S.", password="")
    )
    assert kept.status_code == 200 and "Olga S." in kept.text
    assert _user(db, "olga").password_hash == first_hash
    changed = admin.post(
        f"/admin/users/{olga.id}", data=_user_form(center, password=SECOND_PASSWORD)
    )
    assert changed.status_code == 200
    second_hash = _user(db, "olga").password_hash
    assert second_hash != first_hash and verify_password(second_hash, SECOND_PASSWORD)
    changes = audit(db, "users", olga.id)
    assert [c[0] for c in changes] == ["create", "update", "update"]
    assert (changes[1][1]["display_name"], changes[1][2]["display_name"]) == (
        "Olga Sokolova",
        "Olga S.",
    )
    logged = json.dumps([c[1:] for c in changes])
    for secret in ("password", "$argon2", FIRST_PASSWORD, SECOND_PASSWORD):
        assert secret not in logged


def test_a_bad_user_form_is_422_and_no_one_deactivates_themselves(
    center: Center, db: Session, as_role: Clients
) -> None:
    admin = as_role("admin")
    typed = _user_form(center, login="ADMIN", site_id="", password="short")
    response = admin.post("/admin/users", data=typed)
    assert response.status_code == 422
    page = response.text
    assert field_error(page, "new-login") == "This login is taken."
    assert field_error(page, "new-site_id") == "Supervisors and operators belong to a site."
    assert field_error(page, "new-password") == "At least 8 characters."
    assert 'value="admin"' in page or 'value="ADMIN"' in page
    assert 'value="Olga Sokolova"' in page
    assert 'value="short"' not in page
    missing = admin.post("/admin/users", data={"login": "", "password": FIRST_PASSWORD})
    assert field_error(missing.text, "new-login") == "Required."
    assert field_error(missing.text, "new-role") == "Choose one of the options."
    assert db.scalar(select(func.count()).select_from(User)) == 6
    assert audit_count(db) == 0
    # no one deactivates themselves; others are deactivated and brought back
    own_id, spare_id = center.users["admin"], center.spare_user_id
    refused = admin.post(f"/admin/users/{own_id}/active", data={})
    assert refused.status_code == 422
    assert "You cannot deactivate yourself." in refused.text
    assert _user(db, "admin").active
    assert admin.get("/admin/users", follow_redirects=False).status_code == 200
    spare = as_role("spare")
    assert admin.post(f"/admin/users/{spare_id}/active", data={}).status_code == 200
    assert not _user(db, "spare").active
    assert spare.get("/", follow_redirects=False).status_code == 303  # signed out
    assert admin.post(f"/admin/users/{spare_id}/active", data={"active": "on"}).status_code == 200
    assert _user(db, "spare").active
    assert [c[0] for c in audit(db, "users", spare_id)] == ["deactivate", "activate"]
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 2


ROLE_OWN = "You cannot change your own role; ask another administrator."
ROLE_LAST = (
    "This is the last active administrator: their role cannot change "
    "until another user is an administrator."
)
ACTIVE_LAST = (
    "This is the last active administrator: they cannot be deactivated "
    "until another user is an administrator."
)


def _second_admin(db: Session) -> User:
    second = User(
        login="admin2",
        display_name="Second Admin",
        role=Role.ADMIN,
        locale="en",
        password_hash=_user(db, "admin").password_hash,
    )
    db.add(second)
    db.commit()
    return second


@pytest.fixture
def english() -> Iterator[None]:
    """Service calls outside a request speak the current locale: English here."""
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


def _admin_form(user: User, role: str) -> dict[str, str]:
    return {
        "login": user.login,
        "display_name": user.display_name,
        "role": role,
        "site_id": "",
        "locale": "en",
        "password": "",
    }


def test_no_one_changes_their_own_role_so_the_only_admin_stays_one(
    center: Center, db: Session, as_role: Clients
) -> None:
    admin = as_role("admin")
    me = _user(db, "admin")
    refused = admin.post(f"/admin/users/{me.id}", data=_admin_form(me, "manager"))
    assert refused.status_code == 422
    assert field_error(refused.text, f"users-{me.id}-role") == ROLE_OWN
    assert 'value="manager" selected' in refused.text  # what was chosen is kept on the form
    assert _user(db, "admin").role == Role.ADMIN
    assert audit_count(db) == 0
    renamed = admin.post(f"/admin/users/{me.id}", data=_admin_form(me, "admin") | {"locale": "ru"})
    assert renamed.status_code == 200  # the rest of one's own record is editable
    assert _user(db, "admin").locale == "ru"
    # another administrator is demoted (one remains), and a manager edits only themselves
    second = _second_admin(db)
    demoted = admin.post(f"/admin/users/{second.id}", data=_admin_form(second, "manager"))
    assert demoted.status_code == 200
    assert _user(db, "admin2").role == Role.MANAGER
    manager, own = as_role("manager"), _user(db, "manager")
    refused = manager.post(f"/admin/users/{own.id}", data=_admin_form(own, "supervisor"))
    assert refused.status_code == 422
    assert field_error(refused.text, f"users-{own.id}-role") == ROLE_OWN


def test_the_last_active_admin_is_neither_demoted_nor_deactivated(
    center: Center, db: Session, english: None
) -> None:
    """An admin who lost the role a moment ago (another request) acts on the other admin."""
    acting, last = _user(db, "admin"), _second_admin(db)
    acting.active = False  # deactivated meanwhile: `last` is the only active administrator
    db.flush()
    form = Form(_admin_form(last, "manager"))
    assert not update_row(db, USERS, acting, last, form)
    assert form.errors == {"role": ROLE_LAST}
    assert set_active(db, USERS, acting, last, False) == ACTIVE_LAST
    db.flush()
    db.expire_all()
    assert (last.role, last.active) == (Role.ADMIN, True)
    acting.active = True  # with a second active admin, both changes go through
    db.flush()
    assert update_row(db, USERS, acting, last, Form(_admin_form(last, "manager")))
    assert set_active(db, USERS, acting, last, False) is None


# Row locks are PostgreSQL's; SQLite runs one writer at a time, so the race needs no lock there.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_two_admins_demoting_each_other_at_once_leave_one(
    center: Center, db: Session, app: FastAPI, english: None
) -> None:
    first_id, second_id = _user(db, "admin").id, _second_admin(db).id
    db.rollback()
    one, two = app.state.sessionmaker(), app.state.sessionmaker()
    try:
        first, second = one.get(User, first_id), one.get(User, second_id)
        assert first is not None and second is not None
        assert update_row(one, USERS, first, second, Form(_admin_form(second, "manager")))
        one.flush()  # the first request has demoted the second admin, not yet committed
        outcome: list[Form] = []

        def second_request() -> None:
            i18n.current_locale.set("en")  # a thread starts from the default context
            acting, target = two.get(User, second_id), two.get(User, first_id)
            assert acting is not None and target is not None
            form = Form(_admin_form(target, "manager"))
            if update_row(two, USERS, acting, target, form):
                two.flush()
            outcome.append(form)

        worker = threading.Thread(target=second_request)
        worker.start()
        worker.join(timeout=1)
        assert worker.is_alive()  # waits on the administrators' rows
        one.commit()
        worker.join(timeout=10)
        assert outcome and outcome[0].errors == {"role": ROLE_LAST}
        two.commit()
    finally:
        one.close()
        two.close()
    assert _user(db, "admin").role == Role.ADMIN
