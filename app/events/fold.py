"""Folding a set of events into calls and agent-state intervals: the result depends only on the set.

Rules (the same whatever order events arrived in):
- a call is offered at its earliest call.offered (to that event's queue), answered at its
  earliest call.answered (by that event's agent); abandoned at its earliest call.abandoned
  only if it was never answered; ended at its latest call.ended, only once answered;
- a time the phone system's clocks put before the previous step is moved up to it, so a
  stored call always satisfies the contract (answered_at >= offered_at, ...);
- ties are broken by event id, so equal timestamps still give one answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """The fields of a raw event that folding needs."""

    event_id: str
    type: str
    ts: datetime
    call_id: str | None
    agent: str | None
    queue: str | None = None
    state: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class FoldedCall:
    """A call as its events describe it; offered_at None until its offer arrives."""

    call_id: str
    queue: str | None
    offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    abandoned_at: datetime | None
    agent: str | None


@dataclass(frozen=True, slots=True)
class FoldedState:
    """An agent in one state from start until end (None: still in it)."""

    agent: str
    state: str
    reason: str | None
    start: datetime
    end: datetime | None


def _key(event: StoredEvent) -> tuple[datetime, str]:
    return event.ts, event.event_id


def _later(moment: datetime | None, floor: datetime | None) -> datetime | None:
    if moment is None or floor is None:
        return moment
    return max(moment, floor)


def fold_call(call_id: str, events: Iterable[StoredEvent]) -> FoldedCall:
    """One call from all of its events."""
    by_type: dict[str, list[StoredEvent]] = {}
    for event in events:
        by_type.setdefault(event.type, []).append(event)
    offered = min(by_type.get("call.offered", []), key=_key, default=None)
    answered = min(by_type.get("call.answered", []), key=_key, default=None)
    abandoned = min(by_type.get("call.abandoned", []), key=_key, default=None)
    ended = max(by_type.get("call.ended", []), key=_key, default=None)
    offered_at = offered.ts if offered else None
    answered_at = _later(answered.ts if answered else None, offered_at)
    abandoned_at = None if answered or not abandoned else _later(abandoned.ts, offered_at)
    ended_at = _later(ended.ts, answered_at) if ended and answered_at else None
    return FoldedCall(
        call_id=call_id,
        queue=offered.queue if offered else None,
        offered_at=offered_at,
        answered_at=answered_at,
        ended_at=ended_at,
        abandoned_at=abandoned_at,
        agent=answered.agent if answered else None,
    )


def fold_states(agent: str, events: Iterable[StoredEvent]) -> list[FoldedState]:
    """An agent's intervals: each state lasts until the next event (empty intervals dropped)."""
    ordered = sorted(events, key=_key)
    intervals: list[FoldedState] = []
    for event, following in zip(ordered, [*ordered[1:], None], strict=True):
        end = following.ts if following else None
        if end is not None and end <= event.ts:
            continue
        assert event.state is not None
        intervals.append(FoldedState(agent, event.state, event.reason, event.ts, end))
    return intervals
