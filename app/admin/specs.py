"""The five configuration resources: sites, teams, queues, agents (with skills), users."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session, selectinload

from app.admin.admins import check_role_change, refuse_deactivation
from app.admin.resources import Column, Field, Marker, Resource
from app.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from app.auth.scope import site_scope
from app.forms import Form
from app.i18n import N_, _
from app.models import Agent, AgentSkill, Queue, Role, Site, Team, User
from app.web import ADMINS, STAFF

SKILL_LEVELS = range(1, 6)


def site_options(db: Session, user: User) -> Sequence[tuple[str, str]]:
    rows = db.scalars(
        select(Site).where(Site.active, site_scope(user, Site.id)).order_by(Site.name)
    )
    return [(str(s.id), s.name) for s in rows]


def team_options(db: Session, user: User) -> Sequence[tuple[str, str]]:
    rows = db.execute(
        select(Team, Site.name)
        .join(Site)
        .where(Team.active, site_scope(user, Team.site_id))
        .order_by(Site.name, Team.name)
    )
    return [("", _("(no team)"))] + [(str(t.id), f"{t.name} · {s}") for t, s in rows]


def operator_options(db: Session, user: User) -> Sequence[tuple[str, str]]:
    rows = db.scalars(
        select(User)
        .where(User.active, User.role == Role.OPERATOR, site_scope(user, User.site_id))
        .order_by(User.login)
    )
    return [("", _("(no sign-in)"))] + [(str(u.id), f"{u.login} · {u.display_name}") for u in rows]


def role_options(_db: Session, user: User) -> Sequence[tuple[str, str]]:
    roles = list(Role) if user.role == Role.ADMIN else [r for r in Role if r != Role.ADMIN]
    return [(r.value, _(r.value)) for r in roles]


def locale_options(_db: Session, _user: User) -> Sequence[tuple[str, str]]:
    return [("ru", "Русский"), ("en", "English")]


def _unique(form: Form, db: Session, name: str, stmt: Select[Any], message: str) -> None:
    if name not in form.errors and db.scalar(select(func.count()).select_from(stmt.subquery())):
        form.error(name, message)


def _site_id(form: Form, db: Session, user: User, name: str = "site_id") -> int | None:
    options = [v for v, _label in site_options(db, user)]
    return int(form.choice(name, options) or 0) or None


def _others(model: Any, obj: Any | None) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = (
        model.id != obj.id if obj is not None else model.id.is_not(None)
    )
    return condition


def read_site(form: Form, db: Session, _user: User, obj: Site | None) -> dict[str, Any]:
    name = form.text("name")
    _unique(
        form,
        db,
        "name",
        select(Site.id).where(Site.name == name, _others(Site, obj)),
        _("A site with this name exists."),
    )
    return {
        "name": name,
        "timezone": form.timezone("timezone"),
        "service_level_threshold_seconds": form.integer(
            "service_level_threshold_seconds", minimum=0, maximum=3600
        ),
        "short_abandon_seconds": form.integer("short_abandon_seconds", minimum=0, maximum=600),
    }


def read_team(form: Form, db: Session, user: User, obj: Team | None) -> dict[str, Any]:
    site_id, name = _site_id(form, db, user), form.text("name")
    _unique(
        form,
        db,
        "name",
        select(Team.id).where(Team.site_id == site_id, Team.name == name, _others(Team, obj)),
        _("This site already has a team with this name."),
    )
    return {"site_id": site_id, "name": name}


def read_queue(form: Form, db: Session, user: User, obj: Queue | None) -> dict[str, Any]:
    site_id, name = _site_id(form, db, user), form.text("name")
    _unique(
        form,
        db,
        "name",
        select(Queue.id).where(Queue.site_id == site_id, Queue.name == name, _others(Queue, obj)),
        _("This site already has a queue with this name."),
    )
    return {"site_id": site_id, "name": name}


def read_agent(form: Form, db: Session, user: User, obj: Agent | None) -> dict[str, Any]:
    site_id = _site_id(form, db, user)
    code = form.text("code", max_length=64)
    _unique(
        form,
        db,
        "code",
        select(Agent.id).where(Agent.site_id == site_id, Agent.code == code, _others(Agent, obj)),
        _("This site already has an agent with this code."),
    )
    team_raw = form.choice("team_id", [v for v, _l in team_options(db, user)])
    team = db.get(Team, int(team_raw)) if team_raw else None
    if team is not None and team.site_id != site_id:
        form.error("team_id", _("The team belongs to another site."))
    user_raw = form.choice("user_id", [v for v, _l in operator_options(db, user)])
    user_id = int(user_raw) if user_raw else None
    _unique(
        form,
        db,
        "user_id",
        select(Agent.id).where(Agent.user_id == user_id, _others(Agent, obj))
        if user_id
        else select(Agent.id).where(false()),
        _("This sign-in already belongs to another agent."),
    )
    return {
        "site_id": site_id,
        "code": code,
        "display_name": form.text("display_name"),
        "team_id": team.id if team else None,
        "user_id": user_id,
        "contracted_weekly_hours": form.number("contracted_weekly_hours", minimum=0, maximum=80),
        "skills": _read_skills(form, db, site_id) | _skills_off_the_form(obj, site_id),
    }


def _read_skills(form: Form, db: Session, site_id: int | None) -> dict[int, int]:
    skills: dict[int, int] = {}
    queues = db.scalars(select(Queue).where(Queue.site_id == site_id, Queue.active))
    for queue in queues:
        level = form.integer(f"skill_{queue.id}", minimum=1, maximum=5, required=False)
        if level is not None:
            skills[queue.id] = level
    return skills


def _skills_off_the_form(agent: Agent | None, site_id: int | None) -> dict[int, int]:
    """Skills on the site's inactive queues: the form does not show them, so an edit keeps them."""
    if agent is None:
        return {}
    return {
        s.queue_id: s.level
        for s in agent.skills
        if s.queue.site_id == site_id and not s.queue.active
    }


def apply_agent(db: Session, agent: Agent, values: dict[str, Any]) -> None:
    skills: dict[int, int] = values.pop("skills")
    for key, value in values.items():
        setattr(agent, key, value)
    current = {s.queue_id: s for s in agent.skills} if agent.id else {}
    if not agent.id:
        agent.skills = []
    for queue_id, skill in current.items():
        if queue_id not in skills:
            agent.skills.remove(skill)
    for queue_id, level in skills.items():
        if queue_id in current:
            current[queue_id].level = level
        else:
            agent.skills.append(AgentSkill(queue_id=queue_id, level=level))


def agent_form_values(agent: Agent) -> dict[str, str]:
    values = {
        k: "" if v is None else str(v)
        for k, v in {
            "site_id": agent.site_id,
            "team_id": agent.team_id,
            "user_id": agent.user_id,
            "code": agent.code,
            "display_name": agent.display_name,
            "contracted_weekly_hours": agent.contracted_weekly_hours,
        }.items()
    }
    values |= {f"skill_{s.queue_id}": str(s.level) for s in agent.skills}
    return values


def read_user(form: Form, db: Session, user: User, obj: User | None) -> dict[str, Any]:
    login = form.text("login", max_length=64).lower()
    _unique(
        form,
        db,
        "login",
        select(User.id).where(func.lower(User.login) == login, _others(User, obj)),
        _("This login is taken."),
    )
    if obj is not None and obj.role == Role.ADMIN and user.role != Role.ADMIN:
        form.error("role", _("Only an administrator may change an administrator."))
    role = form.choice("role", [v for v, _l in role_options(db, user)])
    check_role_change(form, db, actor=user, target=obj)
    site_raw = form.choice("site_id", ["", *(v for v, _l in site_options(db, user))])
    if role in (Role.SUPERVISOR, Role.OPERATOR) and not site_raw:
        form.error("site_id", _("Supervisors and operators belong to a site."))
    values: dict[str, Any] = {
        "login": login,
        "display_name": form.text("display_name"),
        "role": role,
        "locale": form.choice("locale", ["ru", "en"]),
        "site_id": int(site_raw) if site_raw else None,
    }
    password = form.values.get("password", "")
    if obj is None or password:
        if len(password) < MIN_PASSWORD_LENGTH:
            form.error("password", _("At least {n} characters.").format(n=MIN_PASSWORD_LENGTH))
        else:
            values["password_hash"] = hash_password(password)
    return values


def agent_audit_extra(agent: Agent) -> dict[str, Any]:
    """Skills as {queue id: level}, so that the audit log shows a change of skills."""
    return {"skills": {str(s.queue_id): s.level for s in agent.skills}}


def user_form_values(obj: User) -> dict[str, str]:
    return {
        "login": obj.login,
        "display_name": obj.display_name,
        "role": obj.role,
        "locale": obj.locale,
        "site_id": str(obj.site_id or ""),
    }


def may_set_user_active(actor: User, target: User, active: bool) -> str | None:
    if target.role == Role.ADMIN and actor.role != Role.ADMIN:
        return _("Only an administrator may change an administrator.")
    if not active and actor.id == target.id:
        return _("You cannot deactivate yourself.")
    return None if active else refuse_deactivation(target)


SITE_ID = Field("site_id", N_("Site"), "select", site_options)


def found_in_feed(hint: str) -> Marker:
    """Rows the live feed registered when it named them first (app/events/registry.py)."""
    return Marker(
        "found_in_feed",
        badge=N_("found in the feed"),
        filter_label=N_("Found in the feed"),
        clear_label=N_("Mark reviewed"),
        hint=hint,
    )


SITES = Resource(
    name="sites",
    title=N_("Sites"),
    singular=N_("site"),
    model=Site,
    view_roles=ADMINS,
    edit_roles=ADMINS,
    fields=(
        Field("name", N_("Name")),
        Field("timezone", N_("Time zone"), "timezone", hint=N_("IANA name, e.g. Europe/Moscow")),
        Field("service_level_threshold_seconds", N_("Service level threshold, s"), "int"),
        Field("short_abandon_seconds", N_("Short abandon threshold, s"), "int"),
    ),
    columns=(
        Column(N_("Name"), lambda s: s.name),
        Column(N_("Time zone"), lambda s: s.timezone),
        Column(N_("Service level threshold, s"), lambda s: str(s.service_level_threshold_seconds)),
        Column(N_("Short abandon threshold, s"), lambda s: str(s.short_abandon_seconds)),
    ),
    query=lambda u: (
        select(Site).where(site_scope(u, Site.id)).order_by(Site.active.desc(), Site.name)
    ),
    read=read_site,
)

TEAMS = Resource(
    name="teams",
    title=N_("Teams"),
    singular=N_("team"),
    model=Team,
    view_roles=STAFF,
    edit_roles=STAFF,
    fields=(SITE_ID, Field("name", N_("Name"))),
    columns=(Column(N_("Name"), lambda t: t.name), Column(N_("Site"), lambda t: t.site.name)),
    query=lambda u: (
        select(Team)
        .options(selectinload(Team.site))
        .where(site_scope(u, Team.site_id))
        .order_by(Team.active.desc(), Team.name)
    ),
    read=read_team,
)

QUEUES = Resource(
    name="queues",
    title=N_("Queues"),
    singular=N_("queue"),
    model=Queue,
    view_roles=STAFF,
    edit_roles=STAFF,
    fields=(
        SITE_ID,
        Field("name", N_("Name"), hint=N_("The live feed finds the queue by this name")),
    ),
    columns=(Column(N_("Name"), lambda q: q.name), Column(N_("Site"), lambda q: q.site.name)),
    query=lambda u: (
        select(Queue)
        .options(selectinload(Queue.site))
        .where(site_scope(u, Queue.site_id))
        .order_by(Queue.active.desc(), Queue.name)
    ),
    read=read_queue,
    marker=found_in_feed(
        N_(
            "The live feed named these queues before anyone set them up. Check each one's "
            "name, site and agents' skills, then mark it reviewed."
        )
    ),
)

AGENTS = Resource(
    name="agents",
    title=N_("Agents"),
    singular=N_("agent"),
    model=Agent,
    view_roles=STAFF,
    edit_roles=STAFF,
    fields=(
        SITE_ID,
        Field("code", N_("Code"), hint=N_("How schedule files name the agent")),
        Field("display_name", N_("Name")),
        Field("team_id", N_("Team"), "select", team_options, required=False),
        Field("user_id", N_("Sign-in"), "select", operator_options, required=False),
        Field("contracted_weekly_hours", N_("Contracted hours a week"), "number"),
        Field("skills", N_("Skills (level 1-5 per queue)"), "skills", required=False),
    ),
    columns=(
        Column(N_("Code"), lambda a: a.code),
        Column(N_("Name"), lambda a: a.display_name),
        Column(N_("Team"), lambda a: a.team.name if a.team else "—"),
        Column(N_("Hours a week"), lambda a: f"{a.contracted_weekly_hours:g}"),
        Column(
            N_("Skills"),
            lambda a: ", ".join(
                f"{s.queue.name} {s.level}" for s in sorted(a.skills, key=lambda s: s.queue.name)
            ),
        ),
    ),
    query=lambda u: (
        select(Agent)
        .options(
            selectinload(Agent.team),
            selectinload(Agent.skills).selectinload(AgentSkill.queue),
        )
        .where(site_scope(u, Agent.site_id))
        .order_by(Agent.active.desc(), Agent.display_name)
    ),
    read=read_agent,
    apply=apply_agent,
    form_values=agent_form_values,
    audit_extra=agent_audit_extra,
    marker=found_in_feed(
        N_(
            "The live feed named these agents before anyone set them up. Give each a name, "
            "a team, skills, contracted hours and a sign-in, then mark it reviewed."
        )
    ),
)

USERS = Resource(
    name="users",
    title=N_("Users"),
    singular=N_("user"),
    model=User,
    view_roles=ADMINS,
    edit_roles=ADMINS,
    fields=(
        Field("login", N_("Login")),
        Field("display_name", N_("Name")),
        Field("role", N_("Role"), "select", role_options),
        Field(
            "site_id",
            N_("Site"),
            "select",
            lambda db, u: [("", "—"), *site_options(db, u)],
            required=False,
        ),
        Field("locale", N_("Language"), "select", locale_options),
        Field(
            "password", N_("Password"), "password", hint=N_("Leave empty to keep the current one")
        ),
    ),
    columns=(
        Column(N_("Login"), lambda u: u.login),
        Column(N_("Name"), lambda u: u.display_name),
        Column(N_("Role"), lambda u: _(u.role)),
        Column(N_("Language"), lambda u: u.locale),
    ),
    query=lambda u: select(User).order_by(User.active.desc(), User.login),
    read=read_user,
    form_values=user_form_values,
    may_set_active=may_set_user_active,
)

RESOURCES = (SITES, TEAMS, QUEUES, AGENTS, USERS)
