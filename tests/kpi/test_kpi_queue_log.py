"""Asterisk's queue_log read as the contract's calls and agent states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kpi.definitions import call_figures, wait_seconds
from kpi.queue_log import parse_queue_log
from kpi.records import AgentState, RecordsError

T = 1_733_050_800  # 2024-12-01 11:00:00 UTC


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T, UTC) + timedelta(seconds=seconds)


LOG = "\n".join(
    f"{T + s}|{rest}"
    for s, rest in [
        (0, "NONE|NONE|NONE|QUEUESTART|"),
        (1, "NONE|NONE|SIP/101|AGENTLOGIN|"),
        (2, "NONE|NONE|SIP/102|ADDMEMBER|"),
        (10, "1001.1|support|NONE|ENTERQUEUE||5551234|1"),
        (12, "1002.1|sales|NONE|ENTERQUEUE||5550000|1"),
        (14, "1001.1|support|SIP/101|RINGNOANSWER|2000"),
        (25, "1001.1|support|SIP/101|CONNECT|15|1001.2|3"),
        (40, "NONE|NONE|SIP/101|PAUSE|lunch"),  # while talking: starts after the call
        (42, "1002.1|sales|NONE|ABANDON|1|1|30"),
        (50, "1003.1|support|NONE|ENTERQUEUE||5559999|1"),
        (95, "1003.1|support|NONE|EXITWITHTIMEOUT|1|1|45"),
        (96, "1003.1|overflow|NONE|ENTERQUEUE||5559999|1"),
        (99, "1003.1|overflow|SIP/102|CONNECT|3|1003.5|1"),
        (125, "1001.1|support|SIP/101|COMPLETECALLER|15|100|1"),
        (130, "1004.1|support|SIP/102|CONNECT|8|1004.2|2"),  # its ENTERQUEUE is in an older file
        (160, "NONE|NONE|SIP/101|UNPAUSE|"),
        (200, "1003.1|overflow|SIP/102|COMPLETEAGENT|3|101|1"),
        (300, "NONE|NONE|SIP/102|PAUSE|"),
        (900, "NONE|NONE|SIP/101|AGENTLOGOFF||900"),
    ]
)


def test_calls_follow_their_events() -> None:
    log = parse_queue_log(LOG)
    calls = {call.call_id: call for call in log.calls}
    assert list(calls) == ["1001.1", "1002.1", "1003.1", "1003.1/2", "1004.1"]
    first = calls["1001.1"]
    assert (first.queue, first.offered_at, first.answered_at) == ("support", at(10), at(25))
    assert (first.ended_at, first.agent) == (at(125), "SIP/101")
    assert calls["1002.1"].abandoned_at == at(42) and calls["1002.1"].answered_at is None
    assert calls["1003.1"].abandoned_at == at(95)  # timed out of support
    assert calls["1003.1/2"].queue == "overflow" and calls["1003.1/2"].answered_at == at(99)
    assert calls["1004.1"].offered_at == at(122) and calls["1004.1"].ended_at is None
    assert wait_seconds(calls["1004.1"]) == 8
    assert log.lines["1003.1/2"] == 12 and log.lines["1004.1"] == 15
    figures = call_figures(log.calls)
    assert (figures.offered, figures.answered, figures.abandoned) == (5, 3, 2)


def test_agent_states_follow_logins_calls_and_pauses() -> None:
    log = parse_queue_log(LOG)
    by_agent: dict[str, list[tuple[AgentState, datetime, datetime | None]]] = {}
    for interval in log.states:
        by_agent.setdefault(interval.agent, []).append(
            (interval.state, interval.start, interval.end)
        )
    assert by_agent["SIP/101"] == [
        (AgentState.AVAILABLE, at(1), at(25)),
        (AgentState.ON_CALL, at(25), at(125)),
        (AgentState.LUNCH, at(125), at(160)),  # paused during the call, from its end
        (AgentState.AVAILABLE, at(160), at(900)),
        (AgentState.LOGGED_OUT, at(900), None),
    ]
    assert by_agent["SIP/102"] == [
        (AgentState.AVAILABLE, at(2), at(99)),
        (AgentState.ON_CALL, at(99), at(200)),
        (AgentState.AVAILABLE, at(200), at(300)),
        (AgentState.OTHER, at(300), None),  # a pause without a known reason
    ]


def test_every_unreadable_line_is_named() -> None:
    text = "\n".join(
        [
            f"{T}|1|q|NONE|ENTERQUEUE||1|1",
            "yesterday|1|q|NONE|ENTERQUEUE||1|1",
            f"{T}|1|q",
            f"{T + 5}|9|q|SIP/1|CONNECT|soon|x|1",
            "",
        ]
    )
    with pytest.raises(RecordsError) as refused:
        parse_queue_log(text)
    assert [(e.line, e.column) for e in refused.value.errors] == [
        (2, "epoch"), (3, "agent"), (4, "data1"),
    ]  # fmt: skip


def test_a_file_read_whole_or_line_by_line_gives_the_same() -> None:
    assert parse_queue_log(iter(LOG.splitlines(keepends=True))) == parse_queue_log(LOG)


def test_waits_and_times_past_the_calendar_are_bad_lines_not_crashes() -> None:
    text = "\n".join(
        [
            f"{T}|1|q|SIP/1|CONNECT|nan|x|1",  # NaN, inf and 1e20 seconds used to raise
            f"{T}|2|q|SIP/1|CONNECT|inf|x|1",
            f"{T}|3|q|SIP/1|CONNECT|1e20|x|1",
            f"{T}|4|q|NONE|ABANDON|1|1|nan",
            "0|5|q|NONE|ABANDON|1|1|62135596801",  # a wait back before year 1
            "253402300799|6|q|NONE|ENTERQUEUE||1|1",  # 9999-12-31: past what a record holds
            f"{T}|{'7' * 129}|q|NONE|ENTERQUEUE||1|1",
            f"{T}|8|{'q' * 121}|NONE|ENTERQUEUE||1|1",
            f"{T}|NONE|NONE|{'S' * 65}|AGENTLOGIN|",
            f"{T}|10|q|SIP/\x001|CONNECT|1|x|1",
            f"{T}|11|q|SIP/1|CONNECT|-5|x|1",  # a negative hold time is clamped, as before
            f"{T}||q|NONE|ENTERQUEUE||1|1",  # stored as call "" in queue "" before
            f"{T}|13||NONE|ABANDON|1|1|5",
        ]
    )
    with pytest.raises(RecordsError) as refused:
        parse_queue_log(text)
    assert [(e.line, e.column) for e in refused.value.errors] == [
        (1, "data1"), (2, "data1"), (3, "data1"), (4, "data3"), (5, "data3"), (6, "epoch"),
        (7, "callid"), (8, "queue"), (9, "agent"), (10, "agent"), (12, "callid"), (13, "queue"),
    ]  # fmt: skip
