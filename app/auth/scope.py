"""Which sites' data a signed-in person may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false

from app.models import Role, User


def site_scope(user: User, site_column: Any) -> ColumnElement[bool]:
    """Admins and managers see every site; supervisors and operators their own site only."""
    if user.role in (Role.ADMIN, Role.MANAGER):
        return site_column.is_not(None)  # type: ignore[no-any-return]
    if user.site_id is None:
        return false()
    return site_column == user.site_id  # type: ignore[no-any-return]
