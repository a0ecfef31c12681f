"""GET /api/v1/kpis/intervals: interval KPIs as JSON, for a site's API token or a staff session.

Public to the route guards: it authenticates itself. A token reads its own site; a signed-in
admin, manager or supervisor reads the site of `site_id` they may see (a supervisor: theirs).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from app.auth.guards import Db, current_user
from app.auth.scope import visible_sites
from app.events import tokens
from app.models import Role, Site
from app.reports.filters import MAX_DAYS
from app.reports.service import interval_report, thresholds_of
from kpi.records import time_problem

router = APIRouter()
READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SUPERVISOR})


def _problem(status: int, detail: str, errors: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail} | ({"errors": errors} if errors else {})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _site(request: Request, db: Session) -> Site | JSONResponse | None:
    raw = tokens.bearer_token(request.headers.get("Authorization"))
    if raw:
        return tokens.site_for_token(db, raw=raw)
    user = current_user(request, db)
    if user is None:
        return None
    if Role(user.role) not in READERS:
        return _problem(403, "this role may not read KPIs")
    sites = visible_sites(db, user)
    wanted = request.query_params.get("site_id")
    chosen = next((s for s in sites if str(s.id) == wanted), sites[0] if len(sites) == 1 else None)
    if chosen is None:
        return _problem(422, "bad query parameters", {"site_id": "one of the sites you may see"})
    return chosen


def _params(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    found: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("start", "end"):
        try:
            found[name] = datetime.fromisoformat(values.get(name, ""))
            if found[name].utcoffset() is None:
                errors[name] = "needs a UTC offset"
            elif (problem := time_problem(found[name])) is not None:
                errors[name] = problem  # past the calendar's ends: the day arithmetic overflowed
        except ValueError:
            errors[name] = "required: ISO 8601 with offset"
    try:
        found["interval_minutes"] = int(values.get("interval_minutes", "30"))
    except ValueError:
        errors["interval_minutes"] = "a whole number"
    for name in ("sl_seconds", "short_abandon_seconds"):
        try:
            found[name] = None if values.get(name) is None else float(values[name])
        except ValueError:
            found[name] = math.nan
        if found[name] is not None and not 0 <= found[name] < math.inf:  # NaN, -inf: not here
            errors[name] = "a number of seconds >= 0"
    if not errors and (found["interval_minutes"] <= 0 or 1440 % found["interval_minutes"]):
        errors["interval_minutes"] = "a divisor of 1440 (a day in minutes)"
    if not errors and found["end"] <= found["start"]:
        errors["end"] = "must be after start"
    elif not errors and found["end"] - found["start"] > timedelta(days=MAX_DAYS):
        errors["end"] = f"at most {MAX_DAYS} days after start"
    return found, errors


@router.get("/api/v1/kpis/intervals", name="api_kpi_intervals")
def kpi_intervals(request: Request, db: Db) -> Response:
    site = _site(request, db)
    if isinstance(site, JSONResponse):
        return site
    if site is None:
        return _problem(401, "an API token (Authorization: Bearer ...) or a staff session")
    found, errors = _params(request.query_params)
    if errors:
        return _problem(422, "bad query parameters", errors)
    thresholds = thresholds_of(
        site, sl_seconds=found["sl_seconds"], short=found["short_abandon_seconds"]
    )
    rows = interval_report(
        db, site=site, start=found["start"], end=found["end"],
        interval_minutes=found["interval_minutes"], queue=request.query_params.get("queue"),
        thresholds=thresholds,
    )  # fmt: skip
    if rows is None:
        return _problem(404, "no such queue at this site")
    return JSONResponse(
        {
            "intervals": [
                {
                    "start": row.start.isoformat(),
                    "queue": row.queue,
                    "offered": row.figures.offered,
                    "answered": row.figures.answered,
                    "abandoned": row.figures.abandoned,
                    "short_abandons": row.figures.short_abandons,
                    "answered_in_target": row.figures.answered_in_target,
                    "service_level": row.figures.service_level,
                    "abandon_rate": row.figures.abandon_rate,
                    "asa_seconds": row.figures.asa_seconds,
                    "aht_seconds": row.figures.aht_seconds,
                }
                for row in rows
            ]
        }
    )
