"""The Breaks screen: a team's day as a timeline, optimise or re-plan it, move a break, publish."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.auth.guards import Db, allow
from app.auth.scope import SiteChoice, site_scope, sites_and_teams
from app.breaks import optimise as optimise_job
from app.breaks import service
from app.breaks.instance import TeamDay
from app.breaks.timeline import timeline_of
from app.breaks.words import Reason, reasons_of
from app.db import utcnow
from app.forms import Form, Posted
from app.i18n import _
from app.jobs.service import enqueue
from app.models import Agent, PlannedBreak, Shift, Site, Team, User
from app.shifts.service import site_now
from app.shifts.timeconv import parse_clock
from app.web import STAFF, redirect, render

router = APIRouter()
Staff = Annotated[User, Depends(allow(*STAFF))]


def _team_day(
    db: Session,
    user: User,
    site_id: int | None,
    team_id: int | None,
    day: date | None,
    *,
    strict: bool = False,
) -> tuple[SiteChoice, TeamDay]:
    """The sites and teams the user may choose from, and the chosen team's day."""
    choice = sites_and_teams(db, user, site_id, team_id, strict=strict)
    chosen = day or site_now(choice.site, utcnow()).date()
    team_day = service.load_team_day(db, site=choice.site, team=choice.shown_team(), day=chosen)
    return choice, team_day


def _context(db: Session, team_day: TeamDay) -> dict[str, object]:
    return {
        "team_day": team_day,
        "timeline": timeline_of(team_day),
        "result": service.last_result(db, team_day=team_day),
        "tz": team_day.site.timezone,
    }


@router.get("/breaks", name="breaks_page")
def page(
    request: Request,
    db: Db,
    user: Staff,
    site_id: int | None = None,
    team_id: int | None = None,
    day: date | None = None,
) -> Response:
    choice, team_day = _team_day(db, user, site_id, team_id, day)
    context = _context(db, team_day) | {"sites": choice.sites, "teams": choice.teams}
    return render(request, "breaks/page.html", context)


@router.get("/breaks/timeline", name="breaks_timeline")
def timeline(
    request: Request,
    db: Db,
    user: Staff,
    site_id: int | None = None,
    team_id: int | None = None,
    day: date | None = None,
) -> Response:
    _choice, team_day = _team_day(db, user, site_id, team_id, day)
    return render(request, "breaks/_breaks_timeline.html", _context(db, team_day))


def _break_in_scope(db: Session, user: User, break_id: int) -> tuple[PlannedBreak, Shift, Agent]:
    row = db.execute(
        select(PlannedBreak, Shift, Agent)
        .join(Shift, PlannedBreak.shift_id == Shift.id)
        .join(Agent, Shift.agent_id == Agent.id)
        .where(PlannedBreak.id == break_id, Agent.active, site_scope(user, Agent.site_id))
    ).one_or_none()
    if row is None or row[2].team_id is None:
        raise HTTPException(404)
    return row[0], row[1], row[2]


def _lane(
    request: Request,
    db: Session,
    agent: Agent,
    shift: Shift,
    *,
    editing: PlannedBreak | None = None,
    reasons: list[Reason] | None = None,
    value: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    site, team = db.get(Site, agent.site_id), db.get(Team, agent.team_id)
    if site is None or team is None:
        raise HTTPException(404)
    team_day = service.load_team_day(db, site=site, team=team, day=shift.work_date)
    lane = next((x for x in timeline_of(team_day).lanes if x.day.shift.id == shift.id), None)
    if lane is None:  # the agent is no longer active
        raise HTTPException(404)
    context = {
        "lane": lane,
        "team_day": team_day,
        "tz": site.timezone,
        "editing": editing,
        "reasons": reasons or [],
        "value": value,
    }
    return render(request, "breaks/_lane.html", context, status_code=status_code, headers=headers)


@router.get("/breaks/{break_id}/edit", name="breaks_edit")
def edit(request: Request, db: Db, user: Staff, break_id: int) -> Response:
    row, shift, agent = _break_in_scope(db, user, break_id)
    return _lane(request, db, agent, shift, editing=row)


@router.get("/breaks/lane/{shift_id}", name="breaks_lane")
def lane(request: Request, db: Db, user: Staff, shift_id: int) -> Response:
    found = db.execute(
        select(Shift, Agent)
        .join(Agent, Shift.agent_id == Agent.id)
        .where(Shift.id == shift_id, Agent.active, site_scope(user, Agent.site_id))
    ).one_or_none()
    if found is None or found[1].team_id is None:
        raise HTTPException(404)
    return _lane(request, db, found[1], found[0])


@router.post("/breaks/{break_id}/move", name="breaks_move")
def move(request: Request, db: Db, user: Staff, break_id: int, posted: Posted) -> Response:
    row, shift, agent = _break_in_scope(db, user, break_id)
    form = Form(posted)
    value = form.values.get("start", "")
    try:
        clock = parse_clock(value)
    except ValueError:
        reasons = [Reason("format", _("Start"), _("Enter the start as HH:MM."))]
        return _lane(
            request, db, agent, shift, editing=row, reasons=reasons, value=value, status_code=422
        )
    site = db.get(Site, agent.site_id)
    assert site is not None
    starts_at = service.at_local(site, shift, clock.hour, clock.minute)
    refusal = service.move_break(db, user=user, site=site, row=row, starts_at=starts_at)
    if refusal is not None:
        return _lane(
            request,
            db,
            agent,
            shift,
            editing=row,
            reasons=reasons_of(refusal, site.timezone),
            value=value,
            status_code=422,
        )
    return _lane(request, db, agent, shift, headers={"HX-Trigger": "breaksChanged"})


def _chosen(request: Request, db: Session, user: User, posted: FormData) -> TeamDay:
    form = Form(posted)
    site_id = form.integer("site_id", minimum=1)
    team_id = form.integer("team_id", minimum=1)
    try:
        day = date.fromisoformat(form.values.get("day", ""))
    except ValueError:
        raise HTTPException(404) from None
    _choice, team_day = _team_day(db, user, site_id, team_id, day, strict=True)
    return team_day  # strict: never a team the user did not choose


@router.post("/breaks/optimise", name="breaks_optimise")
def optimise(request: Request, db: Db, user: Staff, posted: Posted) -> Response:
    team_day = _chosen(request, db, user, posted)
    replan = request.query_params.get("replan") == "1"
    under_way = service.job_under_way(db, team_day=team_day)
    if under_way is not None:  # two plans written at once would undo each other
        return render(request, "jobs/_job_status.html", {"job": under_way, "ended": False})
    job = enqueue(
        db,
        kind=service.OPTIMISE_KIND,
        params=optimise_job.job_params(
            site=team_day.site, team=team_day.team, day=team_day.day, replan=replan
        ),
        user=user,
        site_id=team_day.site.id,
    )
    return render(request, "jobs/_job_status.html", {"job": job, "ended": False})


@router.post("/breaks/publish", name="breaks_publish")
def publish(request: Request, db: Db, user: Staff, posted: Posted) -> Response:
    team_day = _chosen(request, db, user, posted)
    count = service.publish(db, user=user, team_day=team_day)
    url = str(request.url_for("breaks_page")) + (
        f"?site_id={team_day.site.id}&team_id={team_day.team.id}&day={team_day.day.isoformat()}"
    )
    return redirect(request, url, _("{n} breaks published.").format(n=count))
