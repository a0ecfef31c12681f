"""What the inline SVG charts share: the frame, bars, ticks, and a round top for an axis.

Coordinates are in the SVG's own units (its viewBox is `width` x `height`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    """The SVG's size and the margins around the plot (where the axes' labels go)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int


@dataclass(frozen=True)
class Rect:
    """A bar: its top-left corner and its size."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    position: float  # x for ticks along the bottom, y for value ticks
    label: str


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(float(m * power) for m in (1, 2, 2.5, 5, 10) if m * power >= value)
