"""Operators' time-off and shift-swap requests: asking, the requests a supervisor may decide
(with their impact, see impact.py), and the decision, applied to the published shifts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record, snapshot
from app.auth.scope import site_scope
from app.i18n import _
from app.models import (
    Agent,
    RequestState,
    RosterEntry,
    RosterStatus,
    RosterVersion,
    Shift,
    SwapRequest,
    TimeOffRequest,
    User,
)
from app.rosters.impact import RequestRow, swap_plan, swap_row, time_off_row
from app.shifts.service import own_agent

MAX_TIME_OFF_DAYS = 31
RECENT = timedelta(days=14)


@dataclass
class Asked:
    """What became of a request: the request, or the form's errors by field."""

    request: TimeOffRequest | SwapRequest | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def ask_time_off(
    db: Session, *, user: User, first: str, last: str, reason: str, today: date
) -> Asked:
    """An operator asks for days off, from `first` to `last` (ISO dates, inclusive)."""
    agent = own_agent(db, user)
    if agent is None:
        return Asked(errors={"first_day": _("Your sign-in is not linked to an agent yet.")})
    first_day, last_day = _date(first), _date(last or first)
    errors: dict[str, str] = {}
    if first_day is None:
        errors["first_day"] = _("Enter a date.")
    elif first_day < today:
        errors["first_day"] = _("Choose today or a later day.")
    if last_day is None:
        errors["last_day"] = _("Enter a date.")
    elif first_day is not None and last_day < first_day:
        errors["last_day"] = _("The last day comes on or after the first.")
    elif first_day is not None and (last_day - first_day).days >= MAX_TIME_OFF_DAYS:
        errors["last_day"] = _("At most {n} days at once.").format(n=MAX_TIME_OFF_DAYS)
    if len(reason) > 500:
        errors["reason"] = _("At most {n} characters.").format(n=500)
    if errors or first_day is None or last_day is None:
        return Asked(errors=errors)
    clash = db.scalar(
        select(TimeOffRequest.id).where(
            TimeOffRequest.agent_id == agent.id,
            TimeOffRequest.state != RequestState.REFUSED.value,
            TimeOffRequest.first_day <= last_day,
            TimeOffRequest.last_day >= first_day,
        )
    )
    if clash is not None:
        return Asked(errors={"first_day": _("You already asked for some of these days.")})
    row = TimeOffRequest(
        agent_id=agent.id,
        first_day=first_day,
        last_day=last_day,
        reason=reason.strip(),
        state=RequestState.PENDING.value,
        requested_by=user.id,
    )
    db.add(row)
    record(db, user=user, action="create", entity=row, before=None)
    return Asked(request=row)


def ask_swap(
    db: Session, *, user: User, other: str, day: str, other_day: str, reason: str, today: date
) -> Asked:
    """An operator asks to exchange their `day` and `other_day` with a colleague."""
    agent = own_agent(db, user)
    if agent is None:
        return Asked(errors={"other_agent_id": _("Your sign-in is not linked to an agent yet.")})
    colleague = db.get(Agent, int(other)) if other.isdigit() and len(other) < 10 else None
    errors: dict[str, str] = {}
    if (
        colleague is None
        or not colleague.active
        or colleague.site_id != agent.site_id
        or colleague.id == agent.id
    ):
        errors["other_agent_id"] = _("Choose a colleague of your site.")
    first, second = _date(day), _date(other_day or day)
    for name, value in (("day", first), ("other_day", second)):
        if value is None:
            errors[name] = _("Enter a date.")
        elif value < today:
            errors[name] = _("Choose today or a later day.")
    if errors or colleague is None or first is None or second is None:
        return Asked(errors=errors)
    plan = swap_plan(db, agent=agent, other=colleague, days=(first, second))
    if not plan.moves:
        return Asked(errors={"day": _("Neither of you works on these days: nothing to swap.")})
    if plan.refusals:
        return Asked(errors={"day": "; ".join(f"{r.name}: {r.text}" for r in plan.refusals)})
    row = SwapRequest(
        agent_id=agent.id,
        other_agent_id=colleague.id,
        day=first,
        other_day=second,
        reason=reason.strip()[:500],
        state=RequestState.PENDING.value,
        requested_by=user.id,
    )
    db.add(row)
    record(db, user=user, action="create", entity=row, before=None)
    return Asked(request=row)


def requests_in_reach(db: Session, *, user: User, now: datetime) -> list[RequestRow]:
    """Pending requests of the user's sites, and those decided lately; oldest pending first."""
    recent = now - RECENT
    offs = db.scalars(
        select(TimeOffRequest)
        .join(Agent, TimeOffRequest.agent_id == Agent.id)
        .where(
            site_scope(user, Agent.site_id),
            (TimeOffRequest.state == RequestState.PENDING.value)
            | (TimeOffRequest.decided_at >= recent),
        )
        .order_by(TimeOffRequest.created_at)
    )
    swaps = db.scalars(
        select(SwapRequest)
        .join(Agent, SwapRequest.agent_id == Agent.id)
        .where(
            site_scope(user, Agent.site_id),
            (SwapRequest.state == RequestState.PENDING.value) | (SwapRequest.decided_at >= recent),
        )
        .order_by(SwapRequest.created_at)
    )
    rows = [time_off_row(db, r) for r in offs] + [swap_row(db, r) for r in swaps]
    return sorted(rows, key=lambda r: (r.request.state != "pending", r.request.created_at))


def request_in_reach(db: Session, *, user: User, kind: str, request_id: int) -> RequestRow | None:
    """One request the user may decide, or None."""
    if kind == "time_off":
        off = db.scalar(
            select(TimeOffRequest)
            .join(Agent, TimeOffRequest.agent_id == Agent.id)
            .where(TimeOffRequest.id == request_id, site_scope(user, Agent.site_id))
        )
        return None if off is None else time_off_row(db, off)
    swap = db.scalar(
        select(SwapRequest)
        .join(Agent, SwapRequest.agent_id == Agent.id)
        .where(SwapRequest.id == request_id, site_scope(user, Agent.site_id))
    )
    return None if swap is None else swap_row(db, swap)


def decide(
    db: Session, *, user: User, row: RequestRow, approve: bool, note: str, now: datetime
) -> str | None:
    """Approve or refuse a pending request; why it cannot be approved, if it cannot."""
    request = row.request
    if request.state != RequestState.PENDING.value:
        return _("This request was decided already.")
    if approve and row.kind == "swap" and row.impact["refusals"]:
        return _("The swap would break a rule; refuse it or change the roster first.")
    before = snapshot(request)
    if approve:
        for shift in row.shifts if row.kind == "time_off" else []:
            record(db, user=user, action="delete", entity=shift, before=snapshot(shift))
            db.delete(shift)
        if isinstance(request, TimeOffRequest):
            _drop_entries(db, user, request.agent_id, request.first_day, request.last_day)
        else:
            _exchange(db, user, request)
    request.state = (RequestState.APPROVED if approve else RequestState.REFUSED).value
    request.decided_by, request.decided_at, request.note = user.id, now, note[:500]
    record(db, user=user, action="approve" if approve else "refuse", entity=request, before=before)
    return None


def _published_entries(db: Session, agent_ids: list[int], days: set[date]) -> list[RosterEntry]:
    return list(
        db.scalars(
            select(RosterEntry)
            .join(RosterVersion, RosterEntry.version_id == RosterVersion.id)
            .where(
                RosterVersion.status == RosterStatus.PUBLISHED.value,
                RosterEntry.agent_id.in_(agent_ids),
                RosterEntry.work_date.in_(days),
            )
        )
    )


def _drop_entries(db: Session, user: User, agent_id: int, first: date, last: date) -> None:
    days = {first + timedelta(days=i) for i in range((last - first).days + 1)}
    for entry in _published_entries(db, [agent_id], days):
        record(db, user=user, action="delete", entity=entry, before=snapshot(entry))
        db.delete(entry)


def _exchange(db: Session, user: User, request: SwapRequest) -> None:
    """Give each agent the other's shifts on the two days (in the shifts and the published
    roster); rows are re-created since (agent, day) is unique."""
    pair = {request.agent_id: request.other_agent_id, request.other_agent_id: request.agent_id}
    days = {request.day, request.other_day}
    shifts = [
        s
        for s in db.scalars(
            select(Shift).where(Shift.agent_id.in_(list(pair)), Shift.work_date.in_(days))
        )
    ]
    entries = _published_entries(db, list(pair), days)
    copies: list[Any] = []
    for shift in shifts:
        copies.append(
            Shift(
                agent_id=pair[shift.agent_id],
                work_date=shift.work_date,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                template_id=shift.template_id,
                source=shift.source,
            )
        )
    for entry in entries:
        copies.append(
            RosterEntry(
                version_id=entry.version_id,
                agent_id=pair[entry.agent_id],
                work_date=entry.work_date,
                template_id=entry.template_id,
                code=entry.code,
                starts_at=entry.starts_at,
                ends_at=entry.ends_at,
                by_hand=True,
            )
        )
    for old in [*shifts, *entries]:
        record(db, user=user, action="delete", entity=old, before=snapshot(old))
        db.delete(old)
    db.flush()
    for new in copies:
        db.add(new)
        record(db, user=user, action="create", entity=new, before=None)


def own_requests(db: Session, *, agent: Agent) -> tuple[list[TimeOffRequest], list[SwapRequest]]:
    """An operator's requests, newest first."""
    offs = db.scalars(
        select(TimeOffRequest)
        .where(TimeOffRequest.agent_id == agent.id)
        .order_by(TimeOffRequest.created_at.desc())
        .limit(30)
    )
    swaps = db.scalars(
        select(SwapRequest)
        .where((SwapRequest.agent_id == agent.id) | (SwapRequest.other_agent_id == agent.id))
        .order_by(SwapRequest.created_at.desc())
        .limit(30)
    )
    return list(offs), list(swaps)
