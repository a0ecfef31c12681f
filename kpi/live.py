"""Live figures at a given moment: this interval, today so far, waiting and talking now, agents.

Everything is seen as of `now`: what happened after it is ignored, so a replay of history
shows exactly what a supervisor would have seen at that moment.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from kpi.definitions import (
    DEFAULT_THRESHOLDS,
    CallFigures,
    Thresholds,
    WrapUps,
    call_figures,
    interval_start,
)
from kpi.records import AgentState, CallRecord, StateInterval, seconds_between


@dataclass(frozen=True, slots=True)
class QueueNow:
    """One queue's live figures (queue None: all queues together)."""

    queue: str | None
    this_interval: CallFigures
    today: CallFigures
    waiting_now: int
    longest_wait_seconds: float | None  # of the calls waiting now
    talking_now: int


@dataclass(frozen=True, slots=True)
class LiveBoard:
    """The live figures of a site at `now`, per queue (by name) and for all queues."""

    now: datetime
    interval_start: datetime
    day_start: datetime
    queues: tuple[QueueNow, ...]
    all_queues: QueueNow
    agents_by_state: Mapping[AgentState, int]


def call_as_of(call: CallRecord, now: datetime) -> CallRecord | None:
    """The call as known at `now`: None if not offered yet, later events left out."""
    if call.offered_at > now:
        return None
    if call.abandoned_at is not None and call.abandoned_at > now:
        return replace(call, abandoned_at=None)
    if call.answered_at is not None and call.answered_at > now:
        return replace(call, answered_at=None, ended_at=None, agent=None)
    if call.ended_at is not None and call.ended_at > now:
        return replace(call, ended_at=None)
    return call


def state_as_of(interval: StateInterval, now: datetime) -> StateInterval | None:
    """The state interval as known at `now`: None if not started yet, still open if ending later."""
    if interval.start > now:
        return None
    if interval.end is not None and interval.end > now:
        return replace(interval, end=None)
    return interval


def agents_by_state(states: Iterable[StateInterval], now: datetime) -> dict[AgentState, int]:
    """How many agents are in each state at `now` (each agent's latest state begun by then)."""
    current: dict[str, StateInterval] = {}
    for interval in states:
        if interval.start <= now and (interval.end is None or interval.end > now):
            known = current.get(interval.agent)
            if known is None or interval.start >= known.start:
                current[interval.agent] = interval
    return dict(Counter(interval.state for interval in current.values()))


def _queue_now(
    queue: str | None,
    calls: list[CallRecord],
    *,
    now: datetime,
    starts: tuple[datetime, datetime],
    thresholds: Thresholds,
    wrap_ups: WrapUps,
) -> QueueNow:
    interval_begin, day_begin = starts
    waiting = [c for c in calls if c.answered_at is None and c.abandoned_at is None]
    return QueueNow(
        queue=queue,
        this_interval=call_figures(
            (c for c in calls if c.offered_at >= interval_begin),
            thresholds=thresholds,
            wrap_ups=wrap_ups,
        ),
        today=call_figures(
            (c for c in calls if c.offered_at >= day_begin),
            thresholds=thresholds,
            wrap_ups=wrap_ups,
        ),
        waiting_now=len(waiting),
        longest_wait_seconds=max(
            (seconds_between(c.offered_at, now) for c in waiting), default=None
        ),
        talking_now=sum(1 for c in calls if c.answered_at is not None and c.ended_at is None),
    )


def live_board(
    calls: Iterable[CallRecord],
    states: Iterable[StateInterval] = (),
    *,
    now: datetime,
    tz: tzinfo,
    interval_minutes: int = 30,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    queues: Iterable[str] = (),
) -> LiveBoard:
    """The live board at `now`; `queues` are shown even when they have no calls today."""
    known_states = [s for s in (state_as_of(i, now) for i in states) if s is not None]
    wrap_ups = WrapUps(known_states)
    starts = (
        interval_start(now, tz=tz, interval_minutes=interval_minutes),
        interval_start(now, tz=tz, interval_minutes=24 * 60),
    )
    by_queue: dict[str, list[CallRecord]] = defaultdict(list, {queue: [] for queue in queues})
    everything: list[CallRecord] = []
    for call in calls:
        seen = call_as_of(call, now)
        still_open = seen is not None and seen.abandoned_at is None and seen.ended_at is None
        if seen is not None and (seen.offered_at >= starts[1] or still_open):
            by_queue[seen.queue].append(seen)
            everything.append(seen)

    def figures(queue: str | None, group: list[CallRecord]) -> QueueNow:
        return _queue_now(
            queue, group, now=now, starts=starts, thresholds=thresholds, wrap_ups=wrap_ups
        )

    return LiveBoard(
        now=now,
        interval_start=starts[0],
        day_start=starts[1],
        queues=tuple(figures(queue, by_queue[queue]) for queue in sorted(by_queue)),
        all_queues=figures(None, everything),
        agents_by_state=agents_by_state(known_states, now),
    )


def merged_figures(parts: Iterable[CallFigures]) -> CallFigures:
    """The figures of the union of disjoint sets of calls, from each set's figures."""
    offered = answered = abandoned = short = in_target = handled = 0
    wait_total = handle_total = 0.0
    for part in parts:
        offered += part.offered
        answered += part.answered
        abandoned += part.abandoned
        short += part.short_abandons
        in_target += part.answered_in_target
        handled += part.handled
        wait_total += (part.asa_seconds or 0.0) * part.answered
        handle_total += (part.aht_seconds or 0.0) * part.handled
    return CallFigures(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandons=short,
        answered_in_target=in_target,
        handled=handled,
        service_level=in_target / (offered - short) if offered - short else None,
        abandon_rate=(abandoned - short) / (offered - short) if offered - short else None,
        asa_seconds=wait_total / answered if answered else None,
        aht_seconds=handle_total / handled if handled else None,
    )


def open_call_figures(
    queue: str | None,
    open_calls: Iterable[CallRecord],
    *,
    now: datetime,
    this_interval: CallFigures,
    today: CallFigures,
) -> QueueNow:
    """A queue's live figures from its figures so far and the calls still open at `now`."""
    waiting = talking = 0
    longest: float | None = None
    for call in open_calls:
        if call.answered_at is None and call.abandoned_at is None:
            waiting += 1
            wait = seconds_between(call.offered_at, now)
            longest = wait if longest is None else max(longest, wait)
        elif call.answered_at is not None and call.ended_at is None:
            talking += 1
    return QueueNow(queue, this_interval, today, waiting, longest, talking)
