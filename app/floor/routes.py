"""The Floor screen: live queue tiles, the agent board, today's SL curve and alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import i18n
from app.auth.guards import Db, allow
from app.auth.scope import site_scope
from app.db import utcnow
from app.floor import alert_store, broadcast, service
from app.floor.hub import View, hub_of
from app.models import FloorAlert, Site, Team, User
from app.web import STAFF, render

router = APIRouter()
Staff = Annotated[User, Depends(allow(*STAFF))]


def _sites(db: Session, user: User) -> list[Site]:
    query = select(Site).where(Site.active, site_scope(user, Site.id)).order_by(Site.name)
    return list(db.scalars(query))


def _site(db: Session, user: User, site_id: int | None) -> Site:
    sites = _sites(db, user)
    site = next((s for s in sites if s.id == site_id), sites[0] if sites else None)
    if site is None:
        raise HTTPException(404)
    return site


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
    site = _site(db, user, site_id)
    teams = list(
        db.scalars(select(Team).where(Team.site_id == site.id, Team.active).order_by(Team.name))
    )
    hub, view = hub_of(request.app, _now), _view(team_id, sort)
    snapshot, _ = hub.snapshot(site.id)
    context = hub.context(snapshot, view) | {
        "sites": _sites(db, user),
        "teams": teams,
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
        site = _site(db, user, site_id)
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
    site = _site(db, user, alert.site_id)
    if site.id != alert.site_id:
        raise HTTPException(404)
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
    site = _site(db, user, site_id)
    if site.id != site_id:
        raise HTTPException(404)
    db.close()  # the stream runs for minutes: hold no database connection meanwhile
    broadcast.ensure_bridge(request.app.state.settings.resolved_database_url())
    lifetime = getattr(request.app.state, "floor_stream_seconds", 600.0)
    hub, view = hub_of(request.app, _now), _view(team_id, sort)

    def latest() -> tuple[int, dict[str, str], float]:
        snapshot, retry = hub.snapshot(site_id, record=True)
        return snapshot.version, dict(hub.fragments(snapshot, view)), retry

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
