"""Alert rules: each fires beyond its limit only, and keys stay stable while a condition lasts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kpi.adherence import Activity, ScheduledActivity, agent_adherence
from kpi.alerts import (
    Alert,
    AlertKind,
    AlertRules,
    adherence_alerts,
    evaluate_alerts,
    queue_alerts,
)
from kpi.live import live_board
from kpi.records import AgentState, CallRecord, StateInterval

TZ = ZoneInfo("Asia/Jerusalem")
T0 = datetime(1999, 1, 3, 7, 30, tzinfo=TZ)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


CALLS = [
    CallRecord("a", "PS", s(0), s(10), s(100)),  # in target
    CallRecord("b", "PS", s(10), s(60), s(200)),  # late
    CallRecord("c", "PS", s(100)),  # waiting
    CallRecord("d", "PS", s(200)),  # waiting
    CallRecord("e", "NW", s(300), s(305), s(400)),
]


def kinds(alerts: tuple[Alert, ...]) -> list[tuple[AlertKind, str | None]]:
    return [(a.kind, a.subject) for a in alerts]


def test_service_level_below_target_for_the_interval() -> None:
    board = live_board(CALLS, now=s(600), tz=TZ)
    assert kinds(queue_alerts(board, AlertRules(service_level_target=0.8))) == [
        (AlertKind.SERVICE_LEVEL, "PS"),
        (AlertKind.SERVICE_LEVEL, None),
    ]
    assert queue_alerts(board, AlertRules(service_level_target=0.25)) == ()
    assert (
        queue_alerts(board, AlertRules(service_level_min_offered=5))
        == (queue_alerts(board, AlertRules())[-1:])
    )  # only all queues (5 calls) has enough


def test_calls_waiting_and_longest_wait() -> None:
    board = live_board(CALLS, now=s(600), tz=TZ)
    rules = AlertRules(service_level_target=None, max_calls_waiting=1)
    assert kinds(queue_alerts(board, rules)) == [
        (AlertKind.CALLS_WAITING, "PS"),
        (AlertKind.CALLS_WAITING, None),
    ]
    assert queue_alerts(board, AlertRules(service_level_target=None, max_calls_waiting=2)) == ()
    rules = AlertRules(service_level_target=None, max_longest_wait_seconds=499)
    (ps, everyone) = queue_alerts(board, rules)
    assert (ps.kind, ps.value, ps.limit) == (AlertKind.LONGEST_WAIT, 500, 499)
    assert everyone.subject is None and everyone.key == "longest_wait:*"
    at_limit = AlertRules(service_level_target=None, max_longest_wait_seconds=500)
    assert queue_alerts(board, at_limit) == ()


def test_keys_are_stable_while_the_condition_lasts_and_unique_at_a_time() -> None:
    rules = AlertRules(max_calls_waiting=0, max_longest_wait_seconds=60)
    first = queue_alerts(live_board(CALLS, now=s(600), tz=TZ), rules)
    later = queue_alerts(live_board(CALLS, now=s(900), tz=TZ), rules)
    assert [a.key for a in first] == [a.key for a in later]
    assert len({a.key for a in first}) == len(first) == 6
    next_interval = queue_alerts(live_board(CALLS, now=s(1900), tz=TZ), rules)
    sl_keys = {a.key for a in (*first, *next_interval) if a.kind is AlertKind.SERVICE_LEVEL}
    assert sl_keys == {
        "service_level:PS:1999-01-03T05:30:00+00:00",
        "service_level:*:1999-01-03T05:30:00+00:00",
    }  # the next interval has no calls offered yet: no service level, no alert


def test_out_of_adherence_for_more_than_m_minutes() -> None:
    schedule = [ScheduledActivity("DANA", Activity.PHONE, s(0), s(3600))]
    states = [
        StateInterval("DANA", AgentState.AVAILABLE, s(0), s(600)),
        StateInterval("DANA", AgentState.BREAK, s(600)),
    ]
    rules = AlertRules(max_out_of_adherence_minutes=10)

    def at(now: float) -> tuple[Alert, ...]:
        adherence = agent_adherence(schedule, states, start=s(0), end=s(now))
        return adherence_alerts(adherence, rules, now=s(now))

    assert at(1200) == ()  # exactly 10 minutes out: not more than M
    (alert,) = at(1201)
    assert (alert.kind, alert.subject, alert.key) == (
        AlertKind.OUT_OF_ADHERENCE, "DANA", "out_of_adherence:DANA:1999-01-03T05:40:00+00:00",
    )  # fmt: skip
    assert at(3000)[0].key == alert.key and at(3000)[0].value == 40
    assert (
        adherence_alerts(
            agent_adherence(schedule, states, start=s(0), end=s(3000)), AlertRules(), now=s(3000)
        )
        == ()
    )


def test_evaluate_alerts_combines_queues_and_agents() -> None:
    schedule = [ScheduledActivity("DANA", Activity.PHONE, s(0), s(3600))]
    board = live_board(CALLS, now=s(1500), tz=TZ)
    adherence = agent_adherence(schedule, [], start=s(0), end=s(1500))
    rules = AlertRules(max_calls_waiting=5, max_out_of_adherence_minutes=5)
    assert kinds(evaluate_alerts(board, rules, adherence)) == [
        (AlertKind.SERVICE_LEVEL, "PS"),
        (AlertKind.SERVICE_LEVEL, None),
        (AlertKind.OUT_OF_ADHERENCE, "DANA"),
    ]
    assert all(alert.message for alert in evaluate_alerts(board, rules, adherence))


def test_each_alert_carries_its_rule_and_figures_which_its_english_text_states() -> None:
    board = live_board(CALLS, now=s(600), tz=TZ)
    rules = AlertRules(max_calls_waiting=1, max_longest_wait_seconds=450)
    found = [(a.kind, a.subject, a.value, a.limit, a.message) for a in queue_alerts(board, rules)]
    assert found[:3] == [
        (AlertKind.SERVICE_LEVEL, "PS", 0.25, 0.8,
         "queue PS: service level 25% this interval, target 80%"),
        (AlertKind.CALLS_WAITING, "PS", 2, 1, "queue PS: 2 calls waiting, limit 1"),
        (AlertKind.LONGEST_WAIT, "PS", 500, 450, "queue PS: a call has waited 500 s, limit 450 s"),
    ]  # fmt: skip
    assert found[3][1:4] == (None, 0.4, 0.8) and found[3][4].startswith("all queues: ")
    schedule = [ScheduledActivity("DANA", Activity.PHONE, s(0), s(3600))]
    adherence = agent_adherence(schedule, [], start=s(0), end=s(1500))
    (dana,) = adherence_alerts(adherence, AlertRules(max_out_of_adherence_minutes=7.5), now=s(1500))
    assert (dana.kind, dana.subject, dana.value, dana.limit, dana.message) == (
        AlertKind.OUT_OF_ADHERENCE, "DANA", 25, 7.5,
        "DANA: out of adherence for 25 min, limit 7.5 min",
    )  # fmt: skip
