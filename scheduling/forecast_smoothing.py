"""Exponential smoothing with weekly and daily seasonality: daily totals x intraday profiles.

The model, a double-seasonal level/seasonal smoothing fitted per queue:
    calls(day d, interval i) = level x factor[weekday(d)] x profile[weekday(d)][i]
- `level` and the seven weekday `factor`s are multiplicative Holt-Winters on the daily
  totals with a period of 7 days (the weekly seasonality), without trend:
      level  <- alpha x total / factor + (1 - alpha) x level
      factor <- gamma x total / level + (1 - gamma) x factor
- `profile[w]` is the share of weekday w's calls in each interval (the daily seasonality; one
  shape per weekday, because Friday closes early and Saturday opens late), smoothed over the
  days of that weekday, then optionally over `width` neighbouring intervals (weights 1, 2, 1)
  within the intervals that ever had calls, which damps the noise of small counts:
      profile <- delta x shares + (1 - delta) x profile
Smoothing the day's total and its shape apart keeps closed hours and closed days at zero (a
zero factor or share stays zero) where a per-interval multiplicative model divides by zero
and an additive one forecasts calls at night. Start: the first recorded day sets the level
(so the level is in that day's units), the first day of each weekday sets its factor and
profile; an unrecorded day updates nothing; a day without calls leaves its profile alone.
A perfectly weekly-periodic history is therefore reproduced exactly (the fit picks width 0).

alpha, gamma, delta and width come from a grid (ALPHAS x GAMMAS x DELTAS x WIDTHS): the one
with the least absolute error, over every interval of the history after its first
FIT_HORIZON_DAYS days, of the forecasts made 1, 2, ..., FIT_HORIZON_DAYS days ahead (fitting
on a week ahead rather than the next day keeps the level from chasing a single busy day).
With nothing to score, DEFAULT applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

import numpy as np
import numpy.typing as npt

from scheduling.forecast_history import FloatArray, History

ALPHAS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.7)
GAMMAS = (0.05, 0.1, 0.2, 0.35, 0.5)
DELTAS = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
WIDTHS = (0, 1)
FIT_HORIZON_DAYS = 7
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Smoothing:
    """Rates in [0, 1] for the level (alpha), weekday factors (gamma), profiles (delta)."""

    alpha: float
    gamma: float
    delta: float
    width: int = 0  # intervals each side the profile is averaged over


DEFAULT = Smoothing(alpha=0.2, gamma=0.2, delta=0.35)


def _weekdays(history: History) -> IntArray:
    return np.array([day.weekday() for day in history.days], dtype=np.int64)


def smooth_totals(
    totals: FloatArray, weekdays: IntArray, alpha: float, gamma: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per day the level after it and the factor it was forecast with; the final factors.

    The factor is NaN on the day that starts a weekday (it sets the factor instead).
    """
    used = np.full(len(totals), np.nan)
    levels = np.zeros(len(totals))
    level = 0.0
    factors = np.full(7, np.nan)
    for t, (total, weekday) in enumerate(zip(totals.tolist(), weekdays.tolist(), strict=True)):
        factor = float(factors[weekday])
        if math.isnan(factor):
            if level > 0:
                factors[weekday] = total / level
            elif total > 0:
                level, factors[weekday] = total, 1.0
            else:
                factors[weekday] = 0.0
            levels[t] = level
            continue
        used[t] = factor
        new_level = alpha * total / factor + (1 - alpha) * level if factor > 0 else level
        if new_level > 0:
            factors[weekday] = gamma * total / new_level + (1 - gamma) * factor
        elif total > 0:  # the first calls after none at all: the level starts here
            new_level, factors[weekday] = total, 1.0
        level = levels[t] = new_level
    return levels, used, factors


def smooth_profiles(
    calls: FloatArray, weekdays: IntArray, delta: float
) -> tuple[FloatArray, FloatArray]:
    """One-day-ahead intraday shares per day (NaN rows before a weekday has calls), final ones."""
    predicted = np.full(calls.shape, np.nan)
    profiles = np.full((7, calls.shape[1]), np.nan)
    totals = calls.sum(axis=1)
    for t, weekday in enumerate(weekdays.tolist()):
        predicted[t] = profiles[weekday]
        if totals[t] <= 0:
            continue
        shares = calls[t] / totals[t]
        if np.isnan(profiles[weekday, 0]):
            profiles[weekday] = shares
        else:
            profiles[weekday] = delta * shares + (1 - delta) * profiles[weekday]
    return predicted, profiles


def spread(shares: FloatArray, width: int) -> FloatArray:
    """Shares averaged with `width` neighbours each side (1, 2, 1), in intervals with calls, sum 1.

    Rows of NaN (no profile yet) stay NaN.
    """
    if width == 0:
        return shares
    kernel = np.concatenate([np.arange(1, width + 2), np.arange(width, 0, -1)]).astype(float)
    padded = np.pad(np.nan_to_num(shares), ((0, 0), (width, width)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, len(kernel), axis=1)
    spread_shares: FloatArray = np.where(shares > 0, windows @ kernel, 0.0)
    totals = spread_shares.sum(axis=1, keepdims=True)
    out: FloatArray = np.divide(
        spread_shares, totals, out=np.zeros_like(spread_shares), where=totals > 0
    )
    out[np.isnan(shares[:, 0])] = np.nan
    return out


def fit_smoothing(history: History) -> Smoothing:
    """The grid's rates with the least absolute error of forecasts 1..FIT_HORIZON_DAYS ahead."""
    weekdays = _weekdays(history)
    totals = history.calls.sum(axis=1)
    pairs = list(product(ALPHAS, GAMMAS))
    runs = [smooth_totals(totals, weekdays, a, g) for a, g in pairs]
    levels = np.array([run[0] for run in runs])
    used = np.array([run[1] for run in runs])
    n = len(history.days)
    horizons = range(1, min(FIT_HORIZON_DAYS, n - 1) + 1)
    best_error, best = math.inf, DEFAULT
    for delta, width in product(DELTAS, WIDTHS):
        shares, _ = smooth_profiles(history.calls, weekdays, delta)
        shares = spread(shares, width)
        scored = ~np.isnan(used[0]) & ~np.isnan(shares[:, 0])
        scored[: max(horizons, default=n)] = False
        if not scored.any():
            return DEFAULT
        errors = np.zeros(len(pairs))
        for h in horizons:
            rows = np.flatnonzero(scored)
            predicted = (levels[:, rows - h] * used[:, rows])[:, :, None] * shares[None, rows]
            errors += np.abs(predicted - history.calls[None, rows]).sum(axis=(1, 2))
        k = int(np.argmin(errors))
        if errors[k] < best_error:
            (alpha, gamma), best_error = pairs[k], float(errors[k])
            best = Smoothing(alpha=alpha, gamma=gamma, delta=delta, width=width)
    return best


def exponential_smoothing(
    history: History, days_ahead: int, smoothing: Smoothing | None = None
) -> FloatArray:
    """Calls per interval: level x weekday factor x weekday profile (rates fitted if not given)."""
    days = history.following_days(days_ahead)
    rates = smoothing if smoothing is not None else fit_smoothing(history)
    weekdays = _weekdays(history)
    levels, _, factors = smooth_totals(
        history.calls.sum(axis=1), weekdays, rates.alpha, rates.gamma
    )
    _, profiles = smooth_profiles(history.calls, weekdays, rates.delta)
    profiles = spread(profiles, rates.width)
    calls = np.zeros((len(days), history.intervals_per_day))
    for k, day in enumerate(days):
        factor, profile = factors[day.weekday()], profiles[day.weekday()]
        if not np.isnan(factor) and not np.isnan(profile[0]):
            calls[k] = levels[-1] * factor * profile
    return calls
