"""The call-record (CDR) CSV parser: good files in, every bad row named by line and column."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kpi.records import CallRecord, RecordError, RecordsError, parse_cdr, time_problem

HEADER = "call_id,queue,offered_at,answered_at,ended_at,abandoned_at,agent"
PLUS2 = timezone(timedelta(hours=2))


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(RecordsError) as caught:
        parse_cdr(text)
    assert all(isinstance(error, RecordError) for error in caught.value.errors)
    assert all(error.reason for error in caught.value.errors)
    return [(error.line, error.column) for error in caught.value.errors]


def test_a_good_file() -> None:
    text = "\n".join(
        [
            HEADER,
            "c1,PS,1999-01-03T07:00:00+02:00,1999-01-03T07:00:12+02:00,"
            "1999-01-03T07:03:00+02:00,,DANA",
            "c2,PS,1999-01-03T07:01:00+02:00,,,1999-01-03T07:01:30+02:00,",
            "c3,NW,1999-01-03T05:02:00Z,1999-01-03T05:02:01Z,,,",  # still talking, no agent
            "c4,NW,1999-01-03T07:03:00+02:00,,,,",  # still waiting
            "",
        ]
    )
    calls = parse_cdr(text)
    at = datetime(1999, 1, 3, 7, 0, tzinfo=PLUS2)
    assert calls[0] == CallRecord(
        "c1", "PS", at, at + timedelta(seconds=12), at + timedelta(minutes=3), agent="DANA"
    )
    assert calls[1].abandoned_at == at + timedelta(seconds=90) and calls[1].agent is None
    assert calls[2].offered_at == at + timedelta(minutes=2) and calls[2].ended_at is None
    assert calls[3] == CallRecord("c4", "NW", at + timedelta(minutes=3))


def test_extra_columns_are_ignored_and_order_does_not_matter() -> None:
    text = (
        "note,agent,queue,call_id,offered_at,answered_at,ended_at,abandoned_at\r\n"
        '"hello, world",DANA,PS,c1,1999-01-03T07:00:00+02:00,,,\r\n'
    )
    (call,) = parse_cdr(text)
    assert (call.call_id, call.queue, call.agent) == ("c1", "PS", "DANA")
    assert parse_cdr(iter(text.splitlines(keepends=True))) == (call,)


def test_a_missing_column_refuses_the_file_naming_it() -> None:
    header = HEADER.replace(",abandoned_at", "").replace("queue,", "")
    assert errors_of(f"{header}\n") == [(1, "queue"), (1, "abandoned_at")]
    assert errors_of("") == [(1, "call_id")]


def test_every_bad_row_is_listed() -> None:
    text = "\n".join(
        [
            HEADER,
            "c1,PS,1999-01-03T07:00:00+02:00,,,,",
            "c2,PS,yesterday,,,,",
            "c3,PS,1999-01-03T07:00:00,,,,",
            "c4,PS,1999-01-03T07:00:00+02:00,1999-01-03T07:00:05+02:00,,1999-01-03T07:00:06+02:00,",
            "c5,PS,1999-01-03T07:00:00+02:00,1999-01-03T06:59:59+02:00,,,",
            "c6,PS,1999-01-03T07:00:00+02:00,1999-01-03T07:00:09+02:00,1999-01-03T07:00:08+02:00,,",
            "c7,PS,1999-01-03T07:00:00+02:00,,,1999-01-03T06:00:00+02:00,",
            "c8,PS,1999-01-03T07:00:00+02:00,,1999-01-03T07:00:09+02:00,,",
            ",,1999-01-03T07:00:00+02:00,,,,",
            "c1,PS,1999-01-03T07:00:00+02:00,,,,",
            "c10,PS,,,,,",
            "c11,PS,1999-01-03T07:00:00+02:00",
        ]
    )
    assert errors_of(text) == [
        (3, "offered_at"),
        (4, "offered_at"),
        (5, "abandoned_at"),
        (6, "answered_at"),
        (7, "ended_at"),
        (8, "abandoned_at"),
        (9, "ended_at"),
        (10, "call_id"),
        (10, "queue"),
        (11, "call_id"),
        (12, "offered_at"),
        (13, "answered_at"),
    ]


def test_the_error_is_a_value_error_with_a_readable_message() -> None:
    with pytest.raises(ValueError, match="line 2, column offered_at"):
        parse_cdr(f"{HEADER}\nc1,PS,soon,,,,\n")


def test_a_repeated_call_id_is_bad_even_when_its_first_row_was_bad() -> None:
    text = f"{HEADER}\nc1,PS,never,,,,\nc1,PS,1999-01-03T07:00:00+02:00,,,,\n"
    assert errors_of(text) == [(2, "offered_at"), (3, "call_id")]


def test_text_that_is_not_csv_is_refused_not_crashed_on() -> None:
    huge = "x" * 200_000
    assert errors_of(f'{HEADER}\nc1,PS,"{huge}",,,,\n') == [(2, "*")]
    assert errors_of(f'{HEADER}\nc1,PS,"1999-01-03T07:00:00+02:00\n') == [(2, "answered_at")]


def test_times_and_names_no_store_can_hold_are_bad_rows() -> None:
    rows = [
        "c1,PS,0001-01-01T00:00:00+03:00,,,,",  # before year 1 in UTC: crashed the SQLite store
        "c2,PS,9999-12-31T23:00:00-05:00,,,,",  # after year 9999 in UTC
        "c3,PS,2026-12-01T10:00:00+16:00,,,,",  # an offset PostgreSQL refuses
        "c4,PS,2026-12-01T10:00:00+14:00,2026-12-01T10:00:05-12:00,,,A1",  # the world's ends: fine
        f"{'c' * 129},PS,2026-12-01T10:00:00Z,,,,",
        f"c6,{'q' * 121},2026-12-01T10:00:00Z,,,,",
        f"c7,PS,2026-12-01T10:00:00Z,2026-12-01T10:00:05Z,,,{'a' * 65}",
        "c8,P\x00S,2026-12-01T10:00:00Z,,,,",
    ]
    assert errors_of("\n".join([HEADER, *rows])) == [
        (2, "offered_at"), (3, "offered_at"), (4, "offered_at"), (6, "call_id"), (7, "queue"),
        (8, "agent"), (9, "queue"),
    ]  # fmt: skip
    with pytest.raises(RecordsError, match="line 2, column offered_at: outside the times"):
        parse_cdr(f"{HEADER}\n{rows[0]}")


def test_a_time_out_of_range_is_refused_naming_the_range_in_full_years() -> None:
    early = datetime(1, 1, 1, 0, 10, tzinfo=timezone(timedelta(hours=3)))
    assert time_problem(early) == (
        "outside the times a record can hold (0001-01-03 to 9999-12-29 UTC)"
    )
