"""Who may reach a route: every route declares its roles through `allow(...)`."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.db import session_scope
from app.models import Role, User

PUBLIC = frozenset[Role]()


class LoginRequired(Exception):
    """No one is signed in; the handler sends them to the sign-in page."""


class Forbidden(Exception):
    """Signed in, but this role may not do this."""


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token."""


def get_db(request: Request) -> Iterator[Session]:
    """The request's session; the request owns the transaction (commit at the end)."""
    yield from session_scope(request.app.state.sessionmaker)


Db = Annotated[Session, Depends(get_db)]


def current_user(request: Request, db: Db) -> User | None:
    """The signed-in, active user, or None."""
    user_id = request.session.get("user_id")
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    if user is not None and not user.active:
        request.session.clear()
        user = None
    request.state.viewer = Viewer(user.id, user.display_name, user.role) if user else None
    return user


@dataclass(frozen=True)
class Viewer:
    """What pages show of the signed-in person; safe to use after the transaction ends."""

    id: int
    display_name: str
    role: str


class RoleGuard:
    """A dependency that admits the given roles; the route test reads `roles` to check it."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    def __call__(self, user: Annotated[User | None, Depends(current_user)]) -> User:
        if user is None:
            raise LoginRequired
        if Role(user.role) not in self.roles:
            raise Forbidden
        return user


def allow(*roles: Role) -> Callable[..., User]:
    """The guard for a route open to `roles`."""
    return RoleGuard(frozenset(roles))


def ensure_csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing request whose token (header or form field) is not the session's."""
    ensure_csrf_token(request)
    if request.method in ("GET", "HEAD", "OPTIONS") or request.url.path.startswith("/api/"):
        return
    sent = request.headers.get("X-CSRF-Token")
    form = None
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, request.session["csrf"]):
        if form is not None:
            await form.close()  # no route will: drop any uploaded file now
        raise CsrfRejected
