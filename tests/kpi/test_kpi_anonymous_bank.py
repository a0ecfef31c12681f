"""The Anonymous Bank data: its quirks, and January's interval KPIs checked from the raw file."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kpi.anonymous_bank import (
    BANK_COLUMNS,
    BankCall,
    Outcome,
    bank_call_records,
    parse_bank_calls,
    to_call_record,
)
from kpi.definitions import Thresholds, interval_figures, talk_seconds, wait_seconds
from kpi.records import CallRecord, RecordsError

HEADER = "\t".join(BANK_COLUMNS)
SITE_TZ = ZoneInfo("Asia/Jerusalem")


def one_row(row: str) -> BankCall:
    (call,) = parse_bank_calls(f"{HEADER}\n{row}\n")
    return call


def one_call(row: str) -> CallRecord | None:
    return to_call_record(one_row(row), tz=SITE_TZ)


def at(day: int, clock: str, month: int = 1) -> datetime:
    hours, minutes, seconds = map(int, clock.split(":"))
    return datetime(1999, month, day, hours, minutes, seconds, tzinfo=SITE_TZ)


# --- January's interval KPIs, computed independently from the raw file ----------------------


def _seconds(clock: str) -> int:
    hours, minutes, seconds = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def independent_interval_kpis(path: Path, minutes: int, sl: int, short: int) -> dict:
    """Per (local interval start, queue or None): the contract's figures, straight from the file.

    Uses the file's own durations (q_time for waits, ser_time for talk) and a call's offered
    moment = q_start if it queued, else vru_exit, on the row's date (the next day if that clock
    is more than 12 hours before vru_entry).
    """
    sums: dict = defaultdict(lambda: defaultdict(float))
    for raw in path.read_text().splitlines()[1:]:
        f = raw.split("\t")
        if len(f) == 16:
            f[3:4] = f[3].split()
        queue, outcome, queued = f[4], f[12], f[9] != "0:00:00"
        if outcome == "PHANTOM" or (outcome == "HANG" and not queued):
            continue
        offered = _seconds(f[9] if queued else f[7])
        if offered < _seconds(f[6]) - 12 * 3600:
            offered += 24 * 3600
        day = datetime(1900 + int(f[5][:2]), int(f[5][2:4]), int(f[5][4:6]))
        start = day + timedelta(seconds=offered // (minutes * 60) * minutes * 60)
        wait = int(f[11]) if queued else 0
        for key in ((start, queue), (start, None)):
            s = sums[key]
            s["offered"] += 1
            if outcome == "AGENT":
                s["answered"] += 1
                s["wait"] += wait
                s["talk"] += int(f[15])
                s["in_target"] += wait <= sl
            else:
                s["abandoned"] += 1
                s["short"] += wait < short
    return sums


def test_january_interval_kpis_equal_figures_computed_from_the_raw_file(
    bank_dir: Path, january_calls: tuple[CallRecord, ...]
) -> None:
    for minutes, sl, short in ((30, 20, 5), (60, 30, 10)):
        expected = independent_interval_kpis(bank_dir / "january.txt", minutes, sl, short)
        rows = interval_figures(
            january_calls,
            tz=SITE_TZ,
            interval_minutes=minutes,
            thresholds=Thresholds(sl_seconds=sl, short_abandon_seconds=short),
        )
        assert len(rows) == len(expected)
        for row in rows:
            assert row.start.utcoffset() == timedelta(hours=2)  # January: Israel Standard Time
            s = expected[row.start.replace(tzinfo=None), row.queue]
            f = row.figures
            assert (f.offered, f.answered, f.abandoned) == (
                s["offered"], s["answered"], s["abandoned"],
            )  # fmt: skip
            assert (f.short_abandons, f.answered_in_target) == (s["short"], s["in_target"])
            assert f.handled == f.answered  # history: every answered call has ended
            divisor = s["offered"] - s["short"]
            check(f.service_level, s["in_target"] / divisor if divisor else None)
            check(f.abandon_rate, (s["abandoned"] - s["short"]) / divisor if divisor else None)
            check(f.asa_seconds, s["wait"] / s["answered"] if s["answered"] else None)
            check(f.aht_seconds, s["talk"] / s["answered"] if s["answered"] else None)


def check(actual: float | None, expected: float | None) -> None:
    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected, rel=0, abs=1e-6)


def test_january_totals(january_calls: tuple[CallRecord, ...]) -> None:
    # 31,599 rows - 240 PHANTOM - 1,198 hung up in the voice menu = 30,161 offered calls.
    assert len(january_calls) == 30_161
    assert len({call.call_id for call in january_calls}) == 30_161
    days = {call.offered_at.date() for call in january_calls}
    assert date(1999, 1, 11) not in days and date(1999, 1, 12) not in days
    sunday = [c for c in january_calls if c.offered_at.date() == date(1999, 1, 3)]
    day, *queues = interval_figures(sunday, tz=SITE_TZ, interval_minutes=24 * 60)
    assert day.queue is None and day.start == at(3, "0:00:00")
    assert day.figures.offered == len(sunday) == sum(q.figures.offered for q in queues)


# --- the quirks ----------------------------------------------------------------------------


def test_both_files_parse_whole_with_their_line_ends(
    january_text: str,
    october_text: str,
    january_rows: tuple[BankCall, ...],
    october_rows: tuple[BankCall, ...],
) -> None:
    assert "\r\n" in january_text and "\r\n" not in october_text
    assert (len(january_rows), len(october_rows)) == (31_599, 34_625)
    assert all(not row.server.endswith("\r") for row in january_rows)
    first_lines = january_text.splitlines(keepends=True)[:200]  # as a file object yields them
    assert parse_bank_calls(iter(first_lines)) == january_rows[:199]


def test_the_mapping_agrees_with_bank_call_records(
    october_text: str, october_rows: tuple[BankCall, ...]
) -> None:
    first_lines = october_text.splitlines()[:3000]
    mapped = [to_call_record(row, tz=SITE_TZ) for row in october_rows[:2999]]
    assert bank_call_records(first_lines, tz=SITE_TZ) == tuple(c for c in mapped if c)


def test_october_rows_with_priority_and_type_joined_by_spaces(
    october_text: str, october_rows: tuple[BankCall, ...]
) -> None:
    calls = {call.line: call for call in october_rows}
    joined = [n for n, raw in enumerate(october_text.splitlines(), 1) if raw.count("\t") == 15]
    assert len(joined) == 2
    assert [(calls[n].priority, calls[n].call_type) for n in joined] == [(0, "NW"), (0, "IN")]
    assert all(calls[n].outcome is Outcome.HANG and calls[n].vru_line for n in joined)


def test_service_past_midnight_keeps_its_talk_time(january_rows: tuple[BankCall, ...]) -> None:
    rows = [c for c in january_rows if c.ser_exit < c.ser_start]
    served = [c for c in rows if c.outcome is Outcome.AGENT]
    assert 20 <= len(served) <= 30
    for row in served:
        call = to_call_record(row, tz=SITE_TZ)
        assert call is not None and talk_seconds(call) == row.ser_seconds


def test_queue_past_midnight_is_answered_the_next_day() -> None:
    call = one_call(
        "AA0213\t12511\t35796002\t1\tPS\t990109\t23:59:23\t23:59:23\t0\t23:59:28\t0:00:03\t35"
        "\tAGENT\t0:00:03\t0:00:55\t52\tANAT"
    )
    assert call is not None
    assert call.offered_at == at(9, "23:59:28") and call.answered_at == at(10, "0:00:03")
    assert wait_seconds(call) == 35 and talk_seconds(call) == 52 and call.agent == "ANAT"


def test_served_with_no_server_is_answered_by_an_unknown_agent(
    january_rows: tuple[BankCall, ...],
) -> None:
    rows = [c for c in january_rows if c.outcome is Outcome.AGENT]
    no_server = [c for c in rows if c.server == "NO_SERVER"]
    assert 400 <= len(no_server) <= 600
    for row in no_server:
        call = to_call_record(row, tz=SITE_TZ)
        assert call is not None and call.answered_at is not None and call.agent is None


def test_served_with_zero_service_time_counts_zero_talk(january_rows: tuple[BankCall, ...]) -> None:
    rows = [c for c in january_rows if c.outcome is Outcome.AGENT]
    zero = [c for c in rows if c.ser_seconds == 0]
    assert zero
    for row in zero:
        call = to_call_record(row, tz=SITE_TZ)
        assert call is not None and talk_seconds(call) == 0 and call.ended_at == call.answered_at


def test_service_clock_a_second_before_the_voice_menu_ends_means_no_wait() -> None:
    call = one_call(
        "AA0101\t33119\t0\t0\tPS\t990101\t7:41:16\t7:41:26\t10\t0:00:00\t0:00:00\t0"
        "\tAGENT\t7:41:25\t7:44:53\t208\tBASCH"
    )
    assert call is not None
    assert call.offered_at == call.answered_at == at(1, "7:41:26")
    assert wait_seconds(call) == 0 and talk_seconds(call) == 208


def test_hang_up_before_the_queue_is_not_offered_and_not_an_abandon() -> None:
    row = "AA0101\t33117\t0\t0\tPS\t990101\t0:34:12\t0:34:23\t11\t0:00:00\t0:00:00\t0\tHANG"
    assert one_call(f"{row}\t0:00:00\t0:00:00\t0\tNO_SERVER") is None


def test_hang_up_in_the_queue_is_an_abandon() -> None:
    call = one_call(
        "AA0101\t33116\t9664491\t2\tPS\t990101\t0:00:31\t0:00:36\t5\t0:00:36\t0:03:09\t153"
        "\tHANG\t0:00:00\t0:00:00\t0\tNO_SERVER"
    )
    assert call is not None and call.answered_at is None
    assert call.abandoned_at == at(1, "0:03:09") and wait_seconds(call) == 153


def test_phantom_calls_are_ignored() -> None:
    row = "AA0202\t33297\t31982010\t2\tPS\t990118\t15:21:17\t15:20:57\t-20\t15:20:57\t15:21:48"
    assert one_call(f"{row}\t51\tPHANTOM\t15:21:47\t15:21:54\t7\tNO_SERVER") is None


def test_voice_menu_exit_before_its_entry_is_clock_skew_not_a_day_change() -> None:
    call = one_call(
        "AA0101\t34400\t48820351\t2\tPS\t990128\t15:46:49\t15:45:56\t-53\t15:45:56\t15:46:59"
        "\t63\tAGENT\t15:46:57\t15:53:31\t394\tDORIT"
    )
    assert call is not None and call.offered_at == at(28, "15:45:56")
    assert wait_seconds(call) == 63 and talk_seconds(call) == 394


def test_served_without_service_clock_times_keeps_the_service_time() -> None:
    call = one_call(
        "AA0102\t28607\t11766342\t1\tPS\t990104\t13:01:45\t13:01:51\t6\t13:01:51\t13:04:08\t137"
        "\tAGENT\t0:00:00\t0:00:00\t0\tIDIT"
    )
    assert call is not None and call.answered_at == at(4, "13:04:08")
    assert talk_seconds(call) == 0


def test_service_time_wins_over_service_clocks_that_disagree() -> None:
    # October 21: ser_time 0 while the clocks say 48 s; ser_time is the figure we take.
    call = one_call(
        "AA0105\t47464\t0\t0\tPS\t991021\t23:59:50\t23:59:50\t0\t0:00:00\t0:00:00\t0"
        "\tAGENT\t0:00:00\t0:00:48\t0\tAVI"
    )
    assert call is not None and call.offered_at == at(21, "23:59:50", month=10)
    assert talk_seconds(call) == 0


def test_hang_up_with_service_fields_is_still_an_abandon() -> None:
    call = one_call(
        "AA0101\t34330\t55466346\t2\tPS\t990127\t23:19:41\t23:19:46\t5\t23:19:46\t23:20:31\t45"
        "\tHANG\t23:20:35\t23:20:41\t6\tNO_SERVER"
    )
    assert call is not None and call.answered_at is None and wait_seconds(call) == 45


def test_call_ids_name_day_line_and_call() -> None:
    call = one_call(
        "AA0101\t33116\t9664491\t2\tPS\t990101\t0:00:31\t0:00:36\t5\t0:00:36\t0:03:09\t153"
        "\tHANG\t0:00:00\t0:00:00\t0\tNO_SERVER"
    )
    assert call is not None and call.call_id == "990101-AA0101-33116" and call.queue == "PS"


def test_bad_rows_are_all_reported_with_line_and_column() -> None:
    good = "AA0101\t1\t0\t0\tPS\t990101\t7:00:00\t7:00:05\t5\t7:00:05\t7:00:09\t4\tAGENT"
    text = "\n".join(
        [
            HEADER,
            f"{good}\t7:00:09\t7:01:00\t51\tDANA",
            f"{good}\t7:00:09\t7:61:00\t51\tDANA",
            "AA0101\t3\t0\t0\tPS\t991301\t7:00:00",
            f"{good.replace('AGENT', 'TRANSFER')}\t7:00:09\t7:01:00\t51\tDANA",
            good.replace("\t4\t", "\tfour\t") + "\t7:00:09\t7:01:00\t51\tDANA",
        ]
    )
    with pytest.raises(RecordsError) as caught:
        parse_bank_calls(text)
    found = [(e.line, e.column) for e in caught.value.errors]
    assert found == [(3, "ser_exit"), (4, "vru_exit"), (5, "outcome"), (6, "q_time")]
    assert all(e.reason for e in caught.value.errors)


def test_a_file_without_the_header_is_refused() -> None:
    with pytest.raises(RecordsError) as caught:
        bank_call_records("AA0101\t1\n", tz=SITE_TZ)
    assert caught.value.errors[0].line == 1


def test_rows_whose_times_cannot_be_a_call_are_reported() -> None:
    queued = "AA0101\t1\t0\t0\tPS\t990101\t7:00:00\t7:00:05\t5\t7:00:05\t7:00:01\t-4\tHANG"
    negative = "AA0101\t2\t0\t0\tPS\t990101\t7:00:00\t7:00:05\t5\t7:00:05\t7:00:09\t4\tAGENT"
    text = "\n".join(
        [
            HEADER,
            f"{queued}\t0:00:00\t0:00:00\t0\tNO_SERVER",
            f"{negative}\t7:00:09\t7:00:08\t-1\tDANA",
        ]
    )
    with pytest.raises(RecordsError) as caught:
        bank_call_records(text, tz=SITE_TZ)
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "q_exit"), (3, "ser_time")]
