"""My day: the operator's shift, its visible breaks, and what moved since they last looked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Agent,
    BreakMoveRequest,
    BreakState,
    BreakView,
    PlannedBreak,
    Shift,
    Site,
    User,
)
from app.shifts.service import own_agent, site_now

VISIBLE = (BreakState.PUBLISHED.value, BreakState.TAKEN.value)
"""What an operator sees of the plan: published breaks (and those since taken), never drafts."""


@dataclass(frozen=True)
class BreakChange:
    """A visible break that moved, appeared or went away since the operator last looked."""

    kind: Literal["moved", "added", "removed"]
    name: str
    was: tuple[datetime, datetime] | None
    now: tuple[datetime, datetime] | None


@dataclass(frozen=True)
class DayView:
    """Everything My day shows; `now` is the instant it was computed for.

    `seen`: a token of the breaks as shown, which the acknowledgement sends back;
    `first_look`: nothing acknowledged yet for this shift (the page records the first look).
    """

    now: datetime
    agent: Agent | None = None
    site: Site | None = None
    shift: Shift | None = None
    breaks: Sequence[PlannedBreak] = ()
    changes: tuple[BreakChange, ...] = ()
    requests: Sequence[BreakMoveRequest] = ()
    seen: str = ""
    first_look: bool = False

    @property
    def current_break(self) -> PlannedBreak | None:
        return next((b for b in self.breaks if b.starts_at <= self.now < b.ends_at), None)

    @property
    def next_break(self) -> PlannedBreak | None:
        return next((b for b in self.breaks if b.starts_at > self.now), None)

    @property
    def movable(self) -> list[PlannedBreak]:
        """Published breaks that have not started: the ones a move may be asked for."""
        return [
            b for b in self.breaks if b.state == BreakState.PUBLISHED and b.starts_at > self.now
        ]

    @property
    def pending_break_ids(self) -> set[int]:
        return {r.planned_break_id for r in self.requests if r.state == "pending"}


def countdown(seconds: float) -> str:
    """Seconds left as H:MM:SS (never negative); the page's script keeps it ticking."""
    whole = max(0, int(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def shift_of_the_day(db: Session, *, agent: Agent, site: Site, now: datetime) -> Shift | None:
    """The shift under way now (a night shift may have begun yesterday), else today's."""
    today = site_now(site, now).date()
    shifts = db.scalars(
        select(Shift)
        .where(
            Shift.agent_id == agent.id, Shift.work_date.between(today - timedelta(days=1), today)
        )
        .order_by(Shift.starts_at)
    ).all()
    current = next((s for s in shifts if s.starts_at <= now < s.ends_at), None)
    return current or next((s for s in shifts if s.work_date == today), None)


def visible_breaks(db: Session, *, shift: Shift) -> Sequence[PlannedBreak]:
    """The shift's published (or taken) breaks in time order, with their types."""
    return db.scalars(
        select(PlannedBreak)
        .options(selectinload(PlannedBreak.break_type))
        .where(PlannedBreak.shift_id == shift.id, PlannedBreak.state.in_(VISIBLE))
        .order_by(PlannedBreak.starts_at)
    ).all()


def load_day(db: Session, *, user: User, now: datetime) -> DayView:
    """My day for `user`, read only: changes are against the breaks last acknowledged."""
    agent = own_agent(db, user)
    if agent is None:
        return DayView(now)
    site = db.get(Site, agent.site_id)
    assert site is not None  # agents.site_id is a non-null foreign key
    shift = shift_of_the_day(db, agent=agent, site=site, now=now)
    if shift is None:
        return DayView(now, agent, site)
    breaks = visible_breaks(db, shift=shift)
    shown = snapshot(breaks)
    view = db.get(BreakView, (user.id, shift.id))
    changes = compare(view.breaks, shown) if view is not None else ()
    requests = own_requests(db, agent=agent, shift=shift)
    return DayView(
        now,
        agent,
        site,
        shift,
        breaks,
        changes,
        requests,
        seen=seen_token(shown),
        first_look=view is None,
    )


def own_requests(db: Session, *, agent: Agent, shift: Shift) -> Sequence[BreakMoveRequest]:
    """The agent's requests to move a break of this shift, newest first."""
    return db.scalars(
        select(BreakMoveRequest)
        .join(PlannedBreak)
        .options(selectinload(BreakMoveRequest.planned_break).selectinload(PlannedBreak.break_type))
        .where(BreakMoveRequest.agent_id == agent.id, PlannedBreak.shift_id == shift.id)
        .order_by(BreakMoveRequest.created_at.desc(), BreakMoveRequest.id.desc())
    ).all()


def seen_token(shown: Sequence[dict[str, Any]]) -> str:
    """A short digest of a snapshot: the page sends it back to say what it showed."""
    return hashlib.sha256(json.dumps(list(shown), sort_keys=True).encode()).hexdigest()[:16]


def acknowledge(db: Session, *, user: User, shift: Shift, seen: str, now: datetime) -> bool:
    """The operator has seen the breaks the page showed (`seen`): no notice until they change.

    False, and nothing stored, when the breaks changed after the page was drawn: the fresh
    page then shows (and notices) what changed.
    """
    current = snapshot(visible_breaks(db, shift=shift))
    if seen != seen_token(current):
        return False
    view = db.get(BreakView, (user.id, shift.id))
    if view is None:
        db.add(BreakView(user_id=user.id, shift_id=shift.id, breaks=current, seen_at=now))
    else:
        view.breaks, view.seen_at = current, now
    db.flush()
    return True


def seen_one_move(db: Session, *, user: User, brk: PlannedBreak, was: datetime) -> None:
    """Mark one break's move as seen (the operator moved it), leaving other notices standing."""
    view = db.get(BreakView, (user.id, brk.shift_id))
    if view is None:
        return
    entries = [dict(e) for e in view.breaks]
    for entry in entries:
        if entry["type"] == brk.break_type_id and entry["starts_at"] == was.isoformat():
            entry["starts_at"], entry["ends_at"] = (
                brk.starts_at.isoformat(),
                brk.ends_at.isoformat(),
            )
            break
    view.breaks = sorted(entries, key=lambda e: str(e["starts_at"]))
    db.flush()


def snapshot(breaks: Sequence[PlannedBreak]) -> list[dict[str, Any]]:
    """What the operator sees of each break, as JSON-safe values in time order."""
    return [
        {
            "type": b.break_type_id,
            "name": b.break_type.name,
            "starts_at": b.starts_at.isoformat(),
            "ends_at": b.ends_at.isoformat(),
        }
        for b in sorted(breaks, key=lambda b: b.starts_at)
    ]


def _span(entry: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(entry["starts_at"]), datetime.fromisoformat(entry["ends_at"])


def compare(
    seen: Sequence[dict[str, Any]], current: Sequence[dict[str, Any]]
) -> tuple[BreakChange, ...]:
    """Changes from `seen` to `current`; the k-th break of a type is paired with the k-th."""
    changes: list[BreakChange] = []
    for kind in sorted({e["type"] for e in [*seen, *current]}):
        before = [e for e in seen if e["type"] == kind]
        after = [e for e in current if e["type"] == kind]
        for was, now in zip(before, after, strict=False):
            if _span(was) != _span(now):
                changes.append(BreakChange("moved", now["name"], _span(was), _span(now)))
        changes += [BreakChange("removed", e["name"], _span(e), None) for e in before[len(after) :]]
        changes += [BreakChange("added", e["name"], None, _span(e)) for e in after[len(before) :]]
    return tuple(sorted(changes, key=_when))


def _when(change: BreakChange) -> datetime:
    span = change.now or change.was
    assert span is not None  # a change has a before, an after, or both
    return span[0]
