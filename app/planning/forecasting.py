"""A queue's interval history from the database, and its forecast for a week.

The history is a days x intervals table of the site's local days (a day with rows is a
recorded day; its intervals without a row had no calls). `forecast_week` is the one place
that calls the forecasting (`scheduling.forecast`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, time, timedelta
from threading import Lock

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import IntervalHistory, Queue
from scheduling.forecast import History, forecast

FloatArray = npt.NDArray[np.float64]
HISTORY_WEEKS = 12


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
    """Calls and AHT for the week starting `monday` (history before it), by the method that
    did best in a backtest of the queue's own history (`scheduling.forecast`, "auto").

    The backtests take a few hundred milliseconds a queue, and a change of targets does not
    change the forecast: forecasts are kept per queue, week and exact history, in memory.
    """
    key = (history.queue.id, monday, _digest(history))
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
    if found is None:
        found = _forecast(history, monday)
        with _LOCK:
            _CACHE[key] = found
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    method, days, calls, aht = found
    return QueueForecast(history.queue, history.interval_minutes, method, days, calls, aht)


Computed = tuple[str, tuple[date, ...], FloatArray, FloatArray]
CACHE_SIZE = 256
_CACHE: OrderedDict[tuple[int, date, bytes], Computed] = OrderedDict()
_LOCK = Lock()


def _digest(history: QueueHistory) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((history.interval_minutes, history.days)).encode())
    digest.update(history.calls.tobytes())
    digest.update(history.aht_seconds.tobytes())
    return digest.digest()


def _forecast(history: QueueHistory, monday: date) -> Computed:
    recorded = History(
        str(history.queue.id), history.interval_minutes, history.days, history.calls,
        history.aht_seconds,
    )  # fmt: skip
    result = forecast(recorded, (monday - recorded.last_day).days + 6, "auto")
    return result.method, result.days[-7:], result.calls[-7:], result.aht_seconds[-7:]
