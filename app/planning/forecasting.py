"""A queue's interval history from the database, and its forecast for a week.

The history is a days x intervals table of the site's local days (a day with rows is a
recorded day; its intervals without a row had no calls). `forecast_week` is the one place
that calls the forecasting (`scheduling.forecast`); forecasts are stored per queue and week
with a digest of the history they came from, since choosing the method takes a while.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, time, timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import IntervalHistory, Queue, StoredForecast
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
    did best in a backtest of the queue's own history (`scheduling.forecast`, "auto")."""
    recorded = History(
        str(history.queue.id), history.interval_minutes, history.days, history.calls,
        history.aht_seconds,
    )  # fmt: skip
    result = forecast(recorded, (monday - recorded.last_day).days + 6, "auto")
    return QueueForecast(
        history.queue, history.interval_minutes, result.method, result.days[-7:],
        result.calls[-7:], result.aht_seconds[-7:],
    )  # fmt: skip


def digest(history: QueueHistory) -> str:
    """A fingerprint of the history a forecast was made from (hex)."""
    hashed = hashlib.blake2b(digest_size=16)
    hashed.update(repr((history.interval_minutes, history.days)).encode())
    hashed.update(history.calls.tobytes())
    hashed.update(history.aht_seconds.tobytes())
    return hashed.hexdigest()


def stored_forecast(db: Session, *, history: QueueHistory, monday: date) -> QueueForecast | None:
    """The stored forecast of the week, if it was made from exactly this history."""
    row = db.scalar(
        select(StoredForecast).where(
            StoredForecast.queue_id == history.queue.id, StoredForecast.week_start == monday
        )
    )
    if row is None or row.history_digest != digest(history):
        return None
    days = tuple(monday + timedelta(days=k) for k in range(7))
    return QueueForecast(
        history.queue, row.interval_minutes, row.method, days,
        np.array(row.calls, dtype=np.float64), np.array(row.aht_seconds, dtype=np.float64),
    )  # fmt: skip


def store_forecast(db: Session, *, history: QueueHistory, result: QueueForecast) -> None:
    """Keep `result` for its queue and week (replacing an older one); flushes.

    Two requests storing the same week at once: the second finds the first's row and
    leaves it (both forecasts come from the same history).
    """
    monday = result.days[0]
    values = {
        "history_digest": digest(history),
        "method": result.method,
        "interval_minutes": result.interval_minutes,
        "calls": result.calls.tolist(),
        "aht_seconds": result.aht_seconds.tolist(),
        "computed_at": utcnow(),
    }
    row = db.scalar(
        select(StoredForecast).where(
            StoredForecast.queue_id == history.queue.id, StoredForecast.week_start == monday
        )
    )
    if row is not None:
        for key, value in values.items():
            setattr(row, key, value)
        db.flush()
        return
    try:
        with db.begin_nested():
            db.add(StoredForecast(queue_id=history.queue.id, week_start=monday, **values))
    except IntegrityError:
        pass
