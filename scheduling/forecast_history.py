"""A queue's history and its forecast: calls and AHT (seconds) per interval of each local day."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Method = Literal["seasonal_naive", "seasonal_baseline", "exponential_smoothing"]
METHODS: tuple[Method, ...] = ("seasonal_naive", "seasonal_baseline", "exponential_smoothing")
MINUTES_PER_DAY = 24 * 60


def intervals_per_day(interval_minutes: int) -> int:
    """How many intervals of `interval_minutes` make a day; ValueError unless they divide it."""
    if isinstance(interval_minutes, bool) or not isinstance(interval_minutes, int):
        raise ValueError("interval_minutes must be a whole number of minutes")
    if interval_minutes <= 0 or MINUTES_PER_DAY % interval_minutes:
        raise ValueError(f"interval_minutes must divide a day, got {interval_minutes}")
    return MINUTES_PER_DAY // interval_minutes


def _table(name: str, values: FloatArray, rows: int, columns: int) -> FloatArray:
    """A read-only copy of a days x intervals table of finite, non-negative figures."""
    table = np.array(values, dtype=np.float64)
    if table.shape != (rows, columns):
        raise ValueError(f"{name} has shape {table.shape}, expected ({rows}, {columns})")
    if not np.all(np.isfinite(table)) or np.any(table < 0):
        raise ValueError(f"{name} must be finite and >= 0")
    table.setflags(write=False)
    return table


@dataclass(frozen=True, eq=False, slots=True)
class History:
    """A queue's recorded days: calls offered and AHT (seconds) per interval of each day.

    Row k of `calls` and `aht_seconds` is `days[k]`; column j is the interval starting
    j x interval_minutes after local midnight. Days are strictly increasing. A date missing
    from `days` was not recorded, which is not a closed day: a closed day is recorded with no
    calls. `aht_seconds` is the mean handle time of the interval's answered calls, 0 where
    none was answered (such intervals carry no weight in AHT forecasts).
    """

    queue: str
    interval_minutes: int
    days: tuple[date, ...]
    calls: FloatArray
    aht_seconds: FloatArray

    def __post_init__(self) -> None:
        columns = intervals_per_day(self.interval_minutes)
        if not self.days:
            raise ValueError("a history needs at least one recorded day")
        if any(later <= earlier for earlier, later in pairwise(self.days)):
            raise ValueError("days must be strictly increasing")
        rows = len(self.days)
        object.__setattr__(self, "calls", _table("calls", self.calls, rows, columns))
        aht = _table("aht_seconds", self.aht_seconds, rows, columns)
        object.__setattr__(self, "aht_seconds", aht)

    @property
    def intervals_per_day(self) -> int:
        """Intervals in a day: 48 for 30-minute intervals."""
        return int(self.calls.shape[1])

    @property
    def last_day(self) -> date:
        """The last recorded day; forecasts start the day after."""
        return self.days[-1]

    def following_days(self, days_ahead: int) -> tuple[date, ...]:
        """The days_ahead days after the last day; ValueError unless days_ahead >= 1."""
        if isinstance(days_ahead, bool) or not isinstance(days_ahead, int) or days_ahead < 1:
            raise ValueError(f"days_ahead must be a whole number >= 1, got {days_ahead!r}")
        return tuple(self.last_day + timedelta(days=k) for k in range(1, days_ahead + 1))

    def before(self, day: date) -> History:
        """The recorded days strictly before `day`; ValueError when there are none."""
        n = bisect_left(self.days, day)
        return History(
            self.queue, self.interval_minutes, self.days[:n], self.calls[:n], self.aht_seconds[:n]
        )


def history_from_calls(
    queue: str,
    interval_minutes: int,
    days: Iterable[date],
    calls: Iterable[tuple[datetime, float | None]],
) -> History:
    """A history from calls as (offered at, local wall clock; handle seconds, None if unanswered).

    `days` are the recorded days (a recorded day without calls is a closed day); a call on
    any other day raises ValueError, since it would make that day recorded after all.
    """
    recorded = sorted(set(days))
    row_of = {day: row for row, day in enumerate(recorded)}
    columns = intervals_per_day(interval_minutes)
    offered = np.zeros((len(recorded), columns))
    answered = np.zeros((len(recorded), columns))
    handle_seconds = np.zeros((len(recorded), columns))
    for offered_at, handled in calls:
        row = row_of.get(offered_at.date())
        if row is None:
            raise ValueError(f"a call on {offered_at.date()}, which is not a recorded day")
        column = (offered_at.hour * 60 + offered_at.minute) // interval_minutes
        offered[row, column] += 1
        if handled is not None:
            answered[row, column] += 1
            handle_seconds[row, column] += handled
    aht = np.divide(handle_seconds, answered, out=np.zeros_like(answered), where=answered > 0)
    return History(queue, interval_minutes, tuple(recorded), offered, aht)


@dataclass(frozen=True, eq=False, slots=True)
class Forecast:
    """Calls and AHT (seconds) per interval for the days after a history, and the method used."""

    queue: str
    interval_minutes: int
    method: Method
    days: tuple[date, ...]
    calls: FloatArray
    aht_seconds: FloatArray

    def __post_init__(self) -> None:
        columns = intervals_per_day(self.interval_minutes)
        rows = len(self.days)
        object.__setattr__(self, "calls", _table("calls", self.calls, rows, columns))
        aht = _table("aht_seconds", self.aht_seconds, rows, columns)
        object.__setattr__(self, "aht_seconds", aht)

    def intervals(self) -> Iterator[tuple[datetime, float, float]]:
        """(local start, calls, aht_seconds) of every interval, in time order."""
        step = timedelta(minutes=self.interval_minutes)
        for row, day in enumerate(self.days):
            start = datetime.combine(day, time())
            for column in range(self.calls.shape[1]):
                yield (
                    start + column * step,
                    float(self.calls[row, column]),
                    float(self.aht_seconds[row, column]),
                )
