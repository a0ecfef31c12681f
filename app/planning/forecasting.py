"""A queue's interval history from the database, and its forecast for a week.

The history is a days x intervals table of the site's local days (a day with rows is a
recorded day; its intervals without a row had no calls). `forecast_week` is the one place
that picks the forecasting method.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import IntervalHistory, Queue

FloatArray = npt.NDArray[np.float64]
HISTORY_WEEKS = 12
BASELINE_WEEKS = 4  # the private seasonal average: the last 4 same-weekday days


@dataclass(frozen=True, eq=False)
class QueueHistory:
    """Recorded local days of a queue: calls and AHT (seconds) per interval, days x intervals."""

    queue: Queue
    interval_minutes: int
    days: tuple[date, ...]
    calls: FloatArray
    aht_seconds: FloatArray


@dataclass(frozen=True, eq=False)
class QueueForecast:
    """Calls and AHT (seconds) per interval of the seven days of a week, and how."""

    queue: Queue
    interval_minutes: int
    method: str
    days: tuple[date, ...]
    calls: FloatArray
    aht_seconds: FloatArray

    def intervals(self) -> list[tuple[date, time, float, float]]:
        """(local day, wall-clock start, calls, aht_seconds) of every interval, in order."""
        step = self.interval_minutes
        return [
            (day, time(j * step // 60, j * step % 60), float(calls), float(aht))
            for day, day_calls, day_aht in zip(self.days, self.calls, self.aht_seconds, strict=True)
            for j, (calls, aht) in enumerate(zip(day_calls, day_aht, strict=True))
        ]


def load_history(
    db: Session, *, queue: Queue, before: date, weeks: int = HISTORY_WEEKS
) -> QueueHistory | None:
    """The queue's recorded days in the `weeks` before `before`; None when there are none."""
    rows = db.execute(
        select(
            IntervalHistory.local_date,
            IntervalHistory.interval_start,
            IntervalHistory.interval_minutes,
            IntervalHistory.calls,
            IntervalHistory.aht_seconds,
        )
        .where(
            IntervalHistory.queue_id == queue.id,
            IntervalHistory.local_date >= before - timedelta(weeks=weeks),
            IntervalHistory.local_date < before,
        )
        .order_by(IntervalHistory.local_date, IntervalHistory.interval_start)
    ).all()
    if not rows:
        return None
    step = rows[0].interval_minutes
    days = tuple(sorted({r.local_date for r in rows}))
    row_of = {day: k for k, day in enumerate(days)}
    calls = np.zeros((len(days), 1440 // step))
    aht = np.zeros_like(calls)
    for r in rows:
        column = (r.interval_start.hour * 60 + r.interval_start.minute) // step
        calls[row_of[r.local_date], column] = r.calls
        aht[row_of[r.local_date], column] = r.aht_seconds
    return QueueHistory(queue, step, days, calls, aht)


def forecast_week(history: QueueHistory, monday: date) -> QueueForecast:
    """Calls and AHT for the week starting `monday` (history before it)."""
    days = tuple(monday + timedelta(days=k) for k in range(7))
    calls, aht = _seasonal_average(history, days)
    return QueueForecast(
        history.queue, history.interval_minutes, "seasonal_average", days, calls, aht
    )


def _seasonal_average(
    history: QueueHistory, days: tuple[date, ...]
) -> tuple[FloatArray, FloatArray]:
    """Per day: the last BASELINE_WEEKS same-weekday days weighted 4, 3, 2, 1 (calls), and
    their calls-weighted AHT per interval (the queue's overall AHT where none was answered).

    A weekday the history never recorded forecasts zero calls (the center was closed).
    """
    weights_all = np.where(history.aht_seconds > 0, history.calls, 0.0)
    total = float(weights_all.sum())
    overall = float((weights_all * history.aht_seconds).sum()) / total if total else 0.0
    calls = np.zeros((len(days), history.calls.shape[1]))
    aht = np.full_like(calls, overall)
    for k, day in enumerate(days):
        rows = [r for r, d in enumerate(history.days) if d.weekday() == day.weekday()]
        rows = rows[::-1][:BASELINE_WEEKS]
        if not rows:
            continue
        weights = np.arange(BASELINE_WEEKS, BASELINE_WEEKS - len(rows), -1, dtype=np.float64)
        calls[k] = weights @ history.calls[rows] / weights.sum()
        slot_weights = weights_all[rows].sum(axis=0)
        handle = (weights_all[rows] * history.aht_seconds[rows]).sum(axis=0)
        np.divide(handle, slot_weights, out=aht[k], where=slot_weights > 0)
    return calls, aht
