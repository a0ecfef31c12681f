"""Asking to move a break, approving it alone when rules and coverage allow, and deciding."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit import record, snapshot
from app.auth.scope import site_scope
from app.break_moves.findings import as_json, describe
from app.break_moves.floor import build_move
from app.i18n import _, local_time
from app.me.day import load_day, seen_one_move, visible_breaks
from app.models import (
    Agent,
    BreakMoveRequest,
    BreakState,
    MoveState,
    PlannedBreak,
    Shift,
    Site,
    User,
)
from app.shifts.timeconv import NonexistentLocalTime, parse_clock, to_utc
from scheduling.break_move import Verdict, check_move

RECENT = timedelta(days=2)


@dataclass
class Asked:
    """What became of a request to move: the request, or the form's errors by field."""

    request: BreakMoveRequest | None = None
    errors: dict[str, str] = field(default_factory=dict)


def ask(db: Session, *, user: User, break_id: str, start: str, now: datetime) -> Asked:
    """An operator asks to move one of today's published breaks to `start` (HH:MM, site time)."""
    day = load_day(db, user=user, now=now)
    brk = next((b for b in day.movable if str(b.id) == break_id), None)
    if brk is None or day.site is None or day.shift is None or day.agent is None:
        return Asked(errors={"break_id": _("Choose one of your breaks that has not started.")})
    if brk.id in day.pending_break_ids:
        return Asked(
            errors={"break_id": _("You asked to move this break already; wait for the answer.")}
        )
    new_start, error = _instant(day.site, day.shift, start, now)
    if new_start is None:
        return Asked(errors={"start": error or ""})
    if new_start == brk.starts_at:
        return Asked(errors={"start": _("Your break already starts then.")})
    verdict = _verdict(db, site=day.site, agent=day.agent, shift=day.shift, brk=brk, at=new_start)
    if verdict.hard:
        return Asked(
            errors={"start": describe(as_json(verdict.hard[0], day.shift, brk), day.site.timezone)}
        )
    request = BreakMoveRequest(
        planned_break_id=brk.id,
        agent_id=day.agent.id,
        requested_by=user.id,
        from_starts_at=brk.starts_at,
        to_starts_at=new_start,
        state=MoveState.PENDING.value,
        auto=verdict.approvable_alone,
        findings=[as_json(f, day.shift, brk) for f in verdict.findings],
        created_at=now,
    )
    db.add(request)
    record(db, user=user, action="create", entity=request, before=None)
    if verdict.approvable_alone:
        _apply(db, user=user, request=request, brk=brk, now=now, state=MoveState.APPROVED)
        seen_one_move(db, user=user, brk=brk, was=request.from_starts_at)
    return Asked(request=request)


def _instant(
    site: Site, shift: Shift, text: str, now: datetime
) -> tuple[datetime | None, str | None]:
    """The instant of HH:MM inside the shift (an overnight shift spans two dates)."""
    try:
        clock = parse_clock(text)
    except ValueError:
        return None, _("Enter the time as HH:MM.")
    zone = ZoneInfo(site.timezone)
    for day in (shift.work_date, shift.work_date + timedelta(days=1)):
        try:
            at = to_utc(day, clock, zone)
        except (NonexistentLocalTime, OverflowError):
            continue
        if shift.starts_at <= at < shift.ends_at:
            if at <= now:
                return None, _("Pick a time later than now.")
            return at, None
    return None, _("Pick a time inside your shift ({start}–{end}).").format(
        start=local_time(shift.starts_at, site.timezone),
        end=local_time(shift.ends_at, site.timezone),
    )


def _verdict(
    db: Session, *, site: Site, agent: Agent, shift: Shift, brk: PlannedBreak, at: datetime
) -> Verdict:
    breaks = visible_breaks(db, shift=shift)
    move = build_move(
        db, site=site, agent=agent, shift=shift, breaks=breaks, moved=brk, new_start=at
    )
    return check_move(move)


def _apply(
    db: Session,
    *,
    user: User,
    request: BreakMoveRequest,
    brk: PlannedBreak,
    now: datetime,
    state: MoveState,
) -> None:
    """Move the break as asked (audited) and close the request."""
    before = snapshot(brk)
    length = brk.ends_at - brk.starts_at
    brk.starts_at, brk.ends_at, brk.set_by_hand = (
        request.to_starts_at,
        request.to_starts_at + length,
        True,
    )
    record(db, user=user, action="move", entity=brk, before=before)
    _close(db, user=user, request=request, state=state, now=now)


def _close(
    db: Session,
    *,
    user: User,
    request: BreakMoveRequest,
    state: MoveState,
    now: datetime,
    note: str = "",
) -> None:
    before = snapshot(request)
    request.state, request.decided_at, request.decided_by = state.value, now, user.id
    request.note = note[:500]
    record(db, user=user, action=state.value, entity=request, before=before)


def decide(
    db: Session, *, user: User, request: BreakMoveRequest, approve: bool, note: str, now: datetime
) -> str | None:
    """A supervisor approves (the break moves) or refuses; returns why an approval cannot be."""
    if request.state != MoveState.PENDING:
        return _("This request has been decided already.")
    if not approve:
        _close(db, user=user, request=request, state=MoveState.REFUSED, now=now, note=note)
        return None
    found = _still_movable(db, request=request, now=now)
    if isinstance(found, str):
        return found
    brk, shift, agent, site = found
    verdict = _verdict(db, site=site, agent=agent, shift=shift, brk=brk, at=request.to_starts_at)
    if verdict.hard:
        return describe(as_json(verdict.hard[0], shift, brk), site.timezone)
    _apply(db, user=user, request=request, brk=brk, now=now, state=MoveState.APPROVED)
    return None


def _still_movable(
    db: Session, *, request: BreakMoveRequest, now: datetime
) -> tuple[PlannedBreak, Shift, Agent, Site] | str:
    """The break, shift, agent and site of a request that can still be approved, or why not."""
    changed = _(
        "The break has changed since the request; refuse it, and the operator may ask again."
    )
    brk = db.scalar(
        select(PlannedBreak)
        .options(selectinload(PlannedBreak.break_type))
        .where(PlannedBreak.id == request.planned_break_id)
    )
    if brk is None or brk.state != BreakState.PUBLISHED or brk.starts_at != request.from_starts_at:
        return changed
    if request.to_starts_at <= now or brk.starts_at <= now:
        return _("Too late: the time asked for has passed or the break has begun.")
    shift = db.get(Shift, brk.shift_id)
    agent = db.get(Agent, request.agent_id)
    site = db.get(Site, agent.site_id) if agent else None
    if shift is None or agent is None or site is None:
        return changed
    return brk, shift, agent, site


@dataclass(frozen=True)
class RequestRow:
    """A request as the Requests page shows it."""

    request: BreakMoveRequest
    agent: Agent
    site: Site
    break_name: str
    reasons: list[str]


def requests_in_reach(db: Session, *, user: User, now: datetime) -> list[RequestRow]:
    """Pending requests of the sites in reach, then those decided in the last two days."""
    rows = db.execute(
        select(BreakMoveRequest, Agent, Site)
        .join(Agent, BreakMoveRequest.agent_id == Agent.id)
        .join(Site, Agent.site_id == Site.id)
        .options(selectinload(BreakMoveRequest.planned_break).selectinload(PlannedBreak.break_type))
        .where(
            site_scope(user, Agent.site_id),
            (BreakMoveRequest.state == MoveState.PENDING.value)
            | (BreakMoveRequest.created_at >= now - RECENT),
        )
        .order_by(BreakMoveRequest.created_at.desc(), BreakMoveRequest.id.desc())
    ).all()
    found = [_row(r, a, s) for r, a, s in rows]
    return sorted(found, key=lambda row: row.request.state != MoveState.PENDING)


def request_in_reach(db: Session, *, user: User, request_id: int) -> RequestRow | None:
    row = db.execute(
        select(BreakMoveRequest, Agent, Site)
        .join(Agent, BreakMoveRequest.agent_id == Agent.id)
        .join(Site, Agent.site_id == Site.id)
        .options(selectinload(BreakMoveRequest.planned_break).selectinload(PlannedBreak.break_type))
        .where(BreakMoveRequest.id == request_id, site_scope(user, Agent.site_id))
    ).one_or_none()
    return _row(*row) if row else None


def _row(request: BreakMoveRequest, agent: Agent, site: Site) -> RequestRow:
    reasons = [describe(f, site.timezone) for f in request.findings]
    return RequestRow(request, agent, site, request.planned_break.break_type.name, reasons)
