"""The contract's KPI definitions: per-call figures, and figures over a set of calls or intervals.

A call belongs to the interval in which it was offered; intervals are half-open and aligned
to the site's local midnight. Every ratio and mean is None when there is nothing to divide by.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from kpi.records import AgentState, CallRecord, StateInterval, seconds_between

_BUSY = frozenset({AgentState.ON_CALL, AgentState.WRAP_UP})


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The site's thresholds, in seconds."""

    sl_seconds: float = 20.0
    short_abandon_seconds: float = 5.0
    wrap_up_gap_seconds: float = 5.0  # how far from the talk's end a wrap_up may start to follow it


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class CallFigures:
    """The KPIs of a set of calls; `handled` is the number of calls in aht_seconds."""

    offered: int
    answered: int
    abandoned: int
    short_abandons: int
    answered_in_target: int
    handled: int
    service_level: float | None
    abandon_rate: float | None
    asa_seconds: float | None
    aht_seconds: float | None


@dataclass(frozen=True, slots=True)
class IntervalFigures:
    """KPIs of the calls offered in [start, start + interval) in one queue (None: all queues)."""

    start: datetime
    queue: str | None
    figures: CallFigures


def wait_seconds(call: CallRecord) -> float | None:
    """Seconds from offered to answered or abandoned; None while the call is still waiting."""
    left_queue_at = call.answered_at or call.abandoned_at
    return None if left_queue_at is None else seconds_between(call.offered_at, left_queue_at)


def talk_seconds(call: CallRecord) -> float | None:
    """Seconds from answered to ended; None unless the call was answered and has ended."""
    if call.answered_at is None or call.ended_at is None:
        return None
    return seconds_between(call.answered_at, call.ended_at)


def is_short_abandon(call: CallRecord, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    """Whether the caller hung up within the short-abandon threshold (wait < Ts)."""
    if call.abandoned_at is None:
        return False
    return seconds_between(call.offered_at, call.abandoned_at) < thresholds.short_abandon_seconds


def is_answered_in_target(call: CallRecord, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    """Whether the call was answered within the service-level threshold (wait <= T)."""
    if call.answered_at is None:
        return False
    return seconds_between(call.offered_at, call.answered_at) <= thresholds.sl_seconds


class WrapUps:
    """The wrap_up intervals of each agent, sorted by start, to find the one following a call."""

    def __init__(self, states: Iterable[StateInterval]) -> None:
        by_agent: dict[str, list[StateInterval]] = defaultdict(list)
        for interval in states:
            if interval.state is AgentState.WRAP_UP:
                by_agent[interval.agent].append(interval)
        self._intervals = {
            agent: sorted(found, key=lambda i: i.start) for agent, found in by_agent.items()
        }
        self._starts = {agent: [i.start for i in found] for agent, found in self._intervals.items()}

    def following(self, call: CallRecord, gap_seconds: float) -> StateInterval | None:
        """The agent's wrap_up starting nearest the call's end, at most gap_seconds from it."""
        if call.agent not in self._intervals or call.ended_at is None:
            return None
        assert call.answered_at is not None
        intervals, starts = self._intervals[call.agent], self._starts[call.agent]
        gap = timedelta(seconds=gap_seconds)
        first = bisect_left(starts, call.ended_at - gap)
        candidates = [
            interval
            for interval in intervals[first:]
            if interval.start <= call.ended_at + gap and interval.start >= call.answered_at
        ]
        ended_at = call.ended_at
        return min(candidates, key=lambda i: abs(seconds_between(ended_at, i.start)), default=None)


def handle_seconds(
    call: CallRecord, wrap_ups: WrapUps | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> float | None:
    """Talk plus the agent's following wrap_up; None while the call is still talking or wrapping."""
    talk = talk_seconds(call)
    if talk is None:
        return None
    wrap_up = None if wrap_ups is None else wrap_ups.following(call, thresholds.wrap_up_gap_seconds)
    if wrap_up is None:
        return talk
    if wrap_up.end is None:
        return None
    return talk + seconds_between(wrap_up.start, wrap_up.end)


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def call_figures(
    calls: Iterable[CallRecord],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    wrap_ups: WrapUps | None = None,
) -> CallFigures:
    """The contract's KPIs over the given calls (chosen by whatever interval and queue)."""
    offered = answered = abandoned = short = in_target = 0
    waits: list[float] = []
    handles: list[float] = []
    for call in calls:
        offered += 1
        if call.answered_at is not None:
            answered += 1
            waits.append(seconds_between(call.offered_at, call.answered_at))
            in_target += is_answered_in_target(call, thresholds)
            handle = handle_seconds(call, wrap_ups, thresholds)
            if handle is not None:
                handles.append(handle)
        elif call.abandoned_at is not None:
            abandoned += 1
            short += is_short_abandon(call, thresholds)
    return CallFigures(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandons=short,
        answered_in_target=in_target,
        handled=len(handles),
        service_level=_ratio(in_target, offered - short),
        abandon_rate=_ratio(abandoned - short, offered - short),
        asa_seconds=_ratio(sum(waits), len(waits)),
        aht_seconds=_ratio(sum(handles), len(handles)),
    )


def interval_start(at: datetime, *, tz: tzinfo, interval_minutes: int = 30) -> datetime:
    """Start of the interval holding `at`, counted from local midnight, with the local offset."""
    if not 0 < interval_minutes <= 24 * 60:
        raise ValueError("interval_minutes must be between 1 and 1440")
    local = at.astimezone(tz)
    minutes = (local.hour * 60 + local.minute) // interval_minutes * interval_minutes
    wall = local.replace(hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0)
    offset = wall.utcoffset()
    assert offset is not None
    return wall.replace(tzinfo=timezone(offset))


def offered_between(
    calls: Iterable[CallRecord], start: datetime, end: datetime
) -> list[CallRecord]:
    """The calls offered in [start, end)."""
    return [call for call in calls if start <= call.offered_at < end]


def interval_figures(
    calls: Iterable[CallRecord],
    *,
    tz: tzinfo,
    interval_minutes: int = 30,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    states: Iterable[StateInterval] = (),
) -> tuple[IntervalFigures, ...]:
    """One row per interval and queue with calls, and one per interval for all queues (queue None).

    Sorted by start, the all-queues row first, then queues by name. interval_minutes=1440 gives
    the figures per day.
    """
    groups: dict[tuple[datetime, str | None], list[CallRecord]] = defaultdict(list)
    for call in calls:
        start = interval_start(call.offered_at, tz=tz, interval_minutes=interval_minutes)
        groups[start, call.queue].append(call)
        groups[start, None].append(call)
    wrap_ups = WrapUps(states)
    rows = [
        IntervalFigures(start, queue, call_figures(group, thresholds=thresholds, wrap_ups=wrap_ups))
        for (start, queue), group in groups.items()
    ]
    return tuple(sorted(rows, key=lambda row: (row.start, row.queue is not None, row.queue or "")))


def _overlap_seconds(interval: StateInterval, start: datetime, end: datetime) -> float:
    interval_end = end if interval.end is None else min(interval.end, end)
    return max(0.0, seconds_between(max(interval.start, start), interval_end))


def occupancy(states: Sequence[StateInterval], *, start: datetime, end: datetime) -> float | None:
    """Time on_call + wrap_up over time in on_call + wrap_up + available, within [start, end)."""
    busy = sum(_overlap_seconds(i, start, end) for i in states if i.state in _BUSY)
    available = sum(
        _overlap_seconds(i, start, end) for i in states if i.state is AgentState.AVAILABLE
    )
    return _ratio(busy, busy + available)
