"""The Floor screen: live queue tiles, the agent board, today's SL curve and alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.guards import Db, allow
from app.auth.scope import site_scope
from app.db import utcnow
from app.floor import alert_store, broadcast, records, service
from app.floor.chart import sl_chart
from app.floor.words import ACTIVITY_LABELS, STATE_LABELS
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


def _context(
    db: Session, site: Site, team_id: int | None, sort: str, *, record_alerts: bool = True
) -> dict[str, object]:
    now = utcnow()
    floor = service.load_floor(db, site=site, now=now, record_alerts=record_alerts)
    target = floor.rules.service_level_target or 0.0
    return {
        "floor": floor,
        "chart": sl_chart(floor.curve, day_start=floor.board.day_start, target=target),
        "site": site,
        "tz": site.timezone,
        "now": now,
        "rows": service.board_rows(floor.agents, now=now, team_id=team_id, sort=sort),
        "team_id": team_id,
        "sort": sort,
        "sorts": service.SORTS,
        "open_alerts": alert_store.open_alerts(db, site_id=site.id),
        "history": alert_store.alert_history(db, site_id=site.id),
        "quiet_since": service.feed_quiet_since(db, site=site, now=now),
        "ever_heard": records.last_event_at(db, site_id=site.id) is not None,
        "quiet_minutes": service.QUIET_MINUTES,
        "state_labels": STATE_LABELS,
        "activity_labels": ACTIVITY_LABELS,
    }


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
    context = _context(db, site, team_id, sort) | {"sites": _sites(db, user), "teams": teams}
    return render(request, "floor/page.html", context)


def _fragment(name: str, path: str):  # type: ignore[no-untyped-def]
    def fragment(
        request: Request,
        db: Db,
        user: Staff,
        site_id: int | None = None,
        team_id: int | None = None,
        sort: str = "name",
    ) -> Response:
        site = _site(db, user, site_id)
        context = _context(db, site, team_id, sort, record_alerts=name == "_alerts")
        return render(request, f"floor/{name}.html", context)

    router.add_api_route(path, fragment, methods=["GET"], name=f"floor{name}")


_fragment("_queue_tiles", "/floor/tiles")
_fragment("_agent_board", "/floor/agents")
_fragment("_sl_curve", "/floor/curve")
_fragment("_alerts", "/floor/alerts")
_fragment("_feed_status", "/floor/feed")


@router.post("/floor/alerts/{alert_id}/acknowledge", name="floor_acknowledge")
def acknowledge(request: Request, db: Db, user: Staff, alert_id: int) -> Response:
    alert = db.get(FloorAlert, alert_id)
    if alert is None:
        raise HTTPException(404)
    site = _site(db, user, alert.site_id)
    if site.id != alert.site_id:
        raise HTTPException(404)
    alert_store.acknowledge(db, alert=alert, user=user, now=utcnow())
    return render(request, "floor/_alerts.html", _context(db, site, None, "name"))


@router.get("/floor/stream", name="floor_stream")
async def stream(request: Request, db: Db, user: Staff, site_id: int) -> Response:
    site = _site(db, user, site_id)
    if site.id != site_id:
        raise HTTPException(404)
    db.close()  # the stream runs for minutes: hold no database connection meanwhile
    broadcast.ensure_bridge(request.app.state.settings.resolved_database_url())
    lifetime = getattr(request.app.state, "floor_stream_seconds", 600.0)

    async def events() -> AsyncIterator[str]:
        with broadcast.BROADCASTER.subscribe(site_id) as queue:
            async for chunk in broadcast.floor_stream(queue, lifetime_seconds=lifetime):
                yield chunk

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
