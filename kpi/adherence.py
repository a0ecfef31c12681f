"""Schedule adherence: does each agent's state match the activity they were scheduled for?

Grace: within grace_seconds of a scheduled change (including the start and end of a shift),
the activity on either side of the change counts, so an agent going to break a minute early
or logging in a minute late is not out of adherence. Adherence is measured in seconds and
exactly (no rounding to minutes): adherent seconds / scheduled seconds in the window.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from kpi.records import AgentState, StateInterval


class Activity(StrEnum):
    """What an agent is scheduled to do."""

    PHONE = "phone"
    BREAK = "break"
    LUNCH = "lunch"
    MEETING = "meeting"
    TRAINING = "training"
    OTHER = "other"


MATCHING_STATES: Mapping[Activity | None, frozenset[AgentState]] = {
    Activity.PHONE: frozenset({AgentState.AVAILABLE, AgentState.ON_CALL, AgentState.WRAP_UP}),
    Activity.BREAK: frozenset({AgentState.BREAK}),
    Activity.LUNCH: frozenset({AgentState.LUNCH}),
    Activity.MEETING: frozenset({AgentState.MEETING}),
    Activity.TRAINING: frozenset({AgentState.TRAINING}),
    Activity.OTHER: frozenset({AgentState.OTHER}),
    None: frozenset({AgentState.LOGGED_OUT}),  # nothing scheduled: off the phone system
}


@dataclass(frozen=True, slots=True)
class ScheduledActivity:
    """One published piece of an agent's schedule: an activity in [start, end)."""

    agent: str
    activity: Activity
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class AgentAdherence:
    """An agent's adherence in a window; out_of_adherence_since: the run going on at its end."""

    agent: str
    scheduled_seconds: float
    adherent_seconds: float
    out_of_adherence_since: datetime | None

    @property
    def adherence(self) -> float | None:
        """Adherent over scheduled time; None when nothing was scheduled."""
        if self.scheduled_seconds == 0:
            return None
        return self.adherent_seconds / self.scheduled_seconds


_Piece = tuple[float, float, Activity]
_State = tuple[float, float, AgentState]


def _seconds(moment: datetime, origin: datetime) -> float:
    return (moment.astimezone(UTC) - origin).total_seconds()


def _activity_at(pieces: Sequence[_Piece], t: float) -> Activity | None:
    return next((activity for start, end, activity in pieces if start <= t < end), None)


def _state_at(states: Sequence[_State], starts: Sequence[float], t: float) -> AgentState:
    """The state begun last among those holding t (states and starts sorted by start)."""
    for index in range(bisect_right(starts, t) - 1, -1, -1):
        start, end, state = states[index]
        if start <= t < end:
            return state
    return AgentState.LOGGED_OUT


def _activities_near(pieces: Sequence[_Piece], t: float, grace: float) -> set[Activity | None]:
    """The activities scheduled within grace of t (None if some of that window is unscheduled)."""
    near: set[Activity | None] = {_activity_at(pieces, t)}
    if grace == 0:
        return near
    covered = 0.0
    for start, end, activity in pieces:
        overlap = min(end, t + grace) - max(start, t - grace)
        if overlap > 0:
            near.add(activity)
            covered += overlap
    if covered < 2 * grace:
        near.add(None)
    return near


def _one_agent(
    pieces: list[_Piece], states: list[_State], window: tuple[float, float], grace: float
) -> tuple[float, float, float | None]:
    """(scheduled, adherent, out-of-adherence-since) for one agent, in seconds from the origin."""
    edges = {window[0], window[1]}
    for start, end, _ in pieces:
        edges |= {start, end, start - grace, start + grace, end - grace, end + grace}
    for start, end, _ in states:
        edges |= {start, end}
    cuts = sorted(edge for edge in edges if window[0] <= edge <= window[1])
    states = sorted(states, key=lambda found: found[0])
    starts = [start for start, _, _ in states]
    scheduled = adherent = 0.0
    since: float | None = None
    for begin, finish in pairwise(cuts):
        middle = (begin + finish) / 2
        activity = _activity_at(pieces, middle)
        if activity is None:
            since = None
            continue
        scheduled += finish - begin
        state = _state_at(states, starts, middle)
        if state in MATCHING_STATES[activity] or any(  # the grace only matters when it does not
            state in MATCHING_STATES[a] for a in _activities_near(pieces, middle, grace)
        ):
            adherent += finish - begin
            since = None
        elif since is None:
            since = begin
    return scheduled, adherent, since


def agent_adherence(
    schedule: Iterable[ScheduledActivity],
    states: Iterable[StateInterval],
    *,
    start: datetime,
    end: datetime,
    grace_seconds: float = 0.0,
) -> tuple[AgentAdherence, ...]:
    """Adherence of every scheduled agent within [start, end) (end is usually "now")."""
    origin, tz = start.astimezone(UTC), start.tzinfo
    window = (0.0, max(0.0, _seconds(end, origin)))
    pieces: dict[str, list[_Piece]] = defaultdict(list)
    for item in schedule:
        pieces[item.agent].append(
            (_seconds(item.start, origin), _seconds(item.end, origin), item.activity)
        )
    by_agent: dict[str, list[_State]] = defaultdict(list)
    for interval in states:
        until = window[1] if interval.end is None else _seconds(interval.end, origin)
        by_agent[interval.agent].append((_seconds(interval.start, origin), until, interval.state))
    results = []
    for agent in sorted(pieces):
        scheduled, adherent, since = _one_agent(
            pieces[agent], by_agent[agent], window, grace_seconds
        )
        since_at = None if since is None else (origin + timedelta(seconds=since)).astimezone(tz)
        results.append(AgentAdherence(agent, scheduled, adherent, since_at))
    return tuple(results)


def combined_adherence(
    head: AgentAdherence, tail: AgentAdherence, *, split: datetime, end: datetime
) -> AgentAdherence:
    """One agent's adherence over [start, end) from its parts [start, split) and [split, end).

    Exactly what agent_adherence gives over the whole window: seconds add up, and a run out
    of adherence that the tail begins with goes on from the head's.
    """
    if split >= end:
        return head
    since = tail.out_of_adherence_since
    if since is not None and since == split and head.out_of_adherence_since is not None:
        since = head.out_of_adherence_since
    return AgentAdherence(
        head.agent,
        head.scheduled_seconds + tail.scheduled_seconds,
        head.adherent_seconds + tail.adherent_seconds,
        since,
    )
