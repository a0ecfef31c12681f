"""Adherence: hand-made cases and properties on random schedules against a per-second count."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kpi.adherence import (
    MATCHING_STATES,
    Activity,
    AgentAdherence,
    ScheduledActivity,
    agent_adherence,
)
from kpi.records import AgentState, StateInterval

TZ = ZoneInfo("Asia/Jerusalem")
T0 = datetime(1999, 1, 3, 7, 0, tzinfo=TZ)


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


SHIFT = [  # 07:00-11:00 phone, a 15-minute break at 09:00
    ScheduledActivity("DANA", Activity.PHONE, m(0), m(120)),
    ScheduledActivity("DANA", Activity.BREAK, m(120), m(135)),
    ScheduledActivity("DANA", Activity.PHONE, m(135), m(240)),
]


def states(*pieces: tuple[float, float | None, AgentState]) -> list[StateInterval]:
    return [
        StateInterval("DANA", state, m(start), None if end is None else m(end))
        for start, end, state in pieces
    ]


def one(
    schedule: list[ScheduledActivity],
    agent_states: list[StateInterval],
    *,
    end: float = 240,
    grace: float = 0.0,
) -> AgentAdherence:
    (result,) = agent_adherence(schedule, agent_states, start=m(0), end=m(end), grace_seconds=grace)
    return result


def test_a_perfect_day() -> None:
    day = states(
        (0, 60, AgentState.AVAILABLE),
        (60, 120, AgentState.ON_CALL),
        (120, 135, AgentState.BREAK),
        (135, 200, AgentState.WRAP_UP),
        (200, None, AgentState.AVAILABLE),
    )
    result = one(SHIFT, day)
    assert (result.scheduled_seconds, result.adherence, result.out_of_adherence_since) == (
        240 * 60, 1.0, None,
    )  # fmt: skip


def test_a_late_break_within_and_beyond_grace() -> None:
    day = states(
        (0, 123, AgentState.AVAILABLE),  # three minutes late to break
        (123, 135, AgentState.BREAK),
        (135, None, AgentState.AVAILABLE),
    )
    assert one(SHIFT, day).adherent_seconds == (240 - 3) * 60
    assert one(SHIFT, day, grace=60).adherent_seconds == (240 - 2) * 60
    assert one(SHIFT, day, grace=180).adherence == 1.0


def test_logging_in_late_and_out_early() -> None:
    day = states((2, 230, AgentState.AVAILABLE), (230, None, AgentState.LOGGED_OUT))
    result = one([*SHIFT[:1], ScheduledActivity("DANA", Activity.PHONE, m(120), m(240))], day)
    assert result.adherent_seconds == (240 - 12) * 60
    assert result.out_of_adherence_since == m(230)
    graced = one(SHIFT[:1], day, end=120, grace=120)
    assert graced.adherence == 1.0


def test_no_states_means_logged_out_which_matches_only_within_grace_of_the_shift_edges() -> None:
    assert one(SHIFT, []).adherence == 0.0
    assert one(SHIFT, [], grace=60).adherent_seconds == 120  # first and last minute


def test_the_window_ends_at_now() -> None:
    day = states((0, 100, AgentState.AVAILABLE), (100, None, AgentState.LUNCH))
    result = one(SHIFT, day, end=110)
    assert result.scheduled_seconds == 110 * 60 and result.adherent_seconds == 100 * 60
    assert result.out_of_adherence_since == m(100)
    assert one(SHIFT, day, end=-5).adherence is None


def test_every_scheduled_agent_gets_a_result_and_others_none() -> None:
    zohar = ScheduledActivity("ZOHAR", Activity.TRAINING, m(30), m(90))
    other = StateInterval("NOA", AgentState.AVAILABLE, m(0))
    results = agent_adherence([*SHIFT, zohar], [other], start=m(0), end=m(240))
    assert [(r.agent, r.scheduled_seconds) for r in results] == [
        ("DANA", 240 * 60), ("ZOHAR", 60 * 60),
    ]  # fmt: skip


def test_every_activity_has_its_states() -> None:
    assert all(MATCHING_STATES[activity] for activity in Activity)
    assert MATCHING_STATES[Activity.PHONE] == {
        AgentState.AVAILABLE, AgentState.ON_CALL, AgentState.WRAP_UP,
    }  # fmt: skip


def _random_day(rng: random.Random) -> tuple[list[ScheduledActivity], list[StateInterval]]:
    schedule: list[ScheduledActivity] = []
    t = rng.randrange(0, 60)
    while t < 400:
        length = rng.randrange(5, 90)
        activity = rng.choice([Activity.PHONE, Activity.PHONE, Activity.BREAK, Activity.LUNCH])
        schedule.append(ScheduledActivity("A", activity, m(t), m(t + length)))
        t += length + rng.choice([0, 0, 0, rng.randrange(1, 30)])
    agent_states: list[StateInterval] = []
    t = rng.randrange(0, 60)
    choices = [AgentState.AVAILABLE, AgentState.ON_CALL, AgentState.BREAK, AgentState.LUNCH]
    while t < 420:
        length = rng.randrange(1, 60)
        agent_states.append(StateInterval("A", rng.choice(choices), m(t), m(t + length)))
        t += length
    return schedule, agent_states


def _per_minute(
    schedule: list[ScheduledActivity], agent_states: list[StateInterval], window: int, grace: int
) -> tuple[int, int, datetime | None]:
    """Brute force: minute by minute (all changes fall on whole minutes, grace too)."""

    def activity(t: float) -> Activity | None:
        return next((a.activity for a in schedule if a.start <= m(t) < a.end), None)

    def state(t: float) -> AgentState:
        found = (s.state for s in agent_states if s.end and s.start <= m(t) < s.end)
        return next(found, AgentState.LOGGED_OUT)

    scheduled = adherent = 0
    since: int | None = None
    for minute in range(window):
        t = minute + 0.5
        if activity(t) is None:
            since = None
            continue
        scheduled += 1
        nearby = {activity(t + d) for d in range(-grace, grace + 1)}
        if any(state(t) in MATCHING_STATES[a] for a in nearby):
            adherent += 1
            since = None
        elif since is None:
            since = minute
    return scheduled * 60, adherent * 60, None if since is None else m(since)


@pytest.mark.parametrize("seed", range(25))
def test_random_days_against_a_per_minute_count(seed: int) -> None:
    rng = random.Random(seed)
    schedule, agent_states = _random_day(rng)
    window = rng.randrange(100, 480)
    previous = -1.0
    for grace in (0, 1, 3, 10):
        (result,) = agent_adherence(
            schedule, agent_states, start=m(0), end=m(window), grace_seconds=grace * 60
        )
        scheduled, adherent, since = _per_minute(schedule, agent_states, window, grace)
        assert result.scheduled_seconds == pytest.approx(scheduled)
        assert result.adherent_seconds == pytest.approx(adherent)
        assert result.out_of_adherence_since == since
        assert 0 <= result.adherent_seconds <= result.scheduled_seconds
        assert result.adherent_seconds >= previous  # more grace never lowers adherence
        previous = result.adherent_seconds
