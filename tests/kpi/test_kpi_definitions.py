"""The contract's KPI definitions on hand-made calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kpi.definitions import (
    Thresholds,
    WrapUps,
    call_figures,
    handle_seconds,
    interval_figures,
    interval_start,
    is_answered_in_target,
    is_short_abandon,
    occupancy,
    offered_between,
    wait_seconds,
)
from kpi.records import AgentState, CallRecord, StateInterval

TZ = ZoneInfo("Asia/Jerusalem")
T0 = datetime(1999, 1, 3, 7, 0, tzinfo=TZ)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def answered(
    call_id: str, offered: float, wait: float, talk: float | None, agent: str | None = "DANA"
) -> CallRecord:
    ended = None if talk is None else s(offered + wait + talk)
    return CallRecord(call_id, "PS", s(offered), s(offered + wait), ended, agent=agent)


def abandoned(call_id: str, offered: float, wait: float, queue: str = "PS") -> CallRecord:
    return CallRecord(call_id, queue, s(offered), abandoned_at=s(offered + wait))


def waiting(call_id: str, offered: float) -> CallRecord:
    return CallRecord(call_id, "PS", s(offered))


def test_the_worked_example() -> None:
    calls = [
        answered("a", 0, 10, 100),
        answered("b", 60, 20, 200),  # wait == T: in target
        answered("c", 120, 21, 0),  # just over T; zero talk still counts in AHT
        answered("d", 180, 40, None),  # still talking: answered, in ASA, not in AHT
        abandoned("e", 240, 4.999),  # short abandon
        abandoned("f", 300, 5),  # wait == Ts: not short
        abandoned("g", 360, 90),
        waiting("h", 420),  # still waiting: offered only
    ]
    f = call_figures(calls)
    assert (f.offered, f.answered, f.abandoned, f.short_abandons) == (8, 4, 3, 1)
    assert (f.answered_in_target, f.handled) == (2, 3)
    assert f.service_level == pytest.approx(2 / 7)
    assert f.abandon_rate == pytest.approx(2 / 7)
    assert f.asa_seconds == pytest.approx((10 + 20 + 21 + 40) / 4)
    assert f.aht_seconds == pytest.approx(300 / 3)


def test_thresholds_come_from_the_site() -> None:
    calls = [answered("a", 0, 25, 60), abandoned("b", 10, 8)]
    f = call_figures(calls, thresholds=Thresholds(sl_seconds=30, short_abandon_seconds=10))
    assert (f.answered_in_target, f.short_abandons, f.service_level, f.abandon_rate) == (
        1, 1, 1.0, 0.0,
    )  # fmt: skip


def test_every_ratio_and_mean_is_none_with_nothing_to_divide_by() -> None:
    f = call_figures([])
    assert (f.offered, f.service_level, f.abandon_rate, f.asa_seconds, f.aht_seconds) == (
        0, None, None, None, None,
    )  # fmt: skip
    only_short = call_figures([abandoned("a", 0, 1), abandoned("b", 5, 2)])
    assert only_short.service_level is None and only_short.abandon_rate is None
    assert only_short.asa_seconds is None and only_short.aht_seconds is None
    only_waiting = call_figures([waiting("a", 0)])
    assert (only_waiting.offered, only_waiting.service_level) == (1, 0.0)


def test_per_call_figures() -> None:
    assert wait_seconds(answered("a", 0, 12.5, 3)) == 12.5
    assert wait_seconds(abandoned("a", 0, 7)) == 7
    assert wait_seconds(waiting("a", 0)) is None
    assert is_answered_in_target(answered("a", 0, 20, 3))
    assert not is_answered_in_target(abandoned("a", 0, 1))
    assert is_short_abandon(abandoned("a", 0, 4))
    assert not is_short_abandon(answered("a", 0, 1, 1))


def test_wait_is_real_elapsed_time_across_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    offered = datetime(2024, 10, 27, 2, 50, tzinfo=berlin)  # first 02:50 (+02:00)
    answered_at = datetime(2024, 10, 27, 2, 5, fold=1, tzinfo=berlin)  # second 02:05 (+01:00)
    call = CallRecord("x", "PS", offered, answered_at)
    assert wait_seconds(call) == 15 * 60


def test_handle_time_adds_the_wrap_up_that_follows() -> None:
    call = answered("a", 0, 10, 100)  # talk ends at 110 s
    wrap = StateInterval("DANA", AgentState.WRAP_UP, s(111), s(141))
    earlier = StateInterval("DANA", AgentState.WRAP_UP, s(-60), s(-30))
    other_agent = StateInterval("ZOHAR", AgentState.WRAP_UP, s(110), s(500))
    assert handle_seconds(call, WrapUps([wrap, earlier, other_agent])) == 130
    assert handle_seconds(call, WrapUps([earlier, other_agent])) == 100
    far = StateInterval("DANA", AgentState.WRAP_UP, s(200), s(230))
    assert handle_seconds(call, WrapUps([far])) == 100
    still_wrapping = StateInterval("DANA", AgentState.WRAP_UP, s(110))
    assert handle_seconds(call, WrapUps([still_wrapping])) is None
    no_agent = answered("b", 0, 10, 100, agent=None)
    assert handle_seconds(no_agent, WrapUps([wrap])) == 100
    states = [wrap, StateInterval("DANA", AgentState.ON_CALL, s(10), s(110))]
    rows = interval_figures([call], tz=TZ, states=states)
    assert rows[0].figures.aht_seconds == 130


def test_a_call_belongs_to_the_half_open_interval_it_was_offered_in() -> None:
    calls = [answered("a", 0, 5, 5), answered("b", 1799.999, 5, 5), abandoned("c", 1800, 60)]
    rows = interval_figures(calls, tz=TZ)
    assert [(r.start, r.queue, r.figures.offered) for r in rows] == [
        (T0, None, 2),
        (T0, "PS", 2),
        (s(1800), None, 1),
        (s(1800), "PS", 1),
    ]
    assert offered_between(calls, T0, s(1800)) == calls[:2]


def test_one_row_per_queue_with_calls_and_one_for_all_queues() -> None:
    calls = [answered("a", 0, 5, 5), abandoned("b", 10, 60, queue="NW"), abandoned("c", 20, 9)]
    rows = interval_figures(calls, tz=TZ)
    assert [(r.queue, r.figures.offered, r.figures.abandoned) for r in rows] == [
        (None, 3, 2),
        ("NW", 1, 1),
        ("PS", 2, 1),
    ]
    assert interval_figures([], tz=TZ) == ()


def test_intervals_are_aligned_to_local_midnight() -> None:
    at = datetime(1999, 1, 3, 5, 7, 30, tzinfo=UTC)  # 07:07:30 in Israel
    assert interval_start(at, tz=TZ, interval_minutes=30) == T0
    assert interval_start(at, tz=TZ, interval_minutes=45) == datetime(1999, 1, 3, 6, 45, tzinfo=TZ)
    day = interval_start(at, tz=TZ, interval_minutes=1440)
    assert day == datetime(1999, 1, 3, tzinfo=TZ) and day.utcoffset() == timedelta(hours=2)
    with pytest.raises(ValueError):
        interval_start(at, tz=TZ, interval_minutes=0)


def test_the_repeated_hour_of_a_dst_change_gives_two_intervals() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2024, 10, 27, 2, 10, tzinfo=berlin)
    second = datetime(2024, 10, 27, 2, 10, fold=1, tzinfo=berlin)
    starts = {interval_start(t, tz=berlin, interval_minutes=30) for t in (first, second)}
    assert sorted(start.utcoffset() for start in starts) == [timedelta(hours=1), timedelta(hours=2)]
    calls = [CallRecord("a", "PS", first), CallRecord("b", "PS", second)]
    assert len(interval_figures(calls, tz=berlin)) == 4


def test_call_records_refuse_impossible_times() -> None:
    with pytest.raises(ValueError, match="never both"):
        CallRecord("a", "PS", s(0), answered_at=s(1), abandoned_at=s(2))
    with pytest.raises(ValueError, match="before offered_at"):
        CallRecord("a", "PS", s(10), answered_at=s(1))
    with pytest.raises(ValueError, match="before answered_at"):
        CallRecord("a", "PS", s(0), answered_at=s(10), ended_at=s(9))
    with pytest.raises(ValueError, match="without answered_at"):
        CallRecord("a", "PS", s(0), ended_at=s(9))
    with pytest.raises(ValueError, match="UTC offset"):
        CallRecord("a", "PS", datetime(1999, 1, 3, 7))
    with pytest.raises(ValueError):
        StateInterval("DANA", AgentState.AVAILABLE, s(10), s(0))


def test_occupancy_is_busy_over_busy_and_available_time() -> None:
    states = [
        StateInterval("DANA", AgentState.AVAILABLE, s(-600), s(600)),  # 600 s inside
        StateInterval("DANA", AgentState.ON_CALL, s(600), s(1500)),
        StateInterval("DANA", AgentState.WRAP_UP, s(1500), s(1700)),
        StateInterval("DANA", AgentState.BREAK, s(1700), s(1800)),  # neither
        StateInterval("ZOHAR", AgentState.ON_CALL, s(1200)),  # still on the call: 600 s inside
    ]
    assert occupancy(states, start=T0, end=s(1800)) == pytest.approx(1700 / 2300)
    assert occupancy(states[3:4], start=T0, end=s(1800)) is None
