"""From a queue's forecast to its requirement: `scheduling.staffing` on every interval.

The forecast is in the site's local days and wall-clock intervals; each interval becomes
the UTC instant it starts here (an interval skipped by a clock change is dropped, and on
the day the clocks go back the repeated hour is planned once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.models import Queue, Site
from app.planning.forecasting import QueueForecast
from app.shifts.timeconv import NonexistentLocalTime, to_utc
from scheduling.staffing import MAX_PATIENCE_PER_AHT, StaffingCase, solve

DEFAULT_SERVICE_LEVEL = 0.8
DEFAULT_MAX_OCCUPANCY = 0.85
DEFAULT_SHRINKAGE = 0.3


@dataclass(frozen=True)
class Targets:
    """What the plan must achieve; fractions, not percent; seconds."""

    service_level: float
    answer_seconds: int
    max_occupancy: float | None = DEFAULT_MAX_OCCUPANCY
    shrinkage: float = DEFAULT_SHRINKAGE
    patience_seconds: float | None = None  # given: Erlang A

    @classmethod
    def for_site(cls, site: Site) -> Targets:
        """The usual targets, with the site's own service-level threshold."""
        return cls(DEFAULT_SERVICE_LEVEL, site.service_level_threshold_seconds)


@dataclass(frozen=True)
class PlanInterval:
    """One interval: forecast calls and AHT (seconds), and what meeting the targets takes."""

    starts_at: datetime  # UTC
    calls: float
    aht_seconds: float
    agents: int  # on the phones
    positions: int  # to schedule, grossed up for shrinkage
    service_level: float
    occupancy: float


@dataclass(frozen=True)
class QueuePlan:
    """A queue's forecast and requirement for a week, interval by interval."""

    queue: Queue
    method: str
    interval_minutes: int
    intervals: tuple[PlanInterval, ...]


def staff_forecast(forecast: QueueForecast, *, site: Site, targets: Targets) -> QueuePlan:
    """The requirement of every interval of `forecast`, staffed in one vectorised call."""
    zone = ZoneInfo(site.timezone)
    starts: list[datetime] = []
    cases: list[StaffingCase] = []
    for day, clock, calls, aht in forecast.intervals():
        try:
            starts_at = to_utc(day, clock, zone)
        except NonexistentLocalTime:
            continue
        starts.append(starts_at)
        cases.append(_case(starts_at, calls, aht, forecast.interval_minutes, targets))
    results = solve(cases)
    intervals = tuple(
        PlanInterval(
            at, c.calls, c.aht_seconds, r.agents, r.positions, r.service_level, r.occupancy
        )
        for at, c, r in zip(starts, cases, results, strict=True)
    )
    return QueuePlan(forecast.queue, forecast.method, forecast.interval_minutes, intervals)


def _case(
    starts_at: datetime, calls: float, aht: float, minutes: int, targets: Targets
) -> StaffingCase:
    patience = targets.patience_seconds
    if patience is not None and aht > 0:  # staffing's exact sums are sized up to this ratio
        patience = min(patience, MAX_PATIENCE_PER_AHT * aht)
    return StaffingCase(
        id=starts_at.isoformat(),
        calls=calls,
        interval_minutes=minutes,
        aht_seconds=aht if aht > 0 else 1.0,  # no handle time recorded: no load either way
        service_level=targets.service_level,
        answer_seconds=targets.answer_seconds,
        max_occupancy=targets.max_occupancy,
        shrinkage=targets.shrinkage,
        patience_seconds=patience,
    )


def combine(plans: Sequence[QueuePlan], grid_minutes: int) -> tuple[PlanInterval, ...]:
    """All queues together on a grid of `grid_minutes` (each queue staffed on its own).

    A queue with longer intervals counts in each grid interval they cover, its calls spread
    evenly. Calls, agents and positions add up; AHT and service level are calls-weighted
    means; occupancy is the agents-weighted mean.
    """
    sums: dict[datetime, list[float]] = defaultdict(lambda: [0.0] * 6)
    for plan in plans:
        parts = plan.interval_minutes // grid_minutes
        for item in plan.intervals:
            for k in range(parts):
                s = sums[item.starts_at + timedelta(minutes=k * grid_minutes)]
                calls = item.calls / parts
                s[0] += calls
                s[1] += calls * item.aht_seconds
                s[2] += item.agents
                s[3] += item.positions
                s[4] += calls * item.service_level
                s[5] += item.agents * item.occupancy
    return tuple(
        PlanInterval(
            at,
            calls,
            handle / calls if calls else 0.0,
            int(agents),
            int(positions),
            answered / calls if calls else 1.0,
            busy / agents if agents else 0.0,
        )
        for at, (calls, handle, agents, positions, answered, busy) in sorted(sums.items())
    )
