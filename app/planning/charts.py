"""The week's chart as geometry for an inline SVG: calls as bars, agents and positions as lines.

Calls read on the left axis, people (agents, positions) on the right; days are marked
along the bottom. Coordinates are in the SVG's own units (a viewBox of WIDTH x HEIGHT).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from app.planning.requirement import PlanInterval
from app.svg_chart import Frame, Tick, nice_ceiling
from app.svg_chart import Rect as Bar

WIDTH, HEIGHT = 960, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 16, 40


@dataclass(frozen=True)
class Chart(Frame):
    """Everything the template draws."""

    bars: tuple[Bar, ...]
    agents_points: str
    positions_points: str
    calls_ticks: tuple[Tick, ...]
    people_ticks: tuple[Tick, ...]
    days: tuple[tuple[Tick, date], ...]


def week_chart(rows: tuple[PlanInterval, ...], timezone: str) -> Chart:
    """The chart of a week's rows, local days along the x axis."""
    plot_w = WIDTH - LEFT - RIGHT
    base = HEIGHT - BOTTOM
    step = plot_w / max(len(rows), 1)
    calls_top = nice_ceiling(max((r.calls for r in rows), default=0))
    people_top = nice_ceiling(max((r.positions for r in rows), default=0))

    bars = tuple(
        Bar(
            round(LEFT + k * step, 1),
            y_of(r.calls, calls_top),
            round(step * 0.9, 2),
            round(base - y_of(r.calls, calls_top), 1),
        )
        for k, r in enumerate(rows)
    )

    def points(values: list[int]) -> str:
        return " ".join(
            f"{LEFT + (k + 0.5) * step:.1f},{y_of(v, people_top)}" for k, v in enumerate(values)
        )

    zone = ZoneInfo(timezone)
    days: list[tuple[Tick, date]] = []
    for k, r in enumerate(rows):
        day = r.starts_at.astimezone(zone).date()
        if not days or days[-1][1] != day:
            days.append((Tick(round(LEFT + k * step, 1), day.strftime("%a")), day))
    return Chart(
        WIDTH,
        HEIGHT,
        LEFT,
        RIGHT,
        TOP,
        BOTTOM,
        bars,
        points([r.agents for r in rows]),
        points([r.positions for r in rows]),
        _value_ticks(calls_top),
        _value_ticks(people_top),
        tuple(days),
    )


def y_of(value: float, top: float) -> float:
    """The y coordinate of `value` on an axis from 0 to `top`."""
    return round(HEIGHT - BOTTOM - value / top * (HEIGHT - TOP - BOTTOM), 1)


def _value_ticks(top: float) -> tuple[Tick, ...]:
    return tuple(Tick(y_of(top * f, top), f"{top * f:g}") for f in (0, 0.5, 1))
