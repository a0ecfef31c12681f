"""The Floor screen: live queue tiles, the agent board, today's SL curve and alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from app import i18n
from app.auth.guards import Db, allow
from app.auth.scope import sites_and_teams
from app.db import utcnow
from app.floor import alert_store, broadcast, service
from app.floor.hub import View, hub_of
from app.floor.unwatched import record_unwatched_alerts  # noqa: F401  (registers the task)
from app.models import FloorAlert, User
from app.web import STAFF, render

router = APIRouter()
Staff = Annotated[User, Depends(allow(*STAFF))]


def _now() -> datetime:
    """The Floor's clock (read at each call, so a test can run it with a simulation)."""
    return utcnow()


def _view(team_id: int | None, sort: str) -> View:
    return View(i18n.current_locale.get(), team_id, sort if sort in service.SORTS else "name")


@router.get("/floor", name="floor_page")
def page(
    request: Request,
    db: Db,
    user: Staff,
    site_id: int | None = None,
    team_id: int | None = None,
    sort: str = "name",
) -> Response:
    choice = sites_and_teams(db, user, site_id, team_id)
    hub, view = hub_of(request.app, _now), _view(team_id, sort)
    snapshot, _ = hub.snapshot(choice.site.id)
    context = hub.context(snapshot, view) | {
        "sites": choice.sites,
        "teams": choice.teams,
        "fragments": hub.fragments(snapshot, view),
    }
    return render(request, "floor/page.html", context)


def _fragment(event: str, name: str, path: str):  # type: ignore[no-untyped-def]
    def fragment(
        request: Request,
        db: Db,
        user: Staff,
        site_id: int | None = None,
        team_id: int | None = None,
        sort: str = "name",
    ) -> Response:
        """The fragment as every watcher of the site sees it (it only reads)."""
        site = sites_and_teams(db, user, site_id).site
        hub = hub_of(request.app, _now)
        snapshot, _ = hub.snapshot(site.id)
        return HTMLResponse(hub.fragments(snapshot, _view(team_id, sort))[event])

    router.add_api_route(path, fragment, methods=["GET"], name=f"floor{name}")


_fragment("tiles", "_queue_tiles", "/floor/tiles")
_fragment("agents", "_agent_board", "/floor/agents")
_fragment("curve", "_sl_curve", "/floor/curve")
_fragment("alerts", "_alerts", "/floor/alerts")
_fragment("feed", "_feed_status", "/floor/feed")


@router.post("/floor/alerts/{alert_id}/acknowledge", name="floor_acknowledge")
def acknowledge(request: Request, db: Db, user: Staff, alert_id: int) -> Response:
    alert = db.get(FloorAlert, alert_id)
    if alert is None:
        raise HTTPException(404)
    site = sites_and_teams(db, user, alert.site_id, strict=True).site
    alert_store.acknowledge(db, alert=alert, user=user, now=utcnow())
    broadcast.announce(db, site_id=site.id)  # every watcher's alerts, once this commits
    hub = hub_of(request.app, _now)
    snapshot, _ = hub.snapshot(site.id)
    context = hub.context(snapshot, _view(None, "name")) | {
        "open_alerts": alert_store.open_alerts(db, site_id=site.id),
        "history": alert_store.alert_history(db, site_id=site.id),
    }
    return render(request, "floor/_alerts.html", context)


@router.get("/floor/stream", name="floor_stream")
async def stream(
    request: Request,
    db: Db,
    user: Staff,
    site_id: int,
    team_id: int | None = None,
    sort: str = "name",
    version: int = 0,
) -> Response:
    sites_and_teams(db, user, site_id, strict=True)  # a site the user sees, else 404
    db.close()  # the stream runs for minutes: hold no database connection meanwhile
    broadcast.ensure_bridge(request.app.state.settings.resolved_database_url())
    lifetime = getattr(request.app.state, "floor_stream_seconds", 600.0)
    hub, view = hub_of(request.app, _now), _view(team_id, sort)

    def latest() -> tuple[int, dict[str, str], float]:
        snapshot, retry = hub.snapshot(site_id, record=True)
        return snapshot.version, hub.events(snapshot, view), retry

    async def fetch() -> tuple[int, dict[str, str], float]:
        return await asyncio.to_thread(latest)

    async def events() -> AsyncIterator[str]:
        with broadcast.BROADCASTER.subscribe(site_id) as queue:
            chunks = broadcast.floor_stream(
                queue, fetch=fetch, known=(version, {}), lifetime_seconds=lifetime
            )
            async for chunk in chunks:
                yield chunk

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
