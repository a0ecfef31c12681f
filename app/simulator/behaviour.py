"""How the simulated people behave: lateness, absence, break timing, wrap-up (pure, seeded)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Behaviour:
    """Odds and sizes of the human side of the floor; seconds unless named otherwise."""

    absence_rate: float = 0.03
    late_rate: float = 0.35  # a few minutes late
    very_late_rate: float = 0.05  # 5 to 20 minutes late
    break_late_rate: float = 0.2  # goes to break 1-4 minutes after it is due
    break_overrun_rate: float = 0.25  # comes back 1-5 minutes after the break's length
    wrap_median_seconds: float = 20.0
    wrap_log_sd: float = 0.5

    @property
    def wrap_mean_seconds(self) -> float:
        """Mean wrap-up after a call, seconds."""
        return self.wrap_median_seconds * math.exp(self.wrap_log_sd**2 / 2)


@dataclass(frozen=True)
class ShiftConduct:
    """How one agent works one shift, drawn once when the shift is planned."""

    absent: bool
    login_offset: float  # from the shift's start; negative = early
    logout_offset: float  # from the shift's end
    break_delays: tuple[float, ...]  # per break, after it is due
    break_overruns: tuple[float, ...]  # per break, beyond its length


def draw_conduct(rng: random.Random, behaviour: Behaviour, breaks: int) -> ShiftConduct:
    """One shift's conduct: mostly on time, sometimes a few minutes late, rarely absent."""
    roll = rng.random()
    if roll < behaviour.very_late_rate:
        login = rng.uniform(300, 1200)
    elif roll < behaviour.very_late_rate + behaviour.late_rate:
        login = rng.uniform(60, 300)
    else:
        login = rng.uniform(-180, 60)
    delays = tuple(
        rng.uniform(60, 240) if rng.random() < behaviour.break_late_rate else rng.uniform(0, 45)
        for _ in range(breaks)
    )
    overruns = tuple(
        rng.uniform(60, 300) if rng.random() < behaviour.break_overrun_rate else rng.uniform(0, 40)
        for _ in range(breaks)
    )
    return ShiftConduct(
        absent=rng.random() < behaviour.absence_rate,
        login_offset=login,
        logout_offset=rng.uniform(-60, 240),
        break_delays=delays,
        break_overruns=overruns,
    )
