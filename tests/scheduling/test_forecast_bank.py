"""Forecasts on a real month: the Anonymous Bank's January 1999 calls (Technion SEE lab).

kpi reads the file (scheduling may not import kpi; the tests may). January 11 and 12 are
missing from the data, so the history has a gap.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from kpi.anonymous_bank import parse_bank_calls, to_call_record
from kpi.records import seconds_between
from scheduling.forecast import METHODS, History, backtest, forecast, history_from_calls

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "anonymous_bank"
JANUARY = DATA / "january.txt"


@pytest.fixture(scope="module")
def january() -> History:
    if not JANUARY.exists():
        pytest.skip(f"the Anonymous Bank data is not at {DATA}")
    rows = parse_bank_calls(JANUARY.read_text())
    days = {row.day for row in rows}
    calls = []
    for row in rows:
        record = to_call_record(row, tz=ZoneInfo("Asia/Jerusalem"))
        if record is None or record.offered_at.date() not in days:
            continue
        handle = None
        if record.answered_at is not None and record.ended_at is not None:
            handle = seconds_between(record.answered_at, record.ended_at)
        calls.append((record.offered_at.replace(tzinfo=None), handle))
    return history_from_calls("all queues", 30, days, calls)


def test_january_history_has_the_missing_days_as_a_gap(january: History) -> None:
    assert len(january.days) == 29
    assert date(1999, 1, 11) not in january.days and date(1999, 1, 12) not in january.days
    assert 29_000 < january.calls.sum() < 31_000


def test_every_method_backtests_within_reason_and_smoothing_beats_naive(
    january: History,
) -> None:
    results = {method: backtest(january, method, horizon_days=7, folds=3) for method in METHODS}
    for result in results.values():
        assert 0.1 < result.wape < 0.45
        assert abs(result.bias) < 0.3
    assert results["exponential_smoothing"].wape < results["seasonal_naive"].wape


def test_forecast_of_the_first_week_of_february(january: History) -> None:
    result = forecast(january, 7)
    assert result.days[0] == date(1999, 2, 1)
    assert (result.calls >= 0).all()
    assert result.calls[:, 4:12].sum() < 10  # 02:00-06:00: the center is closed
    daily = result.calls.sum(axis=1)
    last_week = january.calls[-7:].sum(axis=1)  # Monday 25 to Sunday 31: the same weekdays
    np.testing.assert_allclose(daily, last_week, rtol=0.35)
    busy = result.calls > 1
    assert ((result.aht_seconds[busy] > 60) & (result.aht_seconds[busy] < 400)).all()
