"""Live figures at a given `now`: hand-made cases, and properties on a replay of January."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kpi.definitions import call_figures, interval_figures
from kpi.live import agents_by_state, call_as_of, live_board, state_as_of
from kpi.records import AgentState, CallRecord, StateInterval

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(1999, 1, 3, 7, 40, tzinfo=TZ)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def test_a_call_is_seen_as_it_was_at_now() -> None:
    call = CallRecord("a", "PS", ago(100), ago(80), ago(-60), agent="DANA")
    assert call_as_of(call, NOW) == CallRecord("a", "PS", ago(100), ago(80), agent="DANA")
    assert call_as_of(call, ago(90)) == CallRecord("a", "PS", ago(100))
    assert call_as_of(call, ago(101)) is None
    gone = CallRecord("b", "PS", ago(100), abandoned_at=ago(-5))
    assert call_as_of(gone, NOW) == CallRecord("b", "PS", ago(100))
    assert call_as_of(gone, ago(-5)) == gone
    state = StateInterval("DANA", AgentState.ON_CALL, ago(80), ago(-60))
    assert state_as_of(state, NOW) == StateInterval("DANA", AgentState.ON_CALL, ago(80))
    assert state_as_of(state, ago(81)) is None


def test_the_live_board() -> None:
    calls = [
        CallRecord("old", "PS", ago(3600), ago(3590), ago(3500)),  # earlier interval, today
        CallRecord("yesterday", "PS", ago(9 * 3600), ago(9 * 3600 - 5), ago(9 * 3600 - 50)),
        CallRecord("w1", "PS", ago(50)),
        CallRecord("w2", "NW", ago(200)),
        CallRecord("t1", "PS", ago(300), ago(290), agent="DANA"),
        CallRecord("t2", "PS", ago(100), ago(30), ago(-100), agent="ZOHAR"),  # ends later
        CallRecord("ab", "NW", ago(400), abandoned_at=ago(350)),
        CallRecord("future", "PS", ago(-10)),
    ]
    states = [
        StateInterval("DANA", AgentState.ON_CALL, ago(290)),
        StateInterval("ZOHAR", AgentState.AVAILABLE, ago(1000), ago(30)),
        StateInterval("ZOHAR", AgentState.ON_CALL, ago(30), ago(-100)),
        StateInterval("TAL", AgentState.BREAK, ago(600), ago(100)),
        StateInterval("TAL", AgentState.AVAILABLE, ago(100)),
        StateInterval("NOA", AgentState.AVAILABLE, ago(-50)),  # not yet
    ]
    board = live_board(calls, states, now=NOW, tz=TZ, queues=["TT"])
    assert board.interval_start == datetime(1999, 1, 3, 7, 30, tzinfo=TZ)
    assert board.day_start == datetime(1999, 1, 3, tzinfo=TZ)
    assert [q.queue for q in board.queues] == ["NW", "PS", "TT"]
    nw, ps, tt = board.queues
    assert (ps.this_interval.offered, ps.today.offered, ps.waiting_now, ps.talking_now) == (
        3, 4, 1, 2,
    )  # fmt: skip
    assert (nw.waiting_now, nw.longest_wait_seconds, nw.this_interval.abandoned) == (1, 200, 1)
    assert (tt.today.offered, tt.waiting_now, tt.longest_wait_seconds) == (0, 0, None)
    everyone = board.all_queues
    assert (everyone.today.offered, everyone.waiting_now, everyone.longest_wait_seconds) == (
        6, 2, 200,
    )  # fmt: skip
    assert everyone.this_interval.answered == 2 and everyone.this_interval.handled == 0
    assert board.agents_by_state == {AgentState.ON_CALL: 2, AgentState.AVAILABLE: 1}


def test_a_call_from_yesterday_still_waiting_is_waiting_now_but_not_today() -> None:
    midnight = datetime(1999, 1, 4, tzinfo=TZ)
    calls = [CallRecord("late", "PS", midnight - timedelta(seconds=30))]
    board = live_board(calls, now=midnight + timedelta(seconds=15), tz=TZ)
    (ps,) = board.queues
    assert (ps.waiting_now, ps.longest_wait_seconds, ps.today.offered) == (1, 45, 0)


def test_agents_by_state_takes_each_agents_latest_state() -> None:
    states = [
        StateInterval("DANA", AgentState.AVAILABLE, ago(100)),  # left open by mistake
        StateInterval("DANA", AgentState.LUNCH, ago(50)),
        StateInterval("ZOHAR", AgentState.LOGGED_OUT, ago(500)),
    ]
    assert agents_by_state(states, NOW) == {AgentState.LUNCH: 1, AgentState.LOGGED_OUT: 1}


def test_a_replay_of_january_agrees_with_the_definitions(
    january_calls: tuple[CallRecord, ...],
) -> None:
    week = [c for c in january_calls if c.offered_at < datetime(1999, 1, 8, tzinfo=TZ)]
    rng = random.Random(1999)
    for _ in range(12):
        now = datetime(1999, 1, 3, 7, tzinfo=TZ) + timedelta(seconds=rng.randrange(4 * 86400))
        board = live_board(week, now=now, tz=TZ)
        seen = [c for c in (call_as_of(call, now) for call in week) if c is not None]
        today = [c for c in seen if c.offered_at >= board.day_start]
        assert board.all_queues.today == call_figures(today)
        assert sum(q.today.offered for q in board.queues) == len(today)
        assert sum(q.waiting_now for q in board.queues) == board.all_queues.waiting_now
        waiting = [c for c in seen if c.answered_at is None and c.abandoned_at is None]
        assert board.all_queues.waiting_now == len(waiting)
        assert board.all_queues.this_interval.offered <= board.all_queues.today.offered


def test_at_the_end_of_a_finished_day_the_live_day_is_the_daily_figure(
    january_calls: tuple[CallRecord, ...],
) -> None:
    week = [c for c in january_calls if c.offered_at < datetime(1999, 1, 8, tzinfo=TZ)]
    daily = {
        (row.start, row.queue): row.figures
        for row in interval_figures(week, tz=TZ, interval_minutes=1440)
    }
    checked = 0
    for day in range(1, 8):
        start = datetime(1999, 1, day, tzinfo=TZ)
        calls = [c for c in week if start <= c.offered_at < start + timedelta(days=1)]
        last = max(c.ended_at or c.abandoned_at or c.offered_at for c in calls)
        if last >= start + timedelta(days=1):
            continue  # a call of that day was still going at midnight
        board = live_board(week, now=last, tz=TZ)
        assert board.all_queues.today == daily[start, None]
        for queue in board.queues:
            assert queue.today == daily[start, queue.queue]
        checked += 1
    assert checked >= 2
