"""Arrival rates per queue and 15-minute interval, and the bank's handling times, for a site.

The shape comes from the Anonymous Bank (bank_table.py); `scale` sizes it to the center.
The bank was closed at night and on Saturday mornings; the demo center works around the
clock (it has a Night team), so closed intervals get a trickle: `floor_share` of the day's
busiest interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from app.simulator.bank_table import (
    CALLS_PER_INTERVAL,
    PATIENCE_MEAN_SECONDS,
    QUEUE_SHARE,
    SERVICE_LOG_SECONDS,
)

INTERVAL_SECONDS = 900
PROFILES = tuple(QUEUE_SHARE)
OPEN_CALLS = 1.0  # an interval with at least this many bank calls counts as open when sizing
WEEKDAYS = range(5)


@dataclass(frozen=True)
class QueueProfile:
    """How one queue's calls behave: share of the day's calls, talk time, patience."""

    profile: str
    talk_log_mean: float
    talk_log_sd: float
    patience_mean_seconds: float

    @property
    def talk_mean_seconds(self) -> float:
        """Mean of the lognormal talk time, seconds."""
        return math.exp(self.talk_log_mean + self.talk_log_sd**2 / 2)


def profile_for(queue: str, index: int) -> QueueProfile:
    """The bank profile of a site's queue: by name for the demo's queues, else in turn."""
    name = queue if queue in QUEUE_SHARE else PROFILES[index % len(PROFILES)]
    mean, sd = SERVICE_LOG_SECONDS[name]
    return QueueProfile(name, mean, sd, PATIENCE_MEAN_SECONDS[name])


@dataclass(frozen=True)
class Demand:
    """Expected calls per queue and interval for a site in time zone `tz`."""

    queues: dict[str, QueueProfile]
    tz: tzinfo
    scale: float = 1.0
    floor_share: float = 0.05

    @classmethod
    def for_queues(cls, queues: Sequence[str], *, tz: tzinfo, scale: float = 1.0) -> Demand:
        """The site's queues mapped onto the bank's profiles."""
        profiles = {queue: profile_for(queue, i) for i, queue in enumerate(queues)}
        return cls(queues=profiles, tz=tz, scale=scale)

    def total_calls(self, weekday: int, slot: int) -> float:
        """The bank's calls in one interval of a local weekday, floored, before scaling."""
        calls = CALLS_PER_INTERVAL[weekday]
        return max(calls[slot], self.floor_share * max(calls))

    def expected_calls(self, queue: str, weekday: int, slot: int) -> float:
        """Expected calls offered to `queue` in one interval (0 = 00:00-00:15 local)."""
        share = QUEUE_SHARE[self.queues[queue].profile][weekday]
        return self.scale * share * self.total_calls(weekday, slot)

    def rate_at(self, queue: str, at: float) -> tuple[float, float]:
        """Calls per second at epoch second `at`, and the epoch second the interval ends."""
        local = datetime.fromtimestamp(at, self.tz)
        into = (local.minute % 15) * 60 + local.second + local.microsecond / 1e6
        slot = (local.hour * 60 + local.minute) // 15
        expected = self.expected_calls(queue, local.weekday(), slot)
        return expected / INTERVAL_SECONDS, at - into + INTERVAL_SECONDS


def fit_scale(
    *,
    shift_spans: Iterable[tuple[datetime, datetime]],
    tz: tzinfo,
    queues: Sequence[str],
    wrap_mean_seconds: float,
    target_occupancy: float = 0.8,
) -> float:
    """The scale at which a weekday's open hours keep the scheduled agents this busy.

    Agent time counts in the intervals the bank was open, on Monday to Friday; the work is
    calls x (mean talk + wrap-up). 1.0 (the bank's own size) when nobody works a weekday.
    """
    base = Demand.for_queues(queues, tz=tz)
    staffed, work, days = 0.0, 0.0, set()
    for starts_at, ends_at in shift_spans:
        local = starts_at.astimezone(tz)
        at = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
        while at < ends_at:
            if at.weekday() in WEEKDAYS and _bank_open(at):
                staffed += INTERVAL_SECONDS
                days.add(at.date())
            at = (at + timedelta(minutes=15)).astimezone(tz)
    for day in days:
        for slot in range(96):
            if CALLS_PER_INTERVAL[day.weekday()][slot] >= OPEN_CALLS:
                work += sum(
                    base.expected_calls(q, day.weekday(), slot)
                    * (base.queues[q].talk_mean_seconds + wrap_mean_seconds)
                    for q in queues
                )
    return target_occupancy * staffed / work if work > 0 else 1.0


def _bank_open(local: datetime) -> bool:
    slot = (local.hour * 60 + local.minute) // 15
    return CALLS_PER_INTERVAL[local.weekday()][slot] >= OPEN_CALLS
