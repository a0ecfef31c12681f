"""Forecast methods: properties on synthetic histories (bounds, closed days, exact recovery)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from scheduling.forecast import (
    METHODS,
    Choice,
    History,
    forecast,
    history_from_calls,
    seasonal_baseline,
    seasonal_naive,
)
from scheduling.forecast_methods import AHT_PRIOR_CALLS

MONDAY = date(2024, 1, 1)
INTERVALS = 48  # 30-minute intervals
CHOICES: tuple[Choice, ...] = (*METHODS, "auto")


def make_history(
    calls: np.ndarray,
    aht: np.ndarray | None = None,
    start: date = MONDAY,
    days: list[date] | None = None,
) -> History:
    rows = calls.shape[0]
    recorded = days if days is not None else [start + timedelta(days=k) for k in range(rows)]
    aht_seconds = aht if aht is not None else np.where(calls > 0, 180.0, 0.0)
    return History("PS", 1440 // calls.shape[1], tuple(recorded), calls, aht_seconds)


def week_pattern(seed: int = 0) -> np.ndarray:
    """7 days x 48 intervals: open 07:00-24:00, Friday until 14:00, Saturday closed."""
    rng = np.random.default_rng(seed)
    pattern = np.zeros((7, INTERVALS))
    for weekday in range(7):
        last = 28 if weekday == 4 else INTERVALS
        if weekday != 5:
            pattern[weekday, 14:last] = rng.uniform(5, 40, last - 14)
    return pattern


def noisy_weeks(weeks: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.poisson(np.tile(week_pattern(seed), (weeks, 1))).astype(float)


@pytest.mark.parametrize("method", CHOICES)
def test_forecasts_are_non_negative_with_the_history_shape(method: Choice) -> None:
    history = make_history(noisy_weeks(5))
    result = forecast(history, 10, method)
    assert result.calls.shape == result.aht_seconds.shape == (10, INTERVALS)
    assert result.days[0] == history.last_day + timedelta(days=1)
    assert list(result.days) == [result.days[0] + timedelta(days=k) for k in range(10)]
    assert (result.calls >= 0).all() and (result.aht_seconds >= 0).all()
    assert result.method in METHODS
    assert method == "auto" or result.method == method


@pytest.mark.parametrize("method", CHOICES)
def test_closed_days_and_closed_hours_forecast_zero(method: Choice) -> None:
    history = make_history(noisy_weeks(6))
    result = forecast(history, 14, method)
    saturdays = [k for k, day in enumerate(result.days) if day.weekday() == 5]
    assert saturdays and not result.calls[saturdays].any()
    assert not result.calls[:, :14].any()  # before 07:00
    fridays = [k for k, day in enumerate(result.days) if day.weekday() == 4]
    assert not result.calls[fridays, 28:].any()  # Friday after 14:00


@pytest.mark.parametrize("method", CHOICES)
def test_a_weekday_the_history_never_saw_forecasts_zero(method: Choice) -> None:
    history = make_history(noisy_weeks(1)[:3])  # Monday to Wednesday only
    result = forecast(history, 7, method)
    assert not result.calls[:4].any()  # Thursday to Sunday
    assert all(result.calls[k].any() for k in (4, 5, 6))  # the next Monday to Wednesday


@pytest.mark.parametrize("method", CHOICES)
def test_a_weekday_closed_for_the_last_four_weeks_forecasts_zero(method: Choice) -> None:
    calls = noisy_weeks(7)
    calls[-28:][[k for k in range(28) if (MONDAY + timedelta(days=k)).weekday() == 2]] = 0.0
    result = forecast(make_history(calls), 7, method)
    wednesday = next(k for k, day in enumerate(result.days) if day.weekday() == 2)
    assert not result.calls[wednesday].any()
    assert result.calls.sum() > 0


@pytest.mark.parametrize("method", CHOICES)
def test_a_perfectly_weekly_series_is_recovered_exactly(method: Choice) -> None:
    pattern = week_pattern(3)
    history = make_history(np.tile(pattern, (5, 1)))
    result = forecast(history, 14, method)
    expected = np.tile(pattern, (2, 1))
    np.testing.assert_allclose(result.calls, expected, rtol=1e-9, atol=1e-9)


def test_seasonal_naive_repeats_the_last_week() -> None:
    history = make_history(noisy_weeks(4))
    result = seasonal_naive(history, 14)
    np.testing.assert_array_equal(result[:7], history.calls[-7:])
    np.testing.assert_array_equal(result[7:], history.calls[-7:])


def test_seasonal_naive_skips_an_unrecorded_day() -> None:
    calls = noisy_weeks(3)
    days = [MONDAY + timedelta(days=k) for k in range(21) if k != 14]  # week 3's Monday
    history = make_history(np.delete(calls, 14, axis=0), days=days)
    result = seasonal_naive(history, 7)
    np.testing.assert_array_equal(result[0], calls[7])  # the Monday a week before the gap
    np.testing.assert_array_equal(result[1:], calls[15:])


def test_seasonal_baseline_weights_recent_weeks_4_3_2_1() -> None:
    weekly_level = np.repeat([1.0, 2.0, 3.0], 7)[:, None] * np.ones((1, INTERVALS))
    result = seasonal_baseline(make_history(weekly_level), 7)
    np.testing.assert_allclose(result, (4 * 3 + 3 * 2 + 2 * 1) / 9)
    five_weeks = np.repeat([9.0, 1.0, 2.0, 3.0, 4.0], 7)[:, None] * np.ones((1, INTERVALS))
    result = seasonal_baseline(make_history(five_weeks), 7)
    np.testing.assert_allclose(result, (4 * 4 + 3 * 3 + 2 * 2 + 1 * 1) / 10)  # week 1 dropped


def test_aht_is_the_calls_weighted_mean_leaning_on_the_overall_aht() -> None:
    calls = np.zeros((14, INTERVALS))
    aht = np.zeros((14, INTERVALS))
    calls[0, 20], aht[0, 20] = 10, 100.0  # Monday of week 1
    calls[7, 20], aht[7, 20] = 30, 200.0  # Monday of week 2
    calls[7, 30] = 5  # abandoned only: no AHT
    result = forecast(make_history(calls, aht), 7, "seasonal_baseline")
    overall = (10 * 100 + 30 * 200) / 40
    expected = (10 * 100 + 30 * 200 + AHT_PRIOR_CALLS * overall) / (40 + AHT_PRIOR_CALLS)
    assert result.aht_seconds[0, 20] == pytest.approx(expected)
    assert result.aht_seconds[0, 30] == pytest.approx(overall)
    assert result.aht_seconds[1, 20] == pytest.approx(overall)  # Tuesday: no calls at all


def test_history_from_calls_counts_offered_and_averages_answered() -> None:
    day = date(1999, 10, 3)
    calls = [
        (datetime(1999, 10, 3, 9, 0, 5), 100.0),
        (datetime(1999, 10, 3, 9, 29, 59), 200.0),
        (datetime(1999, 10, 3, 9, 30), None),
    ]
    history = history_from_calls("PS", 30, [day, day + timedelta(days=2)], calls)
    assert history.days == (day, day + timedelta(days=2))
    assert history.calls[0, 18] == 2 and history.calls[0, 19] == 1 and history.calls.sum() == 3
    assert history.aht_seconds[0, 18] == 150.0 and history.aht_seconds[0, 19] == 0.0
    with pytest.raises(ValueError, match="not a recorded day"):
        history_from_calls("PS", 30, [day], [(datetime(1999, 10, 4, 9), 60.0)])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"interval_minutes": 7}, "divide a day"),
        ({"days": ()}, "at least one"),
        ({"days": (MONDAY, MONDAY)}, "strictly increasing"),
        ({"calls": -np.ones((2, INTERVALS))}, ">= 0"),
        ({"aht_seconds": np.full((2, INTERVALS), np.nan)}, "finite"),
        ({"calls": np.ones((2, 47))}, "shape"),
    ],
)
def test_history_refuses_impossible_tables(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "queue": "PS", "interval_minutes": 30, "days": (MONDAY, MONDAY + timedelta(days=1)),
        "calls": np.ones((2, INTERVALS)), "aht_seconds": np.ones((2, INTERVALS)),
    }  # fmt: skip
    with pytest.raises(ValueError, match=message):
        History(**(fields | change))  # type: ignore[arg-type]


def test_history_tables_are_read_only_copies() -> None:
    calls = np.ones((1, INTERVALS))
    history = make_history(calls)
    calls[0, 0] = 99
    assert history.calls[0, 0] == 1
    with pytest.raises(ValueError, match="read-only"):
        history.calls[0, 0] = 5


def test_forecast_intervals_are_in_time_order_with_local_starts() -> None:
    result = forecast(make_history(noisy_weeks(2)), 2, "seasonal_naive")
    rows = list(result.intervals())
    assert len(rows) == 2 * INTERVALS
    assert rows[0][0] == datetime(2024, 1, 15, 0, 0)
    assert rows[INTERVALS + 15][0] == datetime(2024, 1, 16, 7, 30)
    assert rows[15][1] == result.calls[0, 15]


def test_days_ahead_must_be_at_least_one() -> None:
    with pytest.raises(ValueError, match="days_ahead"):
        forecast(make_history(noisy_weeks(1)), 0)


@pytest.mark.parametrize("method", CHOICES)
def test_quarter_hour_intervals(method: Choice) -> None:
    calls = np.repeat(noisy_weeks(4), 2, axis=1) / 2  # 96 quarter-hours a day
    history = make_history(calls)
    assert history.interval_minutes == 15
    result = forecast(history, 7, method)
    assert result.calls.shape == (7, 96) and (result.calls >= 0).all()
    assert not result.calls[:, :28].any()  # before 07:00
