"""Which sites' data a signed-in person may see, and which site and team they chose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from app.models import Role, Site, Team, User


def site_scope(user: User, site_column: Any) -> ColumnElement[bool]:
    """Admins and managers see every site; supervisors and operators their own site only."""
    if user.role in (Role.ADMIN, Role.MANAGER):
        return site_column.is_not(None)  # type: ignore[no-any-return]
    if user.site_id is None:
        return false()
    return site_column == user.site_id  # type: ignore[no-any-return]


def visible_sites(db: Session, viewer: User) -> list[Site]:
    """The active sites the viewer may see, by name (a supervisor: their own)."""
    query = select(Site).where(Site.active, site_scope(viewer, Site.id)).order_by(Site.name)
    return list(db.scalars(query))


def id_param(raw: object) -> int | None:
    """An id from a query string or form: None when absent or blank; 404 when not an id."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = raw.strip() if isinstance(raw, str) else ""
    if not text.isdigit() or len(text) > 9:  # not an id any table holds
        raise HTTPException(404)
    return int(text)


@dataclass(frozen=True)
class SiteChoice:
    """The sites the viewer may choose from, the chosen one, its active teams and the team."""

    sites: list[Site]
    site: Site
    teams: list[Team]
    team: Team | None  # None: no team chosen (all teams, or the screen's first)
    strict: bool = False

    def shown_team(self) -> Team:
        """For a one-team screen: the chosen team, else (not strict) the site's first; or 404."""
        team = self.team or (None if self.strict else next(iter(self.teams), None))
        if team is None:
            raise HTTPException(404)
        return team


def sites_and_teams(
    db: Session,
    viewer: User,
    site_id: int | None = None,
    team_id: int | None = None,
    *,
    strict: bool = False,
) -> SiteChoice:
    """The viewer's sites and teams and the ones chosen by id.

    A site asked for must be one the viewer sees: an unknown and a forbidden site are both
    404 (whether a site exists is not told). No site asked for: the first by name (404 when
    the viewer sees none). A team that is not an active team of the chosen site counts as no
    team chosen, since a screen's pickers send the old team along when the site is changed.
    `strict`, for acting on a choice: the site must be asked for and a team asked for must be
    the chosen site's, else 404; and `shown_team()` is then the team asked for, or 404.
    """
    sites = visible_sites(db, viewer)
    if site_id is None and not strict:
        site = next(iter(sites), None)
    else:
        site = next((s for s in sites if s.id == site_id), None)
    if site is None:
        raise HTTPException(404)
    teams = list(
        db.scalars(select(Team).where(Team.site_id == site.id, Team.active).order_by(Team.name))
    )
    team = next((t for t in teams if t.id == team_id), None)
    if strict and team_id is not None and team is None:
        raise HTTPException(404)
    return SiteChoice(sites, site, teams, team, strict)
