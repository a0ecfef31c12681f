"""Time-off and swap requests as supervisors decide them, and My schedule for operators (thin)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.guards import Db, allow
from app.db import utcnow
from app.forms import Form, Posted
from app.i18n import _
from app.me import feed
from app.models import Agent, Role, Site, User
from app.rosters import requests as service
from app.rosters.requests import Asked
from app.shifts.service import own_agent, own_shifts, site_now
from app.web import STAFF, answer_decision, redirect, render

router = APIRouter()
Staff = Annotated[User, Depends(allow(*STAFF))]
Operator = Annotated[User, Depends(allow(Role.OPERATOR))]
KINDS = ("time_off", "swap")
WEEKS_AHEAD = 4


@router.get("/rosters/requests", name="roster_requests")
def requests_page(request: Request, db: Db, user: Staff) -> Response:
    rows = service.requests_in_reach(db, user=user, now=utcnow())
    return render(request, "rosters/requests.html", {"rows": rows})


@router.post("/rosters/requests/{kind}/{request_id}", name="roster_request_decide")
def decide(
    request: Request, db: Db, user: Staff, kind: str, request_id: int, posted: Posted
) -> Response:
    """Approve (`decision=approve`) or refuse, with an optional note; answers the row."""
    row = service.request_in_reach(db, user=user, kind=kind, request_id=request_id)
    if kind not in KINDS or row is None:
        raise HTTPException(404)
    form = Form(posted)
    decision = form.choice("decision", ["approve", "refuse"])
    refusal = form.errors.get("decision") or service.decide(
        db,
        user=user,
        row=row,
        approve=decision == "approve",
        note=form.values.get("note", "").strip(),
        now=utcnow(),
    )
    db.flush()
    row = service.request_in_reach(db, user=user, kind=kind, request_id=request_id) or row
    return answer_decision(
        request,
        "rosters/_request_row.html",
        {"row": row, "refusal": refusal},
        refusal=refusal,
        back_to=request.url_for("roster_requests").path,
    )


def _schedule(request: Request, db: Session, user: User, **extra: Any) -> dict[str, Any]:
    agent = own_agent(db, user)
    site = db.get(Site, agent.site_id) if agent else None
    today = site_now(site, utcnow()).date() if site else utcnow().date()
    shifts = own_shifts(db, user=user, since=today, until=today + timedelta(weeks=WEEKS_AHEAD))
    offs, swaps = service.own_requests(db, agent=agent) if agent else ([], [])
    colleagues = (
        list(
            db.scalars(
                select(Agent)
                .where(Agent.site_id == agent.site_id, Agent.active, Agent.id != agent.id)
                .order_by(Agent.display_name)
            )
        )
        if agent
        else []
    )
    names = {a.id: a.display_name for a in colleagues}
    if agent:
        names[agent.id] = agent.display_name
    token = feed.feed_token(
        db, user=user, secret=str(request.app.state.settings.resolved_secret_key())
    )
    feed_url = f"{request.url_for('calendar_feed')}?token={token}" if token else None
    return {
        "agent": agent,
        "site": site,
        "today": today,
        "shifts": shifts,
        "offs": offs,
        "swaps": swaps,
        "colleagues": colleagues,
        "names": names,
        "feed_url": feed_url,
        "values": {},
        "errors": {},
        "form": "",
    } | extra


@router.get("/me/schedule", name="my_schedule")
def my_schedule(request: Request, db: Db, user: Operator) -> Response:
    return render(request, "rosters/my_schedule.html", _schedule(request, db, user))


@router.post("/me/schedule/time-off", name="my_time_off_ask")
def ask_time_off(request: Request, db: Db, user: Operator, posted: Posted) -> Response:
    form = Form(posted)
    context = _schedule(request, db, user)
    asked = service.ask_time_off(
        db,
        user=user,
        first=form.values.get("first_day", ""),
        last=form.values.get("last_day", ""),
        reason=form.values.get("reason", ""),
        today=context["today"],
    )
    sent = _("Your request for time off has been sent to your supervisor.")
    return _asked(request, context, form, asked, "time_off", sent)


@router.post("/me/schedule/swap", name="my_swap_ask")
def ask_swap(request: Request, db: Db, user: Operator, posted: Posted) -> Response:
    form = Form(posted)
    context = _schedule(request, db, user)
    asked = service.ask_swap(
        db,
        user=user,
        other=form.values.get("other_agent_id", ""),
        day=form.values.get("day", ""),
        other_day=form.values.get("other_day", ""),
        reason=form.values.get("reason", ""),
        today=context["today"],
    )
    sent = _("Your swap request has been sent to your supervisor.")
    return _asked(request, context, form, asked, "swap", sent)


def _asked(
    request: Request, context: dict[str, Any], form: Form, asked: Asked, name: str, sent: str
) -> Response:
    """My schedule again (422) with the form `name` and its errors, or back to it with `sent`."""
    if asked.request is None:
        context |= {"values": form.values, "errors": asked.errors, "form": name}
        return render(request, "rosters/my_schedule.html", context, status_code=422)
    return redirect(request, request.url_for("my_schedule").path, sent)
