"""Alerts kept once per stable key: first and last seen, cleared, acknowledged (audited)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import record, snapshot
from app.models import FloorAlert, User
from kpi.alerts import Alert

HISTORY_LIMIT = 50


def sync_alerts(
    db: Session, *, site_id: int, alerts: Sequence[Alert], now: datetime
) -> list[FloorAlert]:
    """Record the alerts raised at `now`: new keys added, seen ones touched, gone ones cleared."""
    stored = {
        a.key: a
        for a in db.scalars(
            select(FloorAlert).where(FloorAlert.site_id == site_id, FloorAlert.cleared_at.is_(None))
        )
    }
    raised = {alert.key: alert for alert in alerts}
    reopened = {
        a.key: a
        for a in db.scalars(
            select(FloorAlert).where(
                FloorAlert.site_id == site_id,
                FloorAlert.key.in_([k for k in raised if k not in stored]),
            )
        )
    } if any(k not in stored for k in raised) else {}  # fmt: skip
    for key, alert in raised.items():
        row = stored.get(key) or reopened.get(key)
        if row is None:
            row = _added(
                db, FloorAlert(site_id=site_id, key=key, first_seen_at=now, **_fields(alert, now))
            )
        for name, value in _fields(alert, now).items():
            setattr(row, name, value)
    for key, row in stored.items():
        if key not in raised:
            row.cleared_at = now
    db.flush()
    return open_alerts(db, site_id=site_id)


def _fields(alert: Alert, now: datetime) -> dict[str, object]:
    return {
        "kind": alert.kind.value,
        "subject": alert.subject,
        "message": alert.message,
        "value": alert.value,
        "limit": alert.limit,
        "last_seen_at": now,
        "cleared_at": None,
    }


def _added(db: Session, row: FloorAlert) -> FloorAlert:
    """The new row, or the one another request stored with the same key meanwhile."""
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        return db.scalars(
            select(FloorAlert).where(FloorAlert.site_id == row.site_id, FloorAlert.key == row.key)
        ).one()
    return row


def open_alerts(db: Session, *, site_id: int) -> list[FloorAlert]:
    """The site's alerts still on, the newest first."""
    return list(
        db.scalars(
            select(FloorAlert)
            .where(FloorAlert.site_id == site_id, FloorAlert.cleared_at.is_(None))
            .order_by(FloorAlert.first_seen_at.desc(), FloorAlert.id.desc())
        )
    )


def alert_history(db: Session, *, site_id: int, limit: int = HISTORY_LIMIT) -> list[FloorAlert]:
    """The site's alerts, on or cleared, by when they were last seen (newest first)."""
    return list(
        db.scalars(
            select(FloorAlert)
            .where(FloorAlert.site_id == site_id)
            .order_by(FloorAlert.last_seen_at.desc(), FloorAlert.id.desc())
            .limit(limit)
        )
    )


def acknowledge(db: Session, *, alert: FloorAlert, user: User, now: datetime) -> None:
    """Mark the alert as seen by `user` (once; a second acknowledgement changes nothing)."""
    if alert.acknowledged_at is not None:
        return
    before = snapshot(alert)
    alert.acknowledged_by, alert.acknowledged_at = user.id, now
    record(db, user=user, action="acknowledge", entity=alert, before=before)
    db.flush()
