"""Today's service-level curve as SVG coordinates (the template draws them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.floor.service import CurvePoint

WIDTH, HEIGHT, PAD = 480.0, 160.0, 4.0  # SVG user units
DAY_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class Chart:
    """Polyline points of the curve, the target line's y, and the hour ticks' x."""

    points: str
    dots: tuple[tuple[float, float, float], ...]  # x, y, service level
    target_y: float
    hours: tuple[tuple[float, int], ...]


def _x(moment: datetime, day_start: datetime) -> float:
    seconds = (moment - day_start).total_seconds()
    return round(PAD + (WIDTH - 2 * PAD) * min(max(seconds, 0), DAY_SECONDS) / DAY_SECONDS, 1)


def _y(level: float) -> float:
    return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * min(max(level, 0.0), 1.0), 1)


def sl_chart(curve: tuple[CurvePoint, ...], *, day_start: datetime, target: float) -> Chart:
    """The curve's intervals plotted at their start across the local day, SL from 0 to 100 %."""
    dots = tuple(
        (_x(p.start, day_start), _y(p.service_level), p.service_level)
        for p in curve
        if p.service_level is not None
    )
    return Chart(
        points=" ".join(f"{x},{y}" for x, y, _ in dots),
        dots=dots,
        target_y=_y(target),
        hours=tuple((round(PAD + (WIDTH - 2 * PAD) * h / 24, 1), h) for h in range(0, 25, 3)),
    )
