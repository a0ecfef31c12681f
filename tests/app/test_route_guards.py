"""Every route of the app, tried by every role: allowed, 403, or sent to sign in.

A route added without a guard (and not listed as public) fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.auth.guards import RoleGuard
from app.models import Role
from tests.app.conftest import MONDAY, Center, csrf_of, sign_in

PUBLIC = {
    ("POST", "/api/v1/events"),  # token auth, not a session (401 without a valid token)
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/language"),
    ("GET", "/healthz"),
    # Calendar apps cannot sign in: the feed is opened by its secret token (404 without it).
    ("GET", "/me/calendar.ics"),
    # The KPI read API authenticates itself: a site's API token, or a staff session.
    ("GET", "/api/v1/kpis/intervals"),
}


@dataclass(frozen=True)
class Guarded:
    method: str
    path: str
    roles: frozenset[Role] | None  # None: public


def _guards(dependant: Dependant) -> Iterator[RoleGuard]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleGuard):
            yield sub.call
        yield from _guards(sub)


def _api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every API route, through included routers."""
    from fastapi.routing import _IncludedRouter

    for route in app.routes:
        if isinstance(route, _IncludedRouter):
            for context in route.effective_route_contexts():
                if isinstance(context.original_route, APIRoute):
                    yield context.path, context.original_route
        elif isinstance(route, APIRoute):
            yield route.path, route


def guarded_routes(app: FastAPI) -> list[Guarded]:
    found = []
    for path, route in _api_routes(app):
        for method in route.methods:
            guards = list(_guards(route.dependant))
            if (method, path) in PUBLIC:
                assert not guards, f"{method} {path} is public but has a guard"
                found.append(Guarded(method, path, None))
                continue
            assert len(guards) == 1, f"{method} {path} has {len(guards)} role guards, needs 1"
            found.append(Guarded(method, path, guards[0].roles))
    return found


def _fill(path: str, center: Center) -> str:
    ids = {
        "sites": center.other_site_id,
        "users": center.spare_user_id,
        "teams": center.team_id,
        "queues": center.queue_id,
        "agents": center.agent_id,
    }
    resource = path.split("/")[2] if path.startswith("/admin/") else ""
    return (
        path.replace("{row_id}", str(ids.get(resource, 0)))
        .replace("{agent_id}", str(center.agent_id))
        .replace("{day}", MONDAY.isoformat())
    )


def test_every_route_has_exactly_one_guard_or_is_public(app: FastAPI) -> None:
    routes = guarded_routes(app)
    assert len(routes) > 40
    assert {(r.method, r.path) for r in routes if r.roles is None} == PUBLIC


@pytest.mark.parametrize("role", [*Role, None], ids=[*(r.value for r in Role), "anonymous"])
def test_each_role_gets_what_its_guard_says(
    app: FastAPI, center: Center, role: Role | None
) -> None:
    with TestClient(app) as client:
        if role is not None:
            sign_in(client, role.value)
        else:  # a valid CSRF token, so that only the missing sign-in stops the request
            client.headers["X-CSRF-Token"] = csrf_of(client.get("/login").text)
        for route in guarded_routes(app):
            if route.roles is None:
                continue
            url = _fill(route.path, center)
            response = client.request(route.method, url, follow_redirects=False)
            where = f"{route.method} {url} as {role}"
            if role is None:
                assert response.status_code == 303, where
                assert response.headers["location"].startswith("/login"), where
            elif role in route.roles:
                assert response.status_code not in (401, 403), where
                assert response.status_code < 500, where
                assert not response.headers.get("location", "").startswith("/login"), where
            else:
                assert response.status_code == 403, where
