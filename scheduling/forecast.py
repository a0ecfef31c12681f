"""Forecast calls and AHT per interval for the coming days, and backtest the methods.

`forecast(history, days_ahead, method="auto")` forecasts the days after the history's last day
by one of METHODS (see `scheduling.forecast_methods`) or, with "auto", by the one
`choose_method` picks: the least WAPE in a backtest of the queue's own history.
`backtest` forecasts each of the last `folds` windows of `horizon_days` days from the
recorded days before it and compares with what happened:
    WAPE = sum |forecast - actual| / sum actual      (over every interval, 0 is perfect)
    bias = sum (forecast - actual) / sum actual      (> 0: forecasts too many calls)
Windows are calendar days; unrecorded days in a window are not scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np

from scheduling.forecast_history import (
    METHODS,
    FloatArray,
    Forecast,
    History,
    Method,
    history_from_calls,
)
from scheduling.forecast_methods import predict, seasonal_baseline, seasonal_naive
from scheduling.forecast_smoothing import Smoothing, exponential_smoothing, fit_smoothing

__all__ = [
    "METHODS",
    "PREFERENCE",
    "Backtest",
    "Choice",
    "Fold",
    "Forecast",
    "History",
    "Method",
    "Smoothing",
    "backtest",
    "bias",
    "choose_method",
    "exponential_smoothing",
    "fit_smoothing",
    "forecast",
    "history_from_calls",
    "seasonal_baseline",
    "seasonal_naive",
    "wape",
]

Choice = Method | Literal["auto"]
# On a tie (a one-week history makes all three the same) the averaging method goes first.
PREFERENCE: tuple[Method, ...] = ("seasonal_baseline", "exponential_smoothing", "seasonal_naive")
WEEK_DAYS = 7


def wape(forecast: FloatArray, actual: FloatArray) -> float:
    """Sum of absolute errors over sum of actuals; 0 (or inf) when there were no calls."""
    error, total = float(np.abs(forecast - actual).sum()), float(actual.sum())
    return error / total if total > 0 else (0.0 if error == 0 else math.inf)


def bias(forecast: FloatArray, actual: FloatArray) -> float:
    """Sum of errors over sum of actuals, > 0 when over; 0 (or inf) when there were no calls."""
    error, total = float((forecast - actual).sum()), float(actual.sum())
    return error / total if total > 0 else (0.0 if error == 0 else math.inf)


@dataclass(frozen=True, slots=True)
class Fold:
    """One backtest window: its first day, the method used, and how the forecast did."""

    start: date
    method: Method
    actual_calls: float
    wape: float
    bias: float


@dataclass(frozen=True, slots=True)
class Backtest:
    """A method's backtest: WAPE and bias over all folds' intervals together, and per fold."""

    method: Choice
    horizon_days: int
    wape: float
    bias: float
    actual_calls: float
    folds: tuple[Fold, ...]


def forecast(history: History, days_ahead: int, method: Choice = "auto") -> Forecast:
    """Calls and AHT per interval for the days_ahead days after the history's last day."""
    chosen = choose_method(history) if method == "auto" else method
    return predict(history, days_ahead, chosen)


def backtest(
    history: History, method: Choice, *, horizon_days: int = WEEK_DAYS, folds: int = 3
) -> Backtest:
    """Forecast each of the last `folds` windows of horizon_days days from the days before it.

    ValueError when a window has no recorded day before it.
    """
    if horizon_days < 1 or folds < 1:
        raise ValueError("horizon_days and folds must be >= 1")
    results: list[Fold] = []
    forecasts: list[FloatArray] = []
    actuals: list[FloatArray] = []
    for k in range(folds, 0, -1):
        start = history.last_day - timedelta(days=k * horizon_days - 1)
        end = start + timedelta(days=horizon_days - 1)
        if start <= history.days[0]:
            raise ValueError(f"no recorded day before the backtest window starting {start}")
        predicted, actual, used = _fold(history, start, end, method)
        results.append(Fold(start, used, float(actual.sum()), wape(predicted, actual),
                            bias(predicted, actual)))  # fmt: skip
        forecasts.append(predicted)
        actuals.append(actual)
    predicted, actual = np.concatenate(forecasts), np.concatenate(actuals)
    return Backtest(
        method, horizon_days, wape(predicted, actual), bias(predicted, actual),
        float(actual.sum()), tuple(results),
    )  # fmt: skip


def _fold(
    history: History, start: date, end: date, method: Choice
) -> tuple[FloatArray, FloatArray, Method]:
    """Forecast and actual calls on the recorded days from start to end, and the method used."""
    train = history.before(start)
    result = forecast(train, (end - train.last_day).days, method)
    scored = [day for day in history.days if start <= day <= end]
    rows = [result.days.index(day) for day in scored]
    actual_rows = [history.days.index(day) for day in scored]
    return result.calls[rows], history.calls[actual_rows], result.method


def choose_method(history: History, *, horizon_days: int = WEEK_DAYS, folds: int = 3) -> Method:
    """The method with the least backtest WAPE (on a tie, the first in PREFERENCE).

    Uses as many folds (up to `folds`) as leave at least a week before the first; with none,
    the first in PREFERENCE.
    """
    span_days = (history.last_day - history.days[0]).days + 1
    usable = min(folds, (span_days - WEEK_DAYS) // horizon_days)
    if usable < 1:
        return PREFERENCE[0]
    scores = [
        backtest(history, method, horizon_days=horizon_days, folds=usable).wape
        for method in PREFERENCE
    ]
    return PREFERENCE[scores.index(min(scores))]
