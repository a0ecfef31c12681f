"""Writing the audit log: every change to an entity, with its values before and after."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.db import Base, utcnow
from app.models import AuditEntry, User


def snapshot(entity: Base) -> dict[str, Any]:
    """The entity's column values as JSON-safe data (no password hashes)."""
    values: dict[str, Any] = {}
    for column in inspect(entity).mapper.column_attrs:
        if column.key == "password_hash":
            continue
        value = getattr(entity, column.key)
        values[column.key] = (
            value.isoformat() if isinstance(value, date | datetime | time) else value
        )
    return values


def record(
    db: Session,
    *,
    user: User | None,
    action: str,
    entity: Base,
    before: dict[str, Any] | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Log one change to `entity`; its current values are the `after` (flushes first)."""
    db.flush()
    after = None if action == "delete" else snapshot(entity) | (extra or {})
    key = inspect(entity).identity
    db.add(
        AuditEntry(
            at=utcnow(),
            user_id=user.id if user else None,
            action=action,
            entity=entity.__tablename__,
            entity_id="/".join(str(k) for k in key or ()),
            before=before,
            after=after,
        )
    )
