"""The system keeps an active administrator: no change may demote or deactivate the last one.

Nobody changes their own role either: a slip of the select would lock them out of this screen.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.forms import Form
from app.i18n import _
from app.models import Role, User


def leaves_no_admin(db: Session, *, target: User) -> bool:
    """Whether taking `target` out of the active administrators would leave none.

    The active administrators' rows stay locked (PostgreSQL) until the request commits, so
    two administrators demoting each other at once cannot both succeed.
    """
    if target.role != Role.ADMIN or not target.active:
        return False
    admins = db.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.active).with_for_update()
    ).all()
    return all(admin_id == target.id for admin_id in admins)


def check_role_change(form: Form, db: Session, *, actor: User, target: User | None) -> None:
    """Refuse, on the role field, a change of one's own role or of the last administrator's."""
    role = form.values.get("role", "")
    if target is None or "role" in form.errors or role == target.role:
        return
    if actor.id == target.id:
        form.error("role", _("You cannot change your own role; ask another administrator."))
    elif leaves_no_admin(db, target=target):
        form.error(
            "role",
            _(
                "This is the last active administrator: their role cannot change "
                "until another user is an administrator."
            ),
        )


def refuse_deactivation(target: User) -> str | None:
    """Why `target` may not be deactivated (the last active administrator), or None."""
    db = object_session(target)
    if db is not None and leaves_no_admin(db, target=target):
        return _(
            "This is the last active administrator: they cannot be deactivated "
            "until another user is an administrator."
        )
    return None
