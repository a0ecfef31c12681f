"""What a time-off or swap request would do: the shifts it removes or exchanges, the rules
the swap would break, and the site's shortage with and without the shifts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, RequestState, Shift, Site, SwapRequest, TimeOffRequest
from app.planning.service import requirement_for
from app.rosters.instance import SLOT_MINUTES, Span
from app.rosters.rules import Finding, check_row, new_findings
from app.rosters.service import row_rules
from app.rosters.words import Reason, reasons_of
from app.shifts.timeconv import week_start


def _row(db: Session, agent_id: int, since: date, until: date) -> list[Shift]:
    return list(
        db.scalars(
            select(Shift)
            .where(Shift.agent_id == agent_id, Shift.work_date.between(since, until))
            .order_by(Shift.starts_at)
        )
    )


@dataclass(frozen=True)
class SwapPlan:
    """The shifts a swap moves between two agents, and the rules it would break."""

    moves: list[Shift]
    refusals: list[Reason]
    warnings: list[Reason]


def swap_plan(db: Session, *, agent: Agent, other: Agent, days: tuple[date, date]) -> SwapPlan:
    """What exchanging the two agents' `days` moves and breaks (hard rules refuse)."""
    chosen = set(days)
    since, until = min(chosen) - timedelta(days=7), max(chosen) + timedelta(days=7)
    rows = {a.id: _row(db, a.id, since, until) for a in (agent, other)}
    moves = [s for rs in rows.values() for s in rs if s.work_date in chosen]
    refusals: list[Finding] = []
    warnings: list[Finding] = []
    for one, two in ((agent, other), (other, agent)):
        before = [Span(s.work_date, s.starts_at, s.ends_at) for s in rows[one.id]]
        kept = [s for s in before if s.day not in chosen]
        taken = [
            Span(s.work_date, s.starts_at, s.ends_at) for s in rows[two.id] if s.work_date in chosen
        ]
        monday = week_start(min(chosen))
        week = [monday + timedelta(days=i) for i in range(7)]
        old = check_row(before, week=week, time_off=set(), credit_minutes=0, rules=row_rules(one))
        new = check_row(
            kept + taken,
            week=week,
            time_off=_off(db, one.id, chosen),
            credit_minutes=0,
            rules=row_rules(one),
        )
        found = new_findings(old, new)
        refusals += [f for f in found if f.hard]
        warnings += [f for f in found if not f.hard]
    return SwapPlan(moves, reasons_of(refusals), reasons_of(warnings))


def _off(db: Session, agent_id: int, days: set[date]) -> set[date]:
    rows = db.scalars(
        select(TimeOffRequest).where(
            TimeOffRequest.agent_id == agent_id,
            TimeOffRequest.state == RequestState.APPROVED.value,
            TimeOffRequest.first_day <= max(days),
            TimeOffRequest.last_day >= min(days),
        )
    )
    return {d for r in rows for d in days if r.first_day <= d <= r.last_day}


def short_hours(
    db: Session, *, site_id: int, start: datetime, end: datetime, without: set[int]
) -> tuple[float, float]:
    """Short agent-hours of the site from `start` to `end`: as now, and without the shifts
    `without`."""
    slot = timedelta(minutes=SLOT_MINUTES)
    need = requirement_for(
        db, site_id=site_id, start_utc=start, end_utc=end, slot_minutes=SLOT_MINUTES
    )
    now, after = [0] * len(need), [0] * len(need)
    shifts = db.scalars(
        select(Shift)
        .join(Agent, Shift.agent_id == Agent.id)
        .where(Agent.site_id == site_id, Agent.active, Shift.starts_at < end, Shift.ends_at > start)
    )
    for shift in shifts:
        first = max(0, math.floor((shift.starts_at - start) / slot))
        last = min(len(need), math.ceil((shift.ends_at - start) / slot))
        for k in range(first, last):
            now[k] += 1
            after[k] += shift.id not in without
    hours = SLOT_MINUTES / 60
    return (
        sum(max(0, n - c) for n, c in zip(need, now, strict=True)) * hours,
        sum(max(0, n - c) for n, c in zip(need, after, strict=True)) * hours,
    )


@dataclass(frozen=True)
class RequestRow:
    """A request as the supervisor sees it, with what approving it would do."""

    kind: str  # time_off or swap
    request: TimeOffRequest | SwapRequest
    agent: Agent
    other: Agent | None
    site: Site
    shifts: list[Shift]  # the shifts it removes (time off) or exchanges (swap)
    impact: dict[str, Any]


def time_off_row(db: Session, row: TimeOffRequest) -> RequestRow:
    agent = db.get(Agent, row.agent_id)
    assert agent is not None
    site = db.get(Site, agent.site_id)
    assert site is not None
    shifts = _row(db, agent.id, row.first_day, row.last_day)
    impact: dict[str, Any] = {"short_before": 0.0, "short_after": 0.0}
    if shifts:
        before, after = short_hours(
            db,
            site_id=site.id,
            start=shifts[0].starts_at,
            end=max(s.ends_at for s in shifts),
            without={s.id for s in shifts},
        )
        impact = {"short_before": before, "short_after": after}
    return RequestRow("time_off", row, agent, None, site, shifts, impact)


def swap_row(db: Session, row: SwapRequest) -> RequestRow:
    agent, other = db.get(Agent, row.agent_id), db.get(Agent, row.other_agent_id)
    assert agent is not None and other is not None
    site = db.get(Site, agent.site_id)
    assert site is not None
    plan = swap_plan(db, agent=agent, other=other, days=(row.day, row.other_day))
    impact = {"refusals": plan.refusals, "warnings": plan.warnings}
    return RequestRow("swap", row, agent, other, site, plan.moves, impact)
