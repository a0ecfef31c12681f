"""Rendering: Jinja templates with gettext, flash messages, navigation by role, htmx helpers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from app import i18n
from app.i18n import N_
from app.models import Role

if TYPE_CHECKING:
    from app.auth.guards import Viewer

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
HTMX_FILE = "htmx-2.0.11.min.js"

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
)
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext_, i18n.ngettext_, newstyle=True
)
templates.env.globals["htmx_file"] = HTMX_FILE
templates.env.filters["local_datetime"] = i18n.local_datetime
templates.env.filters["local_time"] = i18n.local_time
templates.env.filters["local_date"] = i18n.local_date
templates.env.filters["number"] = i18n.number
templates.env.filters["percent"] = i18n.percent


@dataclass(frozen=True)
class NavItem:
    """A link in the top navigation, shown to the roles that may follow it."""

    route: str
    label: str
    roles: frozenset[Role]


STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.SUPERVISOR})
ADMINS = frozenset({Role.ADMIN, Role.MANAGER})

NAV = (
    NavItem("home", N_("Home"), frozenset(Role)),
    NavItem("my_day", N_("My day"), frozenset({Role.OPERATOR})),
    NavItem("my_shifts", N_("My shifts"), frozenset({Role.OPERATOR})),
    NavItem("my_schedule", N_("My schedule"), frozenset({Role.OPERATOR})),
    NavItem("floor_page", N_("Floor"), STAFF),
    NavItem("shift_week", N_("Shifts"), STAFF),
    NavItem("breaks_page", N_("Breaks"), STAFF),
    NavItem("rosters_page", N_("Rosters"), STAFF),
    NavItem("planning", N_("Planning"), STAFF),
    NavItem("reports_page", N_("Reports"), STAFF),
    NavItem("break_requests", N_("Requests"), STAFF),
    NavItem("break_rules", N_("Break rules"), STAFF),
    NavItem("admin_sites", N_("Sites"), ADMINS),
    NavItem("admin_teams", N_("Teams"), STAFF),
    NavItem("admin_agents", N_("Agents"), STAFF),
    NavItem("admin_queues", N_("Queues"), STAFF),
    NavItem("admin_users", N_("Users"), ADMINS),
    NavItem("api_tokens", N_("API tokens"), frozenset({Role.ADMIN})),
)


def flash(request: Request, message: str, level: str = "info") -> None:
    """Queue a message for the next page the user sees."""
    request.session.setdefault("flash", []).append({"level": level, "message": message})


def is_htmx(request: Request) -> bool:
    """Whether the request came from htmx (and so wants a fragment)."""
    return request.headers.get("HX-Request") == "true"


def _whole_page(request: Request) -> bool:
    """A plain request, or htmx's boosted navigation, which swaps in the whole body."""
    return not is_htmx(request) or request.headers.get("HX-Boosted") == "true"


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page or fragment with the user, CSRF token, language and navigation."""
    user: Viewer | None = getattr(request.state, "viewer", None)
    full: dict[str, Any] = {
        "user": user,
        "csrf_token": request.session.get("csrf", ""),
        "locale": i18n.current_locale.get(),
        "nav": [item for item in NAV if user and Role(user.role) in item.roles],
        "flashes": request.session.pop("flash", []) if _whole_page(request) else [],
    }
    full.update(context or {})
    return templates.TemplateResponse(request, name, full, status_code=status_code, headers=headers)


def redirect(request: Request, url: str, message: str | None = None) -> Response:
    """After a successful change: 303 for a plain form, HX-Redirect for htmx."""
    if message:
        flash(request, message, "success")
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def answer_decision(
    request: Request, template: str, context: dict[str, Any], *, refusal: str | None, back_to: str
) -> Response:
    """After a decision: htmx gets the row (422 if refused); a form goes back, refusal flashed."""
    if not is_htmx(request):
        if refusal:
            flash(request, refusal, "error")
        return redirect(request, back_to)
    return render(request, template, context, status_code=422 if refusal else 200)
