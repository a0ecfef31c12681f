"""My day (operator, phone-first), asking to move a break, and the calendar feed (thin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import i18n
from app.auth.guards import Db, allow
from app.break_moves import service as moves
from app.break_moves.findings import describe
from app.db import utcnow
from app.forms import Form, Posted
from app.i18n import _
from app.me import day as day_service
from app.me import feed
from app.me.ics import calendar
from app.models import Role, Shift, User
from app.web import is_htmx, redirect, render

router = APIRouter(prefix="/me")
Operator = Annotated[User, Depends(allow(Role.OPERATOR))]


def _secret(request: Request) -> str:
    return str(request.app.state.settings.resolved_secret_key())


def _feed_url(request: Request, token: str | None) -> str | None:
    if token is None:
        return None
    return f"{request.url_for('calendar_feed')}?token={token}"


def _context(request: Request, db: Session, user: User, **extra: Any) -> dict[str, Any]:
    view = day_service.load_day(db, user=user, now=utcnow())
    token = feed.feed_token(db, user=user, secret=_secret(request))
    return {
        "view": view,
        "countdown": day_service.countdown,
        "describe": describe,
        "feed_url": _feed_url(request, token),
        "values": {},
        "errors": {},
    } | extra


@router.get("/day", name="my_day")
def my_day(request: Request, db: Db, user: Operator) -> Response:
    return render(request, "me/day.html", _context(request, db, user))


@router.get("/day/now", name="my_day_now")
def my_day_now(request: Request, db: Db, user: Operator) -> Response:
    """The polled part of My day: shift, breaks, countdown, notices, requests."""
    return render(request, "me/_my_day_now.html", _context(request, db, user))


@router.post("/day/seen", name="my_day_seen")
def my_day_seen(request: Request, db: Db, user: Operator, posted: Posted) -> Response:
    form = Form(posted)
    raw = form.values.get("shift_id", "")
    shift = db.get(Shift, int(raw)) if raw.isdigit() else None
    view = day_service.load_day(db, user=user, now=utcnow())
    if shift is None or view.shift is None or shift.id != view.shift.id:
        raise HTTPException(404)
    seen = form.values.get("seen", "")
    day_service.acknowledge(db, user=user, shift=shift, seen=seen, now=utcnow())
    if not is_htmx(request):
        return redirect(request, request.url_for("my_day").path)
    return render(request, "me/_my_day_now.html", _context(request, db, user))


@router.post("/breaks/move", name="break_move_ask")
def ask_move(request: Request, db: Db, user: Operator, posted: Posted) -> Response:
    form = Form(posted)
    asked = moves.ask(
        db,
        user=user,
        break_id=form.values.get("break_id", ""),
        start=form.values.get("start", ""),
        now=utcnow(),
    )
    if asked.request is None:
        context = _context(request, db, user, values=form.values, errors=asked.errors)
        template = "me/_move_form.html" if is_htmx(request) else "me/day.html"
        return render(request, template, context, status_code=422)
    message = (
        _("Your break has been moved.")
        if asked.request.auto
        else _("Your request has been sent to your supervisor.")
    )
    return redirect(request, request.url_for("my_day").path, message)


@router.post("/calendar/renew", name="calendar_renew")
def calendar_renew(request: Request, db: Db, user: Operator) -> Response:
    """A new secret calendar link (the old one stops working)."""
    token = feed.renew(db, user=user, secret=_secret(request), now=utcnow())
    context = {"feed_url": _feed_url(request, token), "renewed": True}
    if not is_htmx(request):
        return redirect(request, request.url_for("my_day").path, _("Your calendar link is ready."))
    return render(request, "me/_calendar_link.html", context)


@router.get("/calendar.ics", name="calendar_feed")
def calendar_feed(db: Db, token: str = "") -> Response:
    """Public by token: calendar apps cannot sign in. An unknown token is a 404."""
    user = feed.user_of(db, token=token)
    if user is None:
        raise HTTPException(404)
    i18n.current_locale.set(user.locale)
    now = utcnow()
    name, events = feed.events(db, user=user, now=now)
    return Response(
        calendar(name, events, now=now),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'inline; filename="smena.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
