"""The report's chart as geometry for an inline SVG: calls offered as bars, service level as a line.

Offered calls read on the left axis, service level (0-100 %) on the right; one bar per period.
Coordinates are in the SVG's own units (a viewBox of WIDTH x HEIGHT).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.reports.service import ReportRow
from app.svg_chart import Frame, Rect, Tick, nice_ceiling

WIDTH, HEIGHT = 960, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 16, 40


@dataclass(frozen=True)
class Bar(Rect):
    """A period's bar, titled with its calls offered."""

    offered: int
    label: str


@dataclass(frozen=True)
class Chart(Frame):
    """Everything the template draws."""

    bars: tuple[Bar, ...]
    service_level_points: str
    calls_ticks: tuple[Tick, ...]
    percent_ticks: tuple[Tick, ...]
    period_ticks: tuple[Tick, ...]


def build_chart(totals: Sequence[ReportRow]) -> Chart | None:
    """One bar per period (all calls) and the service level joined across periods; None if empty."""
    if not totals:
        return None
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_ceiling(max(row.figures.offered for row in totals))
    slot = plot_w / len(totals)
    bars, points, labels = [], [], []
    every = max(1, math.ceil(len(totals) / 12))
    for index, row in enumerate(totals):
        x = LEFT + index * slot
        height = plot_h * row.figures.offered / top
        label = row.period.isoformat()
        y = round(TOP + plot_h - height, 1)
        width = round(slot * 0.7, 1)
        bars.append(
            Bar(round(x + slot * 0.15, 1), y, width, round(height, 1), row.figures.offered, label)
        )
        if row.figures.service_level is not None:
            y = TOP + plot_h * (1 - row.figures.service_level)
            points.append(f"{x + slot / 2:.1f},{y:.1f}")
        if index % every == 0:
            labels.append(Tick(round(x + slot / 2, 1), label))
    return Chart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM,
        bars=tuple(bars), service_level_points=" ".join(points),
        calls_ticks=tuple(
            Tick(round(TOP + plot_h * (1 - k / 4), 1), f"{top * k / 4:g}") for k in range(5)
        ),
        percent_ticks=tuple(
            Tick(round(TOP + plot_h * (1 - k / 4), 1), f"{k * 25}%") for k in range(5)
        ),
        period_ticks=tuple(labels),
    )  # fmt: skip
