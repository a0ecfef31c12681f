"""Cheap argon2 parameters for the seeded users, so that a test may sign in many times.

The verification is the application's own; only the cost stored in the hash is lower.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.models import User
from tests.app.conftest import PASSWORD

QUICK_HASH = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PASSWORD)


def quicken_passwords(db: Session) -> None:
    """Give every user the cheap hash of PASSWORD and commit."""
    db.execute(update(User).values(password_hash=QUICK_HASH))
    db.commit()
