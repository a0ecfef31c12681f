"""What the Breaks page draws: agents by time, with shift and break blocks, and the strip of
requirement against people on the phones per 15-minute interval."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.breaks.instance import AgentDay, TeamDay
from app.breaks.service import shortage_of
from app.models import PlannedBreak
from scheduling.breaks_check import on_break

CELL_MINUTES = 15


@dataclass(frozen=True)
class Block:
    """A break on the timeline: where it sits, in percent of the visible span."""

    name: str
    row: PlannedBreak
    left: float
    width: float


@dataclass(frozen=True)
class Lane:
    """One agent's row: the shift bar and the breaks on it."""

    day: AgentDay
    left: float
    width: float
    blocks: list[Block]
    missing: list[str]  # breaks the rules ask for that are not placed


@dataclass(frozen=True)
class Interval:
    """A 15-minute interval of the strip: agents needed, on the phones, missing."""

    starts_at: datetime
    required: int
    working: int
    short: int


@dataclass(frozen=True)
class Timeline:
    """The visible span (whole hours around the shifts), its hour marks, lanes and strip."""

    start: datetime
    end: datetime
    hours: list[tuple[datetime, float]]
    lanes: list[Lane]
    strip: list[Interval]
    unpublished: int


def timeline_of(team_day: TeamDay) -> Timeline:
    """The timeline of a team's day (an empty span at the working hours when no one works)."""
    horizon = team_day.horizon
    shifts = [a.shift for a in team_day.agents]
    if shifts:
        start = min(s.starts_at for s in shifts).replace(minute=0, second=0, microsecond=0)
        end = max(s.ends_at for s in shifts)
    else:
        start = horizon.at(8 * 60 // horizon.slot_minutes)
        end = horizon.at(18 * 60 // horizon.slot_minutes)
    if end.minute or end.second:
        end = end.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    span = (end - start).total_seconds()

    def pct(at: datetime) -> float:
        return round(100 * (at - start).total_seconds() / span, 3)

    lanes = [_lane(a, pct) for a in team_day.agents]
    marks = [start + timedelta(hours=h) for h in range(int(span // 3600))]
    hours = [(at, pct(at)) for at in marks]
    return Timeline(
        start,
        end,
        hours,
        lanes,
        _strip(team_day, start, end),
        sum(1 for a in team_day.agents for r in a.rows.values() if r.state == "planned"),
    )


def _lane(day: AgentDay, at: Callable[[datetime], float]) -> Lane:
    blocks = [
        Block(name, row, at(row.starts_at), at(row.ends_at) - at(row.starts_at))
        for name, row in sorted(day.rows.items(), key=lambda item: item[1].starts_at)
    ]
    left = at(day.shift.starts_at)
    return Lane(
        day,
        left,
        at(day.shift.ends_at) - left,
        blocks,
        [w.name for w in day.wanted if w.name not in day.rows],
    )


def _strip(team_day: TeamDay, start: datetime, end: datetime) -> list[Interval]:
    """Per interval the worst slot: most agents needed, fewest on the phones, most missing."""
    horizon = team_day.horizon
    instance = team_day.instance(fixed=lambda _row: False)
    starts = team_day.starts()
    breaks = on_break(instance, starts)
    short = shortage_of(team_day)
    working = [0] * horizon.slots
    for agent in instance.agents:
        for s in range(agent.shift_start, agent.shift_end):
            working[s] += 1
    per_cell = CELL_MINUTES // horizon.slot_minutes
    intervals = []
    first = max(0, horizon.slot_down(start))
    last = min(horizon.slots, horizon.slot_up(end))
    for cell in range(first, last, per_cell):
        slots = range(cell, min(cell + per_cell, last))
        intervals.append(
            Interval(
                horizon.at(cell),
                max(team_day.requirement[s] for s in slots),
                min(working[s] - breaks[s] + team_day.others_working[s] for s in slots),
                max(short[s] for s in slots),
            )
        )
    return intervals
