"""The seasonal forecasts of calls, the closed-day rule and the AHT forecast, per interval.

Every method forecasts the `days_ahead` days after the history's last day and looks only at
recorded days of the same weekday ("same-weekday days"), most recent first:
- seasonal_naive: the most recent same-weekday day, interval by interval;
- seasonal_baseline: the last BASELINE_WEEKS same-weekday days, weighted 4, 3, 2, 1 (the most
  recent weighs most; fewer days, the weights that remain, renormalised);
- exponential_smoothing: see `scheduling.forecast_smoothing`.
Shared by all three (`predict`):
- a day is closed, and forecast zero, when the history has no same-weekday day or the last
  BASELINE_WEEKS of them had no calls;
- AHT per interval is the calls-weighted mean AHT of the same interval on the last
  BASELINE_WEEKS same-weekday days, with AHT_PRIOR_CALLS calls at the queue's overall AHT
  added so that an interval with few calls leans on the overall figure (and one with none
  takes it). AHT does not depend on the method.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np

from scheduling.forecast_history import FloatArray, Forecast, History, Method
from scheduling.forecast_smoothing import exponential_smoothing

BASELINE_WEEKS = 4
AHT_PRIOR_CALLS = 30.0  # one interval's AHT is noisy: talk times vary about as much as their mean


def same_weekday_rows(history: History, day: date, weeks: int) -> list[int]:
    """Rows of the last `weeks` recorded days before `day` on its weekday, most recent first."""
    rows: list[int] = []
    for row in range(len(history.days) - 1, -1, -1):
        if len(rows) == weeks:
            break
        if history.days[row] < day and history.days[row].weekday() == day.weekday():
            rows.append(row)
    return rows


def seasonal_naive(history: History, days_ahead: int) -> FloatArray:
    """Calls per interval: the most recent recorded day of the same weekday (zeros if none)."""
    days = history.following_days(days_ahead)
    calls = np.zeros((len(days), history.intervals_per_day))
    for k, day in enumerate(days):
        rows = same_weekday_rows(history, day, 1)
        if rows:
            calls[k] = history.calls[rows[0]]
    return calls


def seasonal_baseline(history: History, days_ahead: int, weeks: int = BASELINE_WEEKS) -> FloatArray:
    """Calls per interval: the last `weeks` same-weekday days, weighted weeks, ..., 2, 1."""
    days = history.following_days(days_ahead)
    calls = np.zeros((len(days), history.intervals_per_day))
    for k, day in enumerate(days):
        rows = same_weekday_rows(history, day, weeks)
        if rows:
            weights = np.arange(weeks, weeks - len(rows), -1, dtype=np.float64)
            calls[k] = weights @ history.calls[rows] / weights.sum()
    return calls


def closed_days(history: History, days: tuple[date, ...]) -> list[bool]:
    """Per day: no same-weekday day in the history, or no calls on the last BASELINE_WEEKS."""
    closed: list[bool] = []
    for day in days:
        rows = same_weekday_rows(history, day, BASELINE_WEEKS)
        closed.append(not rows or not history.calls[rows].any())
    return closed


def overall_aht_seconds(history: History) -> float:
    """The calls-weighted mean AHT of every interval with an AHT; 0 when there is none."""
    weights = np.where(history.aht_seconds > 0, history.calls, 0.0)
    total = float(weights.sum())
    return float((weights * history.aht_seconds).sum()) / total if total > 0 else 0.0


def aht_forecast(history: History, days: tuple[date, ...]) -> FloatArray:
    """AHT (seconds) per interval: same-slot calls-weighted mean, pulled to the overall AHT."""
    overall = overall_aht_seconds(history)
    weights = np.where(history.aht_seconds > 0, history.calls, 0.0)
    aht = np.full((len(days), history.intervals_per_day), overall)
    for k, day in enumerate(days):
        rows = same_weekday_rows(history, day, BASELINE_WEEKS)
        if rows:
            weight = weights[rows].sum(axis=0) + AHT_PRIOR_CALLS
            handle = (weights[rows] * history.aht_seconds[rows]).sum(axis=0)
            np.divide(handle + AHT_PRIOR_CALLS * overall, weight, out=aht[k], where=weight > 0)
    return aht


_CALLS: dict[Method, Callable[[History, int], FloatArray]] = {
    "seasonal_naive": seasonal_naive,
    "seasonal_baseline": seasonal_baseline,
    "exponential_smoothing": exponential_smoothing,
}


def predict(history: History, days_ahead: int, method: Method) -> Forecast:
    """The forecast by one method, with the closed-day rule and the AHT forecast applied."""
    days = history.following_days(days_ahead)
    calls = np.clip(_CALLS[method](history, days_ahead), 0.0, None)
    calls[closed_days(history, days)] = 0.0
    aht = aht_forecast(history, days)
    return Forecast(history.queue, history.interval_minutes, method, days, calls, aht)
