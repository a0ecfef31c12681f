"""Backtest and method choice: WAPE and bias on hand cases, folds, and picking the better method."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from test_forecast import INTERVALS, MONDAY, make_history, noisy_weeks, week_pattern

from scheduling.forecast import (
    METHODS,
    PREFERENCE,
    backtest,
    bias,
    choose_method,
    forecast,
    seasonal_naive,
    wape,
)


def test_wape_and_bias_on_a_hand_case() -> None:
    predicted, actual = np.array([2.0, 0.0, 3.0]), np.array([1.0, 1.0, 2.0])
    assert wape(predicted, actual) == pytest.approx(3 / 4)
    assert bias(predicted, actual) == pytest.approx(1 / 4)
    assert bias(actual, predicted) == pytest.approx(-1 / 5)
    assert wape(actual, actual) == 0.0 and bias(actual, actual) == 0.0


def test_wape_and_bias_without_actual_calls() -> None:
    zeros = np.zeros(3)
    assert wape(zeros, zeros) == 0.0 and bias(zeros, zeros) == 0.0
    assert math.isinf(wape(np.ones(3), zeros)) and math.isinf(bias(np.ones(3), zeros))


def test_backtest_forecasts_each_window_from_the_days_before_it() -> None:
    history = make_history(noisy_weeks(5))
    result = backtest(history, "seasonal_naive", horizon_days=7, folds=3)
    starts = [MONDAY + timedelta(days=7 * k) for k in (2, 3, 4)]
    assert [fold.start for fold in result.folds] == starts
    predicted = np.concatenate([history.calls[7 * k - 7 : 7 * k] for k in (2, 3, 4)])
    actual = history.calls[14:]
    assert result.wape == pytest.approx(wape(predicted, actual))
    assert result.bias == pytest.approx(bias(predicted, actual))
    assert result.actual_calls == actual.sum()
    first = history.calls[14:21]
    assert result.folds[0].wape == pytest.approx(
        wape(seasonal_naive(history.before(starts[0]), 7), first)
    )


def test_backtest_of_a_perfectly_weekly_series_is_exact() -> None:
    history = make_history(np.tile(week_pattern(5), (5, 1)))
    for method in (*METHODS, "auto"):
        result = backtest(history, method, folds=3)  # type: ignore[arg-type]
        assert result.wape == pytest.approx(0.0, abs=1e-9)
        assert result.bias == pytest.approx(0.0, abs=1e-9)


def test_backtest_skips_unrecorded_days() -> None:
    calls = noisy_weeks(3)
    days = [MONDAY + timedelta(days=k) for k in range(21) if k not in (15, 16)]
    history = make_history(np.delete(calls, [15, 16], axis=0), days=days)
    result = backtest(history, "seasonal_naive", horizon_days=7, folds=1)
    assert result.actual_calls == calls[14:].sum() - calls[15:17].sum()


def test_backtest_needs_a_day_before_every_window() -> None:
    with pytest.raises(ValueError, match="no recorded day before"):
        backtest(make_history(noisy_weeks(2)), "seasonal_naive", horizon_days=7, folds=2)


def growing(weeks: int, weekly_growth: float) -> np.ndarray:
    """A weekly pattern whose volume grows every day, by weekly_growth a week."""
    days = np.arange(7 * weeks)
    scale = (1 + weekly_growth) ** (days / 7)
    return np.tile(week_pattern(7), (weeks, 1)) * scale[:, None]


def test_choose_method_takes_smoothing_when_volume_keeps_growing() -> None:
    history = make_history(growing(6, 0.10))
    scores = {m: backtest(history, m).wape for m in METHODS}
    assert scores["exponential_smoothing"] < scores["seasonal_naive"] < scores["seasonal_baseline"]
    assert choose_method(history) == "exponential_smoothing"


def test_choose_method_avoids_seasonal_naive_on_noisy_stable_volume() -> None:
    history = make_history(noisy_weeks(8, seed=11))
    scores = {m: backtest(history, m).wape for m in METHODS}
    assert scores["seasonal_baseline"] < scores["seasonal_naive"]
    assert scores["exponential_smoothing"] < scores["seasonal_naive"]
    assert choose_method(history) == min(scores, key=lambda m: scores[m])
    assert choose_method(history) != "seasonal_naive"


def test_choose_method_with_too_short_a_history_takes_the_first_preference() -> None:
    assert choose_method(make_history(noisy_weeks(1))) == PREFERENCE[0]
    assert forecast(make_history(noisy_weeks(1)), 7).method == PREFERENCE[0]


def test_auto_forecast_uses_the_chosen_method() -> None:
    history = make_history(growing(6, 0.10))
    chosen = forecast(history, 7)
    assert chosen.method == "exponential_smoothing"
    np.testing.assert_array_equal(chosen.calls, forecast(history, 7, "exponential_smoothing").calls)


def test_a_history_with_a_long_gap_still_forecasts() -> None:
    calls = noisy_weeks(6)
    days = [MONDAY + timedelta(days=k) for k in range(21)]
    days += [date(2024, 9, 2) + timedelta(days=k) for k in range(21)]  # also Mondays
    history = make_history(calls, days=days)
    for method in (*METHODS, "auto"):
        result = forecast(history, 7, method)  # type: ignore[arg-type]
        assert result.days[0] == date(2024, 9, 23)
        assert result.calls.shape == (7, INTERVALS) and (result.calls >= 0).all()
        assert result.calls[:5].sum() > 0
