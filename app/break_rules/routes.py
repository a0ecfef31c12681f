"""The Break rules screen: types, rules and policy of a site, or a team's override (thin)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.guards import Db, allow
from app.auth.scope import id_param, sites_and_teams
from app.break_rules import forms, service
from app.forms import Form, Posted
from app.i18n import _
from app.models import BreakPolicy, BreakRule, BreakType, Site, Team, User
from app.web import STAFF, flash, is_htmx, redirect, render

router = APIRouter(prefix="/break-rules")
Staff = Annotated[User, Depends(allow(*STAFF))]
SECTIONS = {
    "types": "break_rules/_break_types.html",
    "rules": "break_rules/_break_rule_list.html",
    "policy": "break_rules/_break_policy.html",
}


def _scope(
    db: Session, user: User, site_id: int | None, team_id: int | None, *, strict: bool = False
) -> tuple[list[Site], Site, list[Team], Team | None]:
    """Sites in reach, the chosen one (404 if `strict` and not the one asked for), its teams."""
    choice = sites_and_teams(db, user, site_id, team_id, strict=strict)
    return choice.sites, choice.site, choice.teams, choice.team


def _form_ids(form: Form) -> tuple[int | None, int | None]:
    return id_param(form.values.get("site_id")), id_param(form.values.get("team_id"))


def _context(db: Session, site: Site, team: Team | None, **extra: Any) -> dict[str, Any]:
    own_rules = service.rules_of(db, site=site, team=team)
    own_policy = service.policy_of(db, site=site, team=team)
    types = service.types_of(db, site=site)
    context: dict[str, Any] = {
        "site": site,
        "team": team,
        "types": types,
        "active_types": [t for t in types if t.active],
        "rules": own_rules,
        "policy": own_policy,
        "inherited": _inherited(db, site, team, own_rules),
        "site_policy": service.policy_of(db, site=site, team=None) if team else own_policy,
        "hm": forms.hours_minutes,
        "values": {},
        "errors": {},
        "edit": None,
        "refusal": None,
    }
    context["policy_values"] = _policy_values(own_policy or service.new_policy(site, team))
    return context | extra


def _inherited(
    db: Session, site: Site, team: Team | None, own: Sequence[BreakRule]
) -> list[BreakRule]:
    """The site's rules a team follows: those of break types it has no rule of its own for."""
    if team is None:
        return []
    overridden = {r.break_type_id for r in own}
    site_rules = service.rules_of(db, site=site, team=None)
    return [r for r in site_rules if r.break_type_id not in overridden]


def _policy_values(policy: BreakPolicy) -> dict[str, str]:
    return {
        "min_work_minutes": forms.hours_minutes(policy.min_work_minutes),
        "max_work_minutes": forms.hours_minutes(policy.max_work_minutes),
        "max_on_break": str(policy.max_on_break),
    }


def _page_url(request: Request, site: Site, team: Team | None) -> str:
    query = {"site_id": site.id} | ({"team_id": team.id} if team else {})
    return f"{request.url_for('break_rules').path}?{urlencode(query)}"


def _answer(
    request: Request,
    db: Session,
    user: User,
    section: str,
    site: Site,
    team: Team | None,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The section's fragment for htmx; a whole page (422) or a redirect (303) otherwise."""
    context = _context(db, site, team, **extra)
    headers = {"HX-Trigger": "break-types-changed"} if section == "types" else None
    if is_htmx(request):
        return render(request, SECTIONS[section], context, status_code=status_code, headers=headers)
    if status_code == 200:
        return redirect(request, _page_url(request, site, team), _("Saved."))
    sites, _site, teams, _team = _scope(db, user, site.id, team.id if team else None)
    context |= {"sites": sites, "teams": teams}
    return render(request, "break_rules/page.html", context, status_code=status_code)


@router.get("", name="break_rules")
def page(
    request: Request, db: Db, user: Staff, site_id: int | None = None, team_id: int | None = None
) -> Response:
    sites, site, teams, team = _scope(db, user, site_id, team_id)
    context = _context(db, site, team, sites=sites, teams=teams)
    return render(request, "break_rules/page.html", context)


@router.get("/section/{section}", name="break_rules_section")
def section(
    request: Request,
    db: Db,
    user: Staff,
    section: str,
    site_id: int | None = None,
    team_id: int | None = None,
    edit: int | None = None,
) -> Response:
    if section not in SECTIONS:
        raise HTTPException(404)
    _sites, site, _teams, team = _scope(db, user, site_id, team_id)
    values: dict[str, str] = {}
    if edit is not None and section == "types":
        values = forms.type_values(_owned(db, BreakType, edit, site))
    elif edit is not None and section == "rules":
        values = forms.rule_values(_owned(db, BreakRule, edit, site))
    return render(
        request, SECTIONS[section], _context(db, site, team, edit=edit, edit_values=values)
    )


def _owned(db: Session, model: type[BreakType] | type[BreakRule], row_id: int, site: Site) -> Any:
    obj: Any = db.get(model, row_id)
    if obj is None or obj.site_id != site.id:
        raise HTTPException(404)
    return obj


@router.post("/types", name="break_type_create")
def type_create(request: Request, db: Db, user: Staff, posted: Posted) -> Response:
    form = Form(posted)
    _sites, site, _teams, team = _scope(db, user, *_form_ids(form), strict=True)
    values = forms.read_type(form, db, site, None)
    if not form.ok:
        return _answer(
            request, db, user, "types", site, team, status_code=422,
            values=form.values, errors=form.errors,
        )  # fmt: skip
    service.save(db, user=user, obj=BreakType(site_id=site.id), values=values)
    return _answer(request, db, user, "types", site, team)


@router.post("/types/{type_id}", name="break_type_update")
def type_update(request: Request, db: Db, user: Staff, type_id: int, posted: Posted) -> Response:
    form = Form(posted)
    _sites, site, _teams, team = _scope(db, user, *_form_ids(form), strict=True)
    obj = _owned(db, BreakType, type_id, site)
    values = forms.read_type(form, db, site, obj)
    if not form.ok:
        return _answer(
            request, db, user, "types", site, team, status_code=422,
            edit=obj.id, edit_values=form.values, errors=form.errors,
        )  # fmt: skip
    service.save(db, user=user, obj=obj, values=values)
    return _answer(request, db, user, "types", site, team)


@router.post("/types/{type_id}/active", name="break_type_active")
def type_active(request: Request, db: Db, user: Staff, type_id: int, posted: Posted) -> Response:
    form = Form(posted)
    _sites, site, _teams, team = _scope(db, user, *_form_ids(form), strict=True)
    obj = _owned(db, BreakType, type_id, site)
    refusal = service.set_type_active(db, user=user, obj=obj, active=form.checkbox("active"))
    if refusal and not is_htmx(request):
        flash(request, refusal, "error")
        return redirect(request, _page_url(request, site, team))
    status = 422 if refusal else 200
    return _answer(request, db, user, "types", site, team, status_code=status, refusal=refusal)


@router.post("/rules", name="break_rule_create")
def rule_create(request: Request, db: Db, user: Staff, posted: Posted) -> Response:
    form = Form(posted)
    _sites, site, _teams, team = _scope(db, user, *_form_ids(form), strict=True)
    values = forms.read_rule(form, db, site, team, None)
    if not form.ok:
        return _answer(
            request, db, user, "rules", site, team, status_code=422,
            values=form.values, errors=form.errors,
        )  # fmt: skip
    service.save(db, user=user, obj=BreakRule(), values=values)
    return _answer(request, db, user, "rules", site, team)


@router.post("/rules/{rule_id}", name="break_rule_update")
def rule_update(request: Request, db: Db, user: Staff, rule_id: int, posted: Posted) -> Response:
    form = Form(posted)
    _sites, site, _teams, team = _scope(db, user, *_form_ids(form), strict=True)
    obj = _owned(db, BreakRule, rule_id, site)
    values = forms.read_rule(form, db, site, team, obj)
    if not form.ok:
        return _answer(
            request, db, user, "rules", site, team, status_code=422,
            edit=obj.id, edit_values=form.values, errors=form.errors,
        )  # fmt: skip
    service.save(db, user=user, obj=obj, values=values)
    return _answer(request, db, user, "rules", site, team)


@router.post("/rules/{rule_id}/delete", name="break_rule_delete")
def rule_delete(request: Request, db: Db, user: Staff, rule_id: int, posted: Posted) -> Response:
    form = Form(posted)
    _sites, site, _teams, team = _scope(db, user, *_form_ids(form), strict=True)
    service.remove(db, user=user, obj=_owned(db, BreakRule, rule_id, site))
    return _answer(request, db, user, "rules", site, team)


@router.post("/policy", name="break_policy_save")
def policy_save(request: Request, db: Db, user: Staff, posted: Posted) -> Response:
    form = Form(posted)
    _sites, site, _teams, team = _scope(db, user, *_form_ids(form), strict=True)
    values = forms.read_policy(form)
    if not form.ok:
        return _answer(
            request, db, user, "policy", site, team, status_code=422,
            policy_values=form.values, errors=form.errors,
        )  # fmt: skip
    obj = service.policy_of(db, site=site, team=team) or BreakPolicy(
        site_id=site.id, team_id=team.id if team else None
    )
    service.save(db, user=user, obj=obj, values=values)
    return _answer(request, db, user, "policy", site, team)


@router.post("/policy/delete", name="break_policy_delete")
def policy_delete(request: Request, db: Db, user: Staff, posted: Posted) -> Response:
    form = Form(posted)
    _sites, site, _teams, team = _scope(db, user, *_form_ids(form), strict=True)
    policy = service.policy_of(db, site=site, team=team) if team else None
    if policy is not None:  # only a team's override can go; the site keeps its own
        service.remove(db, user=user, obj=policy)
    return _answer(request, db, user, "policy", site, team)
