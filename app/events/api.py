"""POST /api/v1/events: the live feed, authenticated by a site's API token (not a session)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.auth.guards import Db
from app.events import service, tokens
from app.events.schemas import EventError, IngestRead, parse_events

router = APIRouter()


def _problem(status: int, detail: str, errors: list[EventError] | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": detail}
    if errors is not None:
        body["errors"] = [error.model_dump() for error in errors]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


@router.post("/api/v1/events", name="api_events")
async def post_events(request: Request, db: Db) -> Response:
    raw = tokens.bearer_token(request.headers.get("Authorization"))
    site = tokens.site_for_token(db, raw=raw) if raw else None
    if site is None:
        return _problem(401, "a valid API token is required: Authorization: Bearer <token>")
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):  # RecursionError: arrays nested too deep to read
        return _problem(
            422, "the body is not JSON", [EventError(index=None, field=None, message="not JSON")]
        )
    events, errors = parse_events(body)
    if errors:
        return _problem(422, f"{len(errors)} problem(s); nothing was stored", errors)
    result = await service.ingest_posted(db, site=site, events=events)
    return JSONResponse(IngestRead(stored=result.stored, duplicates=result.duplicates).model_dump())
