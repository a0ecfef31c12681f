"""The week grid of shifts, editing a day in place, the schedule import, and My shifts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.guards import Db, allow
from app.auth.scope import site_scope, sites_and_teams
from app.db import utcnow
from app.forms import Form, Posted
from app.i18n import _
from app.models import Agent, Role, Site, User
from app.shifts import service
from app.shifts.importer import import_schedule
from app.shifts.timeconv import parse_clock, week_start
from app.uploads import Uploaded, import_result, missing_file, upload_sites
from app.web import STAFF, render

router = APIRouter()
Staff = Annotated[User, Depends(allow(*STAFF))]
Operator = Annotated[User, Depends(allow(Role.OPERATOR))]


def _agent_in_scope(db: Session, user: User, agent_id: int) -> tuple[Agent, Site]:
    row = db.execute(
        select(Agent, Site).join(Site).where(Agent.id == agent_id, site_scope(user, Agent.site_id))
    ).one_or_none()
    if row is None:
        raise HTTPException(404)
    return row[0], row[1]


@router.get("/shifts", name="shift_week")
def week(
    request: Request,
    db: Db,
    user: Staff,
    site_id: int | None = None,
    team_id: int | None = None,
    week: date | None = None,
) -> Response:
    choice = sites_and_teams(db, user, site_id, team_id)  # no team: all teams
    monday = week_start(week or service.site_now(choice.site, utcnow()).date())
    grid = service.week_grid(db, site=choice.site, team=choice.team, monday=monday)
    return render(
        request,
        "shifts/week.html",
        {
            "grid": grid,
            "sites": choice.sites,
            "teams": choice.teams,
            "monday": monday,
            "prev_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
        },
    )


def _cell(
    request: Request,
    db: Session,
    agent: Agent,
    site: Site,
    day: date,
    *,
    editing: bool = False,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    shift = service.shift_on(db, agent=agent, day=day)
    template = "shifts/_cell_form.html" if editing else "shifts/_cell.html"
    context = {
        "agent": agent,
        "site": site,
        "day": day,
        "shift": shift,
        "error": error,
        "values": values or {},
    }
    return render(request, template, context, status_code=422 if error else 200)


@router.get("/shifts/cell/{agent_id}/{day}", name="shift_cell")
def cell(request: Request, db: Db, user: Staff, agent_id: int, day: date) -> Response:
    agent, site = _agent_in_scope(db, user, agent_id)
    return _cell(request, db, agent, site, day)


@router.get("/shifts/cell/{agent_id}/{day}/edit", name="shift_cell_edit")
def cell_edit(request: Request, db: Db, user: Staff, agent_id: int, day: date) -> Response:
    agent, site = _agent_in_scope(db, user, agent_id)
    return _cell(request, db, agent, site, day, editing=True)


@router.post("/shifts/cell/{agent_id}/{day}", name="shift_cell_save")
def cell_save(
    request: Request, db: Db, user: Staff, agent_id: int, day: date, posted: Posted
) -> Response:
    agent, site = _agent_in_scope(db, user, agent_id)
    form = Form(posted)
    try:
        start, end = (
            parse_clock(form.values.get("start", "")),
            parse_clock(form.values.get("end", "")),
        )
    except ValueError:
        return _cell(
            request,
            db,
            agent,
            site,
            day,
            editing=True,
            values=form.values,
            error=_("Enter the start and end as HH:MM."),
        )
    shift, reason = service.set_shift(
        db, user=user, agent=agent, site=site, day=day, start=start, end=end
    )
    if shift is None:
        return _cell(request, db, agent, site, day, editing=True, values=form.values, error=reason)
    return _cell(request, db, agent, site, day)


@router.post("/shifts/cell/{agent_id}/{day}/delete", name="shift_cell_delete")
def cell_delete(request: Request, db: Db, user: Staff, agent_id: int, day: date) -> Response:
    agent, site = _agent_in_scope(db, user, agent_id)
    service.remove_shift(db, user=user, agent=agent, day=day)
    return _cell(request, db, agent, site, day)


@router.get("/shifts/import", name="shift_import")
def import_page(request: Request, db: Db, user: Staff, site_id: int | None = None) -> Response:
    return render(request, "shifts/import.html", upload_sites(db, user, site_id))


@router.post("/shifts/import", name="shift_import_submit")
def import_submit(request: Request, db: Db, user: Staff, upload: Uploaded) -> Response:
    choice = upload.site_choice(db, user)
    context = {"sites": choice.sites, "site": choice.site}
    if not upload.filename:
        return missing_file(request, "shifts/import.html", context)
    result = import_schedule(db, user=user, site=choice.site, content=upload.content)
    return import_result(
        request, "shifts/import.html", context, result=result, filename=upload.filename
    )


@router.get("/me/shifts", name="my_shifts")
def my_shifts(request: Request, db: Db, user: Operator) -> Response:
    agent = service.own_agent(db, user)
    site = db.get(Site, agent.site_id) if agent else None
    today = service.site_now(site, utcnow()).date() if site else utcnow().date()
    shifts = service.own_shifts(
        db, user=user, since=today - timedelta(days=7), until=today + timedelta(days=28)
    )
    return render(
        request, "me/shifts.html", {"agent": agent, "site": site, "shifts": shifts, "today": today}
    )
