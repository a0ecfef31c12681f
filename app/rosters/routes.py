"""The Rosters screen: a team's week by agents and days, generate, edit a cell, publish,
compare two versions (thin)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.auth.guards import Db, allow
from app.auth.scope import SiteChoice, site_scope, sites_and_teams
from app.db import utcnow
from app.forms import Form, Posted
from app.i18n import _
from app.jobs.service import enqueue
from app.models import Agent, RosterStatus, RosterVersion, ShiftTemplate, User
from app.rosters import explained, service
from app.rosters import generate as generate_job
from app.rosters.instance import TeamWeek, load_team_week
from app.rosters.words import reasons_of
from app.shifts.service import site_now
from app.shifts.timeconv import week_start
from app.web import STAFF, redirect, render

router = APIRouter(prefix="/rosters")
Staff = Annotated[User, Depends(allow(*STAFF))]


def _team_week(
    db: Session,
    user: User,
    site_id: int | None,
    team_id: int | None,
    week: date | None,
    *,
    strict: bool = False,
) -> tuple[SiteChoice, TeamWeek]:
    """The sites and teams the user may choose from, and the chosen team's week."""
    choice = sites_and_teams(db, user, site_id, team_id, strict=strict)
    monday = week_start(week or site_now(choice.site, utcnow()).date())
    team = choice.shown_team()
    return choice, load_team_week(db, site=choice.site, team=team, monday=monday)


def _version_in_scope(db: Session, user: User, version_id: int) -> tuple[RosterVersion, TeamWeek]:
    version = db.scalar(
        select(RosterVersion).where(
            RosterVersion.id == version_id, site_scope(user, RosterVersion.site_id)
        )
    )
    if version is None:
        raise HTTPException(404)
    _choice, week = _team_week(  # 404 for a team or site no longer active
        db, user, version.site_id, version.team_id, version.week_start, strict=True
    )
    return version, week


def _body(db: Session, week: TeamWeek, version_id: int | None, day: date | None) -> dict[str, Any]:
    versions = service.versions_of(db, week=week)
    version = next((v for v in versions if v.id == version_id), versions[0] if versions else None)
    entries = service.entries_of(db, version=version) if version else {}
    cover = service.cover_of(week, entries)
    chosen_day = day if day in week.days else week.days[0]
    last = service.last_job(db, week=week)
    return {
        "week": week,
        "versions": versions,
        "version": version,
        "entries": entries,
        "days_cover": service.days_cover(week, cover),
        "intervals": service.intervals_of(week, cover, chosen_day),
        "chosen_day": chosen_day,
        "last_job": last,
        "explanations": explained.explanations(version.result if version else None, week.days),
        "notes": explained.notes(last.result if last else None, week.days),
        "planned_hours": service.planned_hours(entries),
        "tz": week.site.timezone,
    }


@router.get("", name="rosters_page")
def page(
    request: Request,
    db: Db,
    user: Staff,
    site_id: int | None = None,
    team_id: int | None = None,
    week: date | None = None,
    version_id: int | None = None,
    day: date | None = None,
) -> Response:
    choice, team_week = _team_week(db, user, site_id, team_id, week)
    context = _body(db, team_week, version_id, day) | {"sites": choice.sites, "teams": choice.teams}
    context["under_way"] = service.job_under_way(db, week=team_week)
    return render(request, "rosters/page.html", context)


@router.get("/body", name="rosters_body")
def body(
    request: Request,
    db: Db,
    user: Staff,
    site_id: int | None = None,
    team_id: int | None = None,
    week: date | None = None,
    version_id: int | None = None,
    day: date | None = None,
) -> Response:
    _choice, team_week = _team_week(db, user, site_id, team_id, week)
    return render(request, "rosters/_roster_body.html", _body(db, team_week, version_id, day))


@router.get("/{version_id}/coverage", name="rosters_coverage")
def coverage(
    request: Request, db: Db, user: Staff, version_id: int, day: date | None = None
) -> Response:
    version, week = _version_in_scope(db, user, version_id)
    return render(request, "rosters/_roster_coverage.html", _body(db, week, version.id, day))


def _agent_of(week: TeamWeek, agent_id: int) -> Agent:
    agent = next((a for a in week.agents if a.id == agent_id), None)
    if agent is None:
        raise HTTPException(404)
    return agent


def _cell(
    request: Request,
    db: Session,
    version: RosterVersion,
    week: TeamWeek,
    agent: Agent,
    day: date,
    **extra: Any,
) -> Response:
    if day not in week.days:
        raise HTTPException(404)
    status_code = extra.pop("status_code", 200)
    headers = extra.pop("headers", None)
    context = {
        "version": version,
        "week": week,
        "agent": agent,
        "day": day,
        "entry": service.entries_of(db, version=version).get((agent.id, day)),
        "editing": False,
        "reasons": [],
        "warnings": [],
        "chosen": "",
        "tz": week.site.timezone,
    } | extra
    return render(
        request, "rosters/_roster_cell.html", context, status_code=status_code, headers=headers
    )


@router.get("/{version_id}/cell/{agent_id}/{day}", name="rosters_cell")
def cell(
    request: Request,
    db: Db,
    user: Staff,
    version_id: int,
    agent_id: int,
    day: date,
    edit: bool = False,
) -> Response:
    version, week = _version_in_scope(db, user, version_id)
    editing = edit and version.status == RosterStatus.DRAFT.value
    return _cell(request, db, version, week, _agent_of(week, agent_id), day, editing=editing)


@router.post("/{version_id}/cell/{agent_id}/{day}", name="rosters_cell_save")
def cell_save(
    request: Request, db: Db, user: Staff, version_id: int, agent_id: int, day: date, posted: Posted
) -> Response:
    version, week = _version_in_scope(db, user, version_id)
    agent = _agent_of(week, agent_id)
    if version.status != RosterStatus.DRAFT.value or day not in week.days:
        raise HTTPException(404)  # only drafts are edited; a published week is copied first
    form = Form(posted)
    options = {str(t.id): t for t in week.templates}
    chosen = form.choice("shift", ["off", *options])
    if not form.ok:
        return _cell(
            request,
            db,
            version,
            week,
            agent,
            day,
            editing=True,
            chosen=chosen,
            form_error=form.errors["shift"],
            status_code=422,
        )
    template: ShiftTemplate | None = options.get(chosen)
    outcome = service.edit_cell(
        db, user=user, week=week, version=version, agent=agent, day=day, template=template
    )
    if outcome.refusals:
        return _cell(
            request,
            db,
            version,
            week,
            agent,
            day,
            editing=True,
            chosen=chosen,
            reasons=reasons_of(outcome.refusals),
            warnings=reasons_of(outcome.warnings),
            status_code=422,
        )
    return _cell(
        request,
        db,
        version,
        week,
        agent,
        day,
        warnings=reasons_of(outcome.warnings),
        headers={"HX-Trigger": "rosterChanged"},
    )


def _chosen_week(request: Request, db: Session, user: User, posted: FormData) -> TeamWeek:
    form = Form(posted)
    site_id = form.integer("site_id", minimum=1)
    team_id = form.integer("team_id", minimum=1)
    try:
        monday = date.fromisoformat(form.values.get("week", ""))
    except ValueError:
        raise HTTPException(404) from None
    _choice, week = _team_week(db, user, site_id, team_id, monday, strict=True)
    if week.monday != monday:
        raise HTTPException(404)  # never act on a week the user did not choose
    return week


@router.post("/generate", name="rosters_generate")
def generate(request: Request, db: Db, user: Staff, posted: Posted) -> Response:
    week = _chosen_week(request, db, user, posted)
    under_way = service.job_under_way(db, week=week)
    if under_way is not None:  # one generation of a team-week at a time
        return render(request, "jobs/_job_status.html", {"job": under_way, "ended": False})
    if not week.templates:
        message = _("This site has no shift templates: add some before generating a roster.")
        return render(request, "error.html", {"message": message}, status_code=422)
    job = enqueue(
        db,
        kind=generate_job.GENERATE_KIND,
        params=generate_job.job_params(site=week.site, team=week.team, monday=week.monday),
        user=user,
        site_id=week.site.id,
    )
    return render(request, "jobs/_job_status.html", {"job": job, "ended": False})


def _week_url(request: Request, version: RosterVersion) -> str:
    return str(request.url_for("rosters_page")) + (
        f"?site_id={version.site_id}&team_id={version.team_id}"
        f"&week={version.week_start.isoformat()}&version_id={version.id}"
    )


@router.post("/{version_id}/publish", name="rosters_publish")
def publish(request: Request, db: Db, user: Staff, version_id: int) -> Response:
    version, week = _version_in_scope(db, user, version_id)
    if version.status != RosterStatus.DRAFT.value:
        raise HTTPException(404)
    count = service.publish(db, user=user, week=week, version=version)
    message = _("Version {n} published: {count} shifts written.").format(
        n=version.number, count=count
    )
    return redirect(request, _week_url(request, version), message)


@router.post("/{version_id}/copy", name="rosters_copy")
def copy(request: Request, db: Db, user: Staff, version_id: int) -> Response:
    version, _week = _version_in_scope(db, user, version_id)
    draft = service.copy_version(db, user=user, version=version)
    message = _("Version {n} is a new draft to edit.").format(n=draft.number)
    return redirect(request, _week_url(request, draft), message)


@router.get("/compare", name="rosters_compare")
def compare(
    request: Request, db: Db, user: Staff, left: int | None = None, right: int | None = None
) -> Response:
    if left is None or right is None:
        raise HTTPException(404)
    one, week = _version_in_scope(db, user, left)
    two, _week = _version_in_scope(db, user, right)
    if (one.team_id, one.week_start) != (two.team_id, two.week_start):
        raise HTTPException(404)
    comparison = service.compare(db, week=week, left=one, right=two)
    return render(
        request,
        "rosters/compare.html",
        {
            "week": week,
            "comparison": comparison,
            "pairs": list(zip(comparison.left_days, comparison.right_days, strict=True)),
            "tz": week.site.timezone,
        },
    )
