"""The Planning screen (forecast, requirement, targets, save, export) and the history upload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.guards import Db, allow
from app.auth.scope import id_param, sites_and_teams
from app.db import utcnow
from app.forms import Form, Posted
from app.i18n import _
from app.models import Job, JobStatus, Queue, Site, User
from app.planning import service
from app.planning.charts import week_chart
from app.planning.forms import (
    TARGET_FIELDS,
    has_targets,
    read_rebuild_days,
    read_targets,
    target_values,
)
from app.planning.from_calls import LIVE_LOOKBACK_DAYS, call_days, stale_days
from app.planning.importer import INTERVAL_CHOICES, import_history
from app.planning.jobs import forecast_job, history_job, history_job_under_way
from app.planning.requirement import Targets
from app.shifts.timeconv import week_start
from app.uploads import Uploaded, import_result, missing_file, upload_sites
from app.web import STAFF, is_htmx, redirect, render

router = APIRouter()
Planner = Annotated[User, Depends(allow(*STAFF))]


@dataclass(frozen=True)
class Choice:
    """The site, queue (None: all queues) and week on screen, and what could be chosen."""

    sites: list[Site]
    site: Site
    queues: list[Queue]
    queue: Queue | None
    monday: date

    @property
    def prev_week(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def selected(self) -> list[Queue]:
        """The queue chosen, or every active queue of the site."""
        return [self.queue] if self.queue else self.queues

    def params(self) -> dict[str, str]:
        return {
            "site_id": str(self.site.id),
            "queue_id": str(self.queue.id) if self.queue else "",
            "week": self.monday.isoformat(),
        }


def _number(raw: Any) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 10 else None


def _choose(db: Session, user: User, values: Mapping[str, Any], *, strict: bool = False) -> Choice:
    scope = sites_and_teams(db, user, id_param(values.get("site_id")), strict=strict)
    sites, site = scope.sites, scope.site
    queues = list(
        db.scalars(select(Queue).where(Queue.site_id == site.id, Queue.active).order_by(Queue.name))
    )
    queue = next((q for q in queues if q.id == _number(values.get("queue_id"))), None)
    try:
        day = date.fromisoformat(str(values.get("week", "")))
    except ValueError:  # no week chosen: next week, on the site's calendar
        day = utcnow().astimezone(ZoneInfo(site.timezone)).date() + timedelta(days=7)
    return Choice(sites, site, queues, queue, week_start(day))


def _plan(
    request: Request,
    db: Session,
    user: User,
    values: Mapping[str, Any],
    template: str,
    *,
    ask_forecast: bool = False,
) -> Response:
    """Render `template` with the plan of the chosen week for the targets in `values`;
    `ask_forecast` (a POST) queues the job making the missing forecasts."""
    choice = _choose(db, user, values)
    form = Form(values)
    given = has_targets(form.values)
    targets = read_targets(form) if given else Targets.for_site(choice.site)
    plan = None
    queues = choice.selected
    job = None
    if targets is not None:
        plan = service.plan_week(
            db, site=choice.site, queues=queues, monday=choice.monday, targets=targets,
            make_missing=False,
        )  # fmt: skip
        if plan.pending and ask_forecast:  # a GET writes nothing: the page POSTs for it
            job = forecast_job(
                db, user=user, site=choice.site, queues=list(plan.pending), monday=choice.monday
            )
    if given:
        shown = {name: form.values.get(name, "") for name in TARGET_FIELDS}
    else:
        shown = target_values(Targets.for_site(choice.site))
    context = {
        "choice": choice,
        "plan": plan,
        "chart": week_chart(plan.rows, choice.site.timezone) if plan and plan.rows else None,
        "values": shown,
        "errors": form.errors,
        "query": urlencode({**choice.params(), **shown}),
        "job": job,
        "ended": job is not None and job.status in (JobStatus.DONE, JobStatus.FAILED),
        "saved": service.saved_plans(db, site=choice.site, queues=queues, monday=choice.monday),
        "fragment": template.startswith("planning/_"),
        "target_fields": TARGET_FIELDS,
        "stale": stale_days(db, site=choice.site, today=_today(choice.site))
        if template == "planning/page.html"
        else None,
    }
    return render(request, template, context, status_code=422 if form.errors else 200)


def _today(site: Site) -> date:
    return utcnow().astimezone(ZoneInfo(site.timezone)).date()


@router.get("/planning", name="planning")
def page(request: Request, db: Db, user: Planner) -> Response:
    return _plan(request, db, user, request.query_params, "planning/page.html")


@router.get("/planning/requirement", name="planning_requirement")
def requirement(request: Request, db: Db, user: Planner) -> Response:
    return _plan(request, db, user, request.query_params, "planning/_requirement.html")


@router.post("/planning/forecast", name="planning_forecast")
def forecast(request: Request, db: Db, user: Planner, values: Posted) -> Response:
    _choose(db, user, values, strict=True)  # never a job for a site not chosen
    template = "planning/_requirement.html" if is_htmx(request) else "planning/page.html"
    return _plan(request, db, user, values, template, ask_forecast=True)


@router.get("/planning/export", name="planning_export")
def export(request: Request, db: Db, user: Planner) -> Response:
    choice = _choose(db, user, request.query_params)
    form = Form(request.query_params)
    targets = read_targets(form) if has_targets(form.values) else Targets.for_site(choice.site)
    if targets is None:
        return _plan(request, db, user, request.query_params, "planning/page.html")
    queues = choice.selected
    plan = service.plan_week(
        db, site=choice.site, queues=queues, monday=choice.monday, targets=targets, keep=False
    )  # a GET: a missing forecast is made for the file, not stored
    name = f"plan-site{choice.site.id}-{choice.queue.id if choice.queue else 'all'}"
    return Response(
        service.plan_csv(plan),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{choice.monday}.csv"'},
    )


@router.post("/planning/save", name="planning_save")
def save(request: Request, db: Db, user: Planner, values: Posted) -> Response:
    choice = _choose(db, user, values, strict=True)  # never save to a site not chosen
    targets = read_targets(Form(values))
    if targets is None:
        return _plan(request, db, user, values, "planning/page.html")
    queues = choice.selected
    plan = service.plan_week(
        db, site=choice.site, queues=queues, monday=choice.monday, targets=targets
    )
    saved = service.save_plan(db, user=user, plan=plan)
    query = urlencode({**choice.params(), **target_values(targets)})
    if not saved:
        return redirect(request, f"/planning?{query}", _("Nothing to save: no history."))
    message = _("Plan saved for the week of {date}: {n} queue(s).").format(
        date=choice.monday.isoformat(), n=len(saved)
    )
    return redirect(request, f"/planning?{query}", message)


@router.get("/planning/history", name="planning_history")
def history_page(request: Request, db: Db, user: Planner, site_id: int | None = None) -> Response:
    context = upload_sites(db, user, site_id) | {"intervals": INTERVAL_CHOICES, "interval": 30}
    if context["site"] is not None:
        context |= _rebuild_context(db, context["site"])
    return render(request, "planning/history.html", context)


def _rebuild_context(
    db: Session, site: Site, form: Form | None = None, job: Job | None = None
) -> dict[str, Any]:
    """The rebuild-from-calls card: its days (by default the last twelve weeks) and job."""
    yesterday = _today(site) - timedelta(days=1)
    first = yesterday - timedelta(days=LIVE_LOOKBACK_DAYS - 1)
    span = call_days(db, site=site)
    job = job or history_job_under_way(db, site=site)
    return {
        "calls_span": span,
        "rebuild_values": form.values if form else {
            "first": max(first, span[0]).isoformat() if span else first.isoformat(),
            "last": yesterday.isoformat(),
        },
        "rebuild_errors": form.errors if form else {},
        "rebuild_job": job,
        "rebuild_ended": job is not None and job.status in (JobStatus.DONE, JobStatus.FAILED),
    }  # fmt: skip


@router.post("/planning/history/rebuild", name="planning_history_rebuild")
def history_rebuild(request: Request, db: Db, user: Planner, posted: Posted) -> Response:
    form = Form(posted)
    site = _choose(db, user, form.values, strict=True).site  # never a site not chosen
    days = read_rebuild_days(form)
    job = history_job(db, user=user, site=site, first=days[0], last=days[1]) if days else None
    context = {"site": site} | _rebuild_context(db, site, form, job)
    status = 422 if form.errors else 200
    if is_htmx(request):
        return render(request, "planning/_history_rebuild.html", context, status_code=status)
    context |= upload_sites(db, user, site.id) | {"intervals": INTERVAL_CHOICES, "interval": 30}
    return render(request, "planning/history.html", context, status_code=status)


@router.post("/planning/history", name="planning_history_submit")
def history_submit(request: Request, db: Db, user: Planner, upload: Uploaded) -> Response:
    choice = upload.site_choice(db, user)
    interval = _number(upload.fields.get("interval_minutes")) or 0
    context = {"sites": choice.sites, "site": choice.site, "intervals": INTERVAL_CHOICES}
    context |= {"interval": interval} | _rebuild_context(db, choice.site)
    if not upload.filename:
        return missing_file(request, "planning/history.html", context)
    result = import_history(
        db, user=user, site=choice.site, content=upload.content, interval_minutes=interval,
        filename=upload.filename,
    )  # fmt: skip
    return import_result(
        request, "planning/history.html", context, result=result, filename=upload.filename
    )
