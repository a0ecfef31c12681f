"""Signing in: checking passwords and slowing down repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth.passwords import verify_password
from app.models import LoginFailure, User

MAX_DELAY_SECONDS = 60
LOGIN_KEY_LENGTH = 64  # the length of login_failures.login


@dataclass(frozen=True)
class SignIn:
    """The outcome: the user, or how long to wait before trying again."""

    user: User | None
    retry_after_seconds: int = 0


def sign_in(
    db: Session,
    *,
    login: str,
    password: str,
    client_ip: str,
    now: datetime,
    free_attempts: int,
    window_seconds: int,
) -> SignIn:
    """Check credentials; after `free_attempts` failures each try must wait longer."""
    login = login.strip().lower()
    key = login[:LOGIN_KEY_LENGTH]  # a longer login matches no user but still counts
    wait = _wait_seconds(db, key, now, free_attempts, window_seconds)
    if wait > 0:
        return SignIn(None, wait)
    user = db.scalar(select(User).where(func.lower(User.login) == login))
    matches = verify_password(user.password_hash if user else None, password)
    if user is not None and user.active and matches:
        db.execute(delete(LoginFailure).where(LoginFailure.login == key))
        return SignIn(user)
    db.add(LoginFailure(login=key, client_ip=client_ip[:64], at=now))
    db.flush()
    return SignIn(None)


def _wait_seconds(
    db: Session, login: str, now: datetime, free_attempts: int, window_seconds: int
) -> int:
    since = now - timedelta(seconds=window_seconds)
    count, last = db.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.login == login, LoginFailure.at >= since
        )
    ).one()
    if count < free_attempts or last is None:
        return 0
    delay = min(2 ** (count - free_attempts + 1), MAX_DELAY_SECONDS)
    if last.tzinfo is None:  # an aggregate over SQLite comes back naive
        last = last.replace(tzinfo=UTC)
    remaining = (last + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(remaining + 0.999))
