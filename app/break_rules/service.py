"""Break types, rules and policies of a site or team: reading the effective ones, and changes.

A team's rules for a break type replace the site's rules for that type, for that team;
a team's own policy replaces the site's. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit import record, snapshot
from app.i18n import _
from app.models import BreakPolicy, BreakRule, BreakType, Site, Team, User


def _team_clause(team_id: int | None) -> Any:
    return BreakRule.team_id.is_(None) if team_id is None else BreakRule.team_id == team_id


def types_of(db: Session, *, site: Site) -> Sequence[BreakType]:
    """The site's break types, active first, by name."""
    return db.scalars(
        select(BreakType)
        .where(BreakType.site_id == site.id)
        .order_by(BreakType.active.desc(), BreakType.name)
    ).all()


def rules_of(db: Session, *, site: Site, team: Team | None) -> Sequence[BreakRule]:
    """The rules written for exactly this scope (the site, or one team's override)."""
    return db.scalars(
        select(BreakRule)
        .options(selectinload(BreakRule.break_type))
        .where(BreakRule.site_id == site.id, _team_clause(team.id if team else None))
        .order_by(BreakRule.min_shift_minutes, BreakRule.window_start_minutes, BreakRule.id)
    ).all()


def policy_of(db: Session, *, site: Site, team: Team | None) -> BreakPolicy | None:
    """The policy written for exactly this scope."""
    team_clause = BreakPolicy.team_id.is_(None) if team is None else BreakPolicy.team_id == team.id
    return db.scalar(select(BreakPolicy).where(BreakPolicy.site_id == site.id, team_clause))


def effective_rules(
    db: Session, *, site_id: int, team_id: int | None, shift_minutes: int
) -> Sequence[BreakRule]:
    """The rules for a shift of this length. A team's rules for a break type (of any length)
    replace the site's rules for that type, as the Breaks screen reads them."""
    rows = db.scalars(
        select(BreakRule)
        .options(selectinload(BreakRule.break_type))
        .where(
            BreakRule.site_id == site_id,
            BreakRule.team_id.is_(None) | (BreakRule.team_id == team_id),
        )
        .order_by(BreakRule.window_start_minutes, BreakRule.id)
    ).all()
    team_types = {r.break_type_id for r in rows if r.team_id is not None}
    return [
        r
        for r in rows
        if (r.team_id is not None) == (r.break_type_id in team_types)
        and r.min_shift_minutes <= shift_minutes <= r.max_shift_minutes
    ]


def effective_policy(db: Session, *, site_id: int, team_id: int | None) -> BreakPolicy | None:
    """The team's policy if it has one, else the site's, else none."""
    rows = db.scalars(
        select(BreakPolicy).where(
            BreakPolicy.site_id == site_id,
            (BreakPolicy.team_id == team_id) | BreakPolicy.team_id.is_(None),
        )
    ).all()
    return next((p for p in rows if p.team_id is not None), rows[0] if rows else None)


def save(db: Session, *, user: User, obj: Any, values: dict[str, Any]) -> None:
    """Create (no id yet) or update a type, rule or policy with checked values; audited."""
    before = snapshot(obj) if obj.id is not None else None
    for key, value in values.items():
        setattr(obj, key, value)
    if before is None:
        db.add(obj)
    record(db, user=user, action="update" if before else "create", entity=obj, before=before)


def remove(db: Session, *, user: User, obj: BreakRule | BreakPolicy) -> None:
    """Delete a rule, or a team's policy override; audited."""
    record(db, user=user, action="delete", entity=obj, before=snapshot(obj))
    db.delete(obj)
    db.flush()


def set_type_active(db: Session, *, user: User, obj: BreakType, active: bool) -> str | None:
    """Deactivate or reactivate a break type; refused while rules still use it."""
    if not active and db.scalar(select(BreakRule.id).where(BreakRule.break_type_id == obj.id)):
        return _("Rules use this break type; remove them first.")
    before = snapshot(obj)
    obj.active = active
    record(db, user=user, action="activate" if active else "deactivate", entity=obj, before=before)
    return None


def new_policy(site: Site, team: Team | None) -> BreakPolicy:
    """An unsaved policy for a scope, for the form's first values."""
    return BreakPolicy(
        site_id=site.id,
        team_id=team.id if team else None,
        min_work_minutes=30,
        max_work_minutes=150,
        max_on_break=4,
    )
