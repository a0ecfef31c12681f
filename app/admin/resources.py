"""A configuration resource (sites, teams, agents, queues, users): its fields and use cases.

Each resource lists rows, creates, edits and (de)activates them; every change is audited.
People with history are never deleted, only deactivated. A resource with a `Marker` shows
which rows carry it, lists just those on request, and clears it once a person has reviewed one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from app.audit import record, snapshot
from app.db import Base
from app.forms import Form
from app.models import Role, User

FieldKind = Literal["text", "int", "number", "select", "timezone", "password", "skills"]
Options = Callable[[Session, User], Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Field:
    """One input of a resource's form; `label` is an English msgid."""

    name: str
    label: str
    kind: FieldKind = "text"
    options: Options | None = None
    required: bool = True
    hint: str = ""


@dataclass(frozen=True)
class Column:
    """One column of the list: a label and how to show a row's value."""

    label: str
    show: Callable[[Any], str]


@dataclass(frozen=True)
class Marker:
    """A boolean column set on rows no person has reviewed yet; labels are English msgids."""

    attribute: str
    badge: str  # beside a marked row
    filter_label: str  # the link that lists just the marked rows
    clear_label: str  # the button that clears the mark
    hint: str  # what a person should do with a marked row


def _set(_db: Session, obj: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(obj, key, value)


def _form_values(obj: Any) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in snapshot(obj).items()}


def _no_extra(_obj: Any) -> dict[str, Any]:
    return {}


def _always_allowed(_user: User, _obj: Any, _active: bool) -> str | None:
    return None


@dataclass(frozen=True)
class Resource:
    """Everything the generic admin screens need to know about one kind of record."""

    name: str
    title: str
    singular: str
    model: type[Base]
    view_roles: frozenset[Role]
    edit_roles: frozenset[Role]
    fields: tuple[Field, ...]
    columns: tuple[Column, ...]
    query: Callable[[User], Select[Any]]
    read: Callable[[Form, Session, User, Any | None], dict[str, Any]]
    apply: Callable[[Session, Any, dict[str, Any]], None] = field(default=_set)
    form_values: Callable[[Any], dict[str, str]] = field(default=_form_values)
    may_set_active: Callable[[User, Any, bool], str | None] = field(default=_always_allowed)
    audit_extra: Callable[[Any], dict[str, Any]] = field(default=_no_extra)
    """What the audit log keeps beside the row's own columns (an agent's skills)."""
    marker: Marker | None = None

    def marked(self, row: Any) -> bool:
        """Whether `row` carries the marker (always False without one)."""
        return self.marker is not None and bool(getattr(row, self.marker.attribute))

    def marked_column(self) -> ColumnElement[bool]:
        if self.marker is None:
            raise ValueError(f"{self.name} has no marker")
        column: ColumnElement[bool] = getattr(self.model, self.marker.attribute).is_(True)
        return column


def list_rows(
    db: Session, resource: Resource, user: User, *, marked_only: bool = False
) -> Sequence[Any]:
    """The rows this user may see, active first; `marked_only`: just those with the marker."""
    query = resource.query(user)
    if marked_only and resource.marker is not None:
        query = query.where(resource.marked_column())
    return db.scalars(query).unique().all()


def count_marked(db: Session, resource: Resource, user: User) -> int:
    """How many of the rows this user may see carry the marker (0 without one)."""
    if resource.marker is None:
        return 0
    marked = resource.query(user).where(resource.marked_column()).order_by(None).subquery()
    return db.scalar(select(func.count()).select_from(marked)) or 0


def get_row(db: Session, resource: Resource, user: User, row_id: int) -> Any | None:
    """One row, if it exists and lies within this user's reach."""
    pk = resource.model.__mapper__.primary_key[0]
    return db.scalars(resource.query(user).where(pk == row_id)).unique().one_or_none()


def create_row(db: Session, resource: Resource, user: User, form: Form) -> Any | None:
    """A new row from the form, or None with the form's errors filled in."""
    values = resource.read(form, db, user, None)
    if not form.ok:
        return None
    obj = resource.model()
    resource.apply(db, obj, values)
    db.add(obj)
    record(db, user=user, action="create", entity=obj, before=None, extra=resource.audit_extra(obj))
    return obj


def update_row(db: Session, resource: Resource, user: User, obj: Any, form: Form) -> bool:
    """Apply the form to `obj`; False (and nothing changed) when the form has errors."""
    values = resource.read(form, db, user, obj)
    if not form.ok:
        return False
    before = snapshot(obj) | resource.audit_extra(obj)
    resource.apply(db, obj, values)
    record(
        db, user=user, action="update", entity=obj, before=before, extra=resource.audit_extra(obj)
    )
    return True


def set_active(db: Session, resource: Resource, user: User, obj: Any, active: bool) -> str | None:
    """Deactivate or reactivate; returns the reason when it is refused."""
    reason = resource.may_set_active(user, obj, active)
    if reason:
        return reason
    extra = resource.audit_extra(obj)
    before = snapshot(obj) | extra
    obj.active = active
    action = "activate" if active else "deactivate"
    record(db, user=user, action=action, entity=obj, before=before, extra=extra)
    return None


def clear_marker(db: Session, resource: Resource, user: User, obj: Any) -> None:
    """A person has reviewed the row: its marker is cleared, and the audit log says who did."""
    if resource.marker is None or not resource.marked(obj):
        return
    extra = resource.audit_extra(obj)
    before = snapshot(obj) | extra
    setattr(obj, resource.marker.attribute, False)
    record(db, user=user, action="review", entity=obj, before=before, extra=extra)
