"""The `breaks.optimise` job: solve a team's day (or the rest of it) and store the plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from app.audit import record
from app.breaks.instance import TeamDay
from app.breaks.service import OPTIMISE_KIND, load_team_day, shortage_of
from app.breaks.words import solver_reason
from app.db import utcnow
from app.jobs.service import JobContext, job_handler
from app.models import BreakState, Job, PlannedBreak, Site, Team, User
from scheduling.breaks import Params, Plan, solve
from scheduling.breaks_check import rest_of_day

DEFAULT_TIME_LIMIT_SECONDS = 10.0


def job_params(
    *, site: Site, team: Team, day: date, replan: bool, time_limit_seconds: float | None = None
) -> dict[str, Any]:
    """What a `breaks.optimise` job needs to know."""
    return {
        "site_id": site.id,
        "team_id": team.id,
        "day": day.isoformat(),
        "replan": replan,
        "time_limit_seconds": time_limit_seconds or DEFAULT_TIME_LIMIT_SECONDS,
    }


@job_handler(OPTIMISE_KIND)
def optimise(db: Session, context: JobContext) -> dict[str, Any]:
    """Place the team's breaks of the day; a re-plan keeps what is past and what was set by hand."""
    params = context.params
    site, team = context.site_and_team(db)
    day = date.fromisoformat(params["day"])
    replan = bool(params.get("replan"))
    now = datetime.fromisoformat(params["now"]) if params.get("now") else utcnow()
    context.progress(0.05, "reading the day")
    team_day = load_team_day(db, site=site, team=team, day=day)
    before = shortage_of(team_day)

    def fixed(row: PlannedBreak) -> bool:
        kept = row.set_by_hand or row.state == BreakState.TAKEN.value
        return kept or (replan and row.starts_at < now)

    solved = replace(
        team_day, agents=[a for a in team_day.agents if not (replan and a.shift.ends_at <= now)]
    )
    instance = solved.instance(fixed=fixed)
    if replan:
        instance = rest_of_day(instance, solved.horizon.clamp(solved.horizon.slot_up(now)))
    context.progress(0.15, f"placing the breaks of {len(instance.agents)} agents")
    limit = float(params.get("time_limit_seconds") or DEFAULT_TIME_LIMIT_SECONDS)
    plan = solve(instance, Params(time_limit_seconds=limit, workers=2))
    context.progress(0.95, "saving the plan")  # before any write: SQLite has one writer
    placed, removed = (0, 0)
    if plan.status in ("OPTIMAL", "FEASIBLE"):
        placed, removed = _store(db, solved, plan, fixed)
        db.flush()
        db.expire_all()
        team_day = load_team_day(db, site=site, team=team, day=day)
    after = shortage_of(team_day)
    result = _result(solved, plan, before, after, placed, removed)
    job = db.get(Job, context.job_id)
    if job is not None:
        user = db.get(User, context.user_id) if context.user_id else None
        record(db, user=user, action="optimise", entity=job, before=None, extra={"result": result})
    return result


def _store(db: Session, team_day: TeamDay, plan: Plan, fixed: Any) -> tuple[int, int]:
    """Replace the breaks that were not kept by the plan's; (placed, removed)."""
    removed = 0
    for agent_day in team_day.agents:
        for row in [*agent_day.rows.values(), *agent_day.extra]:
            if not fixed(row):
                db.delete(row)
                removed += 1
    db.flush()
    by_agent = {str(a.agent.id): a for a in team_day.agents}
    placed = 0
    for start in plan.breaks:
        agent_day = by_agent[start.agent]
        kept = agent_day.rows.get(start.name)
        if kept is not None and fixed(kept):
            continue
        wanted = next(w for w in agent_day.wanted if w.name == start.name)
        begins = team_day.horizon.at(start.start)
        db.add(
            PlannedBreak(
                shift_id=agent_day.shift.id,
                break_type_id=wanted.break_type.id,
                starts_at=begins,
                ends_at=begins + timedelta(minutes=wanted.break_type.length_minutes),
                state=BreakState.PLANNED.value,
                set_by_hand=False,
            )
        )
        placed += 1
    return placed, removed


def _result(
    team_day: TeamDay,
    plan: Plan,
    before: list[int],
    after: list[int],
    placed: int,
    removed: int,
) -> dict[str, Any]:
    names = {str(a.agent.id): f"{a.agent.display_name} ({a.agent.code})" for a in team_day.agents}
    query = urlencode(
        {"site_id": team_day.site.id, "team_id": team_day.team.id, "day": team_day.day.isoformat()}
    )
    horizon, zone = team_day.horizon, team_day.site.timezone
    return {
        "status": plan.status,
        "reason": solver_reason(plan.reason, horizon, zone) if plan.reason else None,
        "objective": plan.objective,
        "bound": plan.bound,
        "solve_seconds": round(plan.solve_seconds, 2),
        "shortage_before": {"total": sum(before), "peak": max(before, default=0)},
        "shortage_after": {"total": sum(after), "peak": max(after, default=0)},
        "slot_minutes": team_day.horizon.slot_minutes,
        "placed": placed,
        "removed": removed,
        "infeasible_agents": [
            {"agent": names.get(a.agent, a.agent), "reason": solver_reason(a.reason, horizon, zone)}
            for a in plan.infeasible_agents
        ],
        "team_id": team_day.team.id,
        "day": team_day.day.isoformat(),
        "url": f"/breaks?{query}",
    }
