"""The `rosters.generate` job: solve a team's week and store it as a draft version."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record
from app.jobs.service import JobContext, job_handler
from app.models import (
    Job,
    RosterStatus,
    RosterVersion,
    Site,
    Team,
    User,
)
from app.rosters import explained
from app.rosters.instance import TeamWeek, build_instance, load_team_week, templated_entry
from scheduling.roster import Params, Roster, roster_to_json, solve

GENERATE_KIND = "rosters.generate"
DEFAULT_TIME_LIMIT_SECONDS = 20.0
EXPLANATIONS = ("explanations", "explained")  # per agent: too long for the audit trail


def job_params(
    *, site: Site, team: Team, monday: date, time_limit_seconds: float | None = None
) -> dict[str, Any]:
    """What a `rosters.generate` job needs to know."""
    return {
        "site_id": site.id,
        "team_id": team.id,
        "week": monday.isoformat(),
        "time_limit_seconds": time_limit_seconds or DEFAULT_TIME_LIMIT_SECONDS,
    }


@job_handler(GENERATE_KIND)
def generate(db: Session, context: JobContext) -> dict[str, Any]:
    """Roster the team's week: a roster found becomes a new draft; none found is explained."""
    params = context.params
    site, team = context.site_and_team(db)
    monday = date.fromisoformat(params["week"])
    context.progress(0.05, "reading the week")
    week = load_team_week(db, site=site, team=team, monday=monday)
    if not week.templates:
        raise LookupError("the site has no active shift templates to roster with")
    if not week.agents:
        raise LookupError("the team has no active agents to roster")
    instance = build_instance(week)
    context.progress(0.15, f"rostering {len(instance.agents)} agents")
    limit = float(params.get("time_limit_seconds") or DEFAULT_TIME_LIMIT_SECONDS)
    solved = solve(instance, Params(time_limit_seconds=limit, workers=2, seed=0))
    context.progress(0.95, "saving the roster")  # before any write: SQLite has one writer
    result = _result(week, solved)
    if solved.status in ("OPTIMAL", "FEASIBLE"):
        user = db.get(User, context.user_id) if context.user_id else None
        version = _store(db, week, solved, result, job_id=context.job_id, user=user)
        result["version_id"] = version.id
        result["version_number"] = version.number
    job = db.get(Job, context.job_id)
    if job is not None:
        user = db.get(User, context.user_id) if context.user_id else None
        record(
            db,
            user=user,
            action="generate",
            entity=job,
            before=None,
            extra={"result": {k: v for k, v in result.items() if k not in EXPLANATIONS}},
        )
    return result


def _result(week: TeamWeek, solved: Roster) -> dict[str, Any]:
    doc = roster_to_json(solved)
    names = {str(a.id): f"{a.display_name} ({a.code})" for a in week.agents}
    query = urlencode(
        {"site_id": week.site.id, "team_id": week.team.id, "week": week.monday.isoformat()}
    )
    return {
        "status": doc["status"],
        "objective": doc["objective"],
        "bound": doc["bound"],
        "gap": doc["gap"],
        "solve_seconds": doc["solve_seconds"],
        "shortage_total": doc["shortage_total"],
        "shortage_peak": doc["shortage_peak"],
        "penalties": doc["penalties"],
        "notes": doc["notes"],
        "infeasible_agents": [
            {
                "agent": names.get(r.agent, r.agent),
                "reason": r.reason,
                "explained": [explained.as_json(line) for line in r.explained],
            }
            for r in solved.infeasible_agents
        ],
        "explanations": {a["id"]: a["explanation"] for a in doc["agents"]},
        **explained.stored(solved),
        "team_id": week.team.id,
        "week": week.monday.isoformat(),
        "url": f"/rosters?{query}",
    }


def next_number(db: Session, *, team_id: int, monday: date) -> int:
    """The number the team-week's next version takes."""
    last = db.scalar(
        select(func.max(RosterVersion.number)).where(
            RosterVersion.team_id == team_id, RosterVersion.week_start == monday
        )
    )
    return (last or 0) + 1


def _store(
    db: Session,
    week: TeamWeek,
    solved: Roster,
    result: dict[str, Any],
    *,
    job_id: int,
    user: User | None,
) -> RosterVersion:
    version = RosterVersion(
        site_id=week.site.id,
        team_id=week.team.id,
        week_start=week.monday,
        number=next_number(db, team_id=week.team.id, monday=week.monday),
        status=RosterStatus.DRAFT.value,
        job_id=job_id,
        result={k: v for k, v in result.items() if k != "url"},
        created_by=user.id if user else None,
    )
    db.add(version)
    db.flush()
    zone = ZoneInfo(week.site.timezone)
    templates = {t.name: t for t in week.templates}
    for agent_roster in solved.agents:
        for offset, assignment in enumerate(agent_roster.days):
            if assignment is None:
                continue
            template = templates[assignment.shift]
            entry = templated_entry(
                version_id=version.id,
                agent_id=int(agent_roster.id),
                day=week.days[offset],
                template=template,
                zone=zone,
                by_hand=False,
            )
            db.add(entry)
    record(db, user=user, action="create", entity=version, before=None)
    return version
