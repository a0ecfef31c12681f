"""Choosing a site and a team: the viewer's own sites only, one 404 for unknown and forbidden."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.scope import SiteChoice, id_param, sites_and_teams
from app.models import Site, Team, User
from tests.app.conftest import Center
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]
UNKNOWN = 999_999


@pytest.fixture
def teams(db: Session, center: Center) -> dict[str, int]:
    """Besides Moscow's Alpha: Moscow's Beta, a retired Moscow team, and Novosibirsk's Taiga."""
    beta = Team(site_id=center.site_id, name="Beta")
    retired = Team(site_id=center.site_id, name="Aardvark", active=False)
    taiga = Team(site_id=center.other_site_id, name="Taiga")
    db.add_all([beta, retired, taiga, Site(name="Closed", timezone="UTC", active=False)])
    db.commit()
    return {"alpha": center.team_id, "beta": beta.id, "retired": retired.id, "taiga": taiga.id}


def _user(db: Session, center: Center, role: str) -> User:
    return db.get_one(User, center.users[role])


def _names(choice: SiteChoice) -> tuple[list[str], str, list[str], str | None]:
    team = choice.team.name if choice.team else None
    return [s.name for s in choice.sites], choice.site.name, [t.name for t in choice.teams], team


def _refused(call: Callable[[], object]) -> int:
    with pytest.raises(HTTPException) as refused:
        call()
    return refused.value.status_code


def test_a_supervisor_is_confined_to_their_own_site(
    db: Session, center: Center, teams: dict[str, int]
) -> None:
    supervisor = _user(db, center, "supervisor")
    own = sites_and_teams(db, supervisor)
    assert _names(own) == (["Moscow"], "Moscow", ["Alpha", "Beta"], None)
    assert sites_and_teams(db, supervisor, center.site_id, teams["beta"]).team == db.get(
        Team, teams["beta"]
    )
    for site_id in (center.other_site_id, UNKNOWN):  # forbidden and unknown: one answer
        for strict in (False, True):
            choose = partial(sites_and_teams, db, supervisor, site_id, strict=strict)
            assert _refused(choose) == 404
    supervisor.site_id = None  # a supervisor of no site sees none
    assert _refused(lambda: sites_and_teams(db, supervisor)) == 404


def test_an_admin_chooses_among_every_active_site(
    db: Session, center: Center, teams: dict[str, int]
) -> None:
    for role in ("admin", "manager"):
        viewer = _user(db, center, role)
        first = sites_and_teams(db, viewer)
        assert _names(first) == (["Moscow", "Novosibirsk"], "Moscow", ["Alpha", "Beta"], None)
        other = sites_and_teams(db, viewer, center.other_site_id, teams["taiga"], strict=True)
        assert _names(other) == (["Moscow", "Novosibirsk"], "Novosibirsk", ["Taiga"], "Taiga")
        closed = db.scalars(select(Site.id).where(Site.name == "Closed")).one()
        assert _refused(partial(sites_and_teams, db, viewer, closed)) == 404
        assert _refused(partial(sites_and_teams, db, viewer, UNKNOWN)) == 404


def test_a_team_not_of_the_chosen_site_is_no_choice_and_refused_when_acting(
    db: Session, center: Center, teams: dict[str, int]
) -> None:
    manager = _user(db, center, "manager")
    for team_id in (UNKNOWN, teams["taiga"], teams["retired"]):  # unknown, elsewhere, retired
        shown = sites_and_teams(db, manager, center.site_id, team_id)
        assert shown.team is None and shown.site.id == center.site_id
        assert shown.shown_team().name == "Alpha"  # the screen shows the site's first team
        acting = partial(sites_and_teams, db, manager, center.site_id, team_id, strict=True)
        assert _refused(acting) == 404
    chosen = sites_and_teams(db, manager, center.site_id, teams["beta"], strict=True)
    assert chosen.shown_team().name == "Beta"
    whole_site = sites_and_teams(db, manager, center.site_id, strict=True)
    assert whole_site.team is None  # a site-wide action (break rules) names no team
    assert _refused(whole_site.shown_team) == 404  # but a one-team action needs one
    assert _refused(lambda: sites_and_teams(db, manager, strict=True)) == 404  # no site named


def test_a_site_without_teams_has_no_team_to_show(db: Session, center: Center) -> None:
    choice = sites_and_teams(db, _user(db, center, "admin"), center.other_site_id)
    assert choice.teams == [] and choice.team is None
    assert _refused(choice.shown_team) == 404


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, None), ("", None), ("  ", None), ("12", 12), (" 7 ", 7)]
)
def test_an_id_parameter_is_read_or_absent(raw: str | None, expected: int | None) -> None:
    assert id_param(raw) == expected


@pytest.mark.parametrize("raw", ["x", "-1", "1.5", "1e3", "9" * 10, object()])
def test_anything_else_given_as_an_id_is_not_found(raw: object) -> None:
    assert _refused(lambda: id_param(raw)) == 404


SCREENS = [
    "/floor",
    "/floor/tiles",
    "/breaks",
    "/breaks/timeline",
    "/rosters",
    "/rosters/body",
    "/shifts",
    "/shifts/import",
    "/planning",
    "/planning/requirement",
    "/planning/export",
    "/planning/history",
    "/calls/import",
    "/reports",
    "/reports/report",
    "/reports/export.csv",
    "/break-rules",
]


def test_every_screen_refuses_a_site_alike_whether_unknown_or_forbidden(
    db: Session, center: Center, teams: dict[str, int], as_role: Clients
) -> None:
    quicken_passwords(db)
    supervisor, admin = as_role("supervisor"), as_role("admin")
    for url in SCREENS:
        assert supervisor.get(url).status_code == 200, url
        own = supervisor.get(url, params={"site_id": center.site_id, "team_id": teams["taiga"]})
        assert own.status_code == 200, url  # a stale team from another site is no choice
        for client, site_id in ((supervisor, center.other_site_id), (admin, UNKNOWN)):
            refused = client.get(url, params={"site_id": site_id})
            assert refused.status_code == 404, (url, site_id)
        assert admin.get(url, params={"site_id": "Moscow"}).status_code in (404, 422), url
