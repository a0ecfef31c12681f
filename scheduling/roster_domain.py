"""The roster's facts in slots: what each shift covers, which pairs break the rest rule,
which (day, shift) each agent may work, the hours band of each week, and what a plan gives.

Slots and minutes meet here and nowhere else: a shift on day d covers horizon slots
[d*S + start, d*S + start + length) cut at the horizon's end, S = slots per day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scheduling.roster_types import DAYS_PER_WEEK, Agent, Instance, Penalty

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
OFF = -1
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Band:
    """Worked minutes plus time-off credit allowed in one week; `target` only for full weeks."""

    days: range
    low: int
    high: int
    target: int | None
    credit: int


@dataclass(frozen=True)
class Plan:
    """Who works what: shift and queue index per agent per day, OFF (-1) on days off."""

    shift: Ints  # [agent, day]
    queue: Ints  # [agent, day]


@dataclass(frozen=True)
class Facts:
    """What the rules leave each agent before any choice: shifts offered per day, the hours
    band of each week, and the (shift, days later) pairs that break the rest rule."""

    offered: tuple[Bools, ...]  # per agent, [day, shift]
    bands: tuple[tuple[Band, ...], ...]  # per agent, per week
    conflicts: dict[tuple[int, int], tuple[int, ...]]


def facts(instance: Instance) -> Facts:
    """The facts of every agent."""
    return Facts(
        offered=tuple(allowed(instance, agent) for agent in instance.agents),
        bands=tuple(bands(instance, agent) for agent in instance.agents),
        conflicts=rest_conflicts(instance),
    )


def shift_minutes(instance: Instance) -> Ints:
    """Paid minutes of each shift."""
    return np.array([s.length * instance.slot_minutes for s in instance.shifts], dtype=np.int64)


def covered(instance: Instance, day: int, shift: int) -> tuple[int, int]:
    """The horizon slots [first, end) a shift worked on `day` covers."""
    per_day = instance.slots_per_day
    first = day * per_day + instance.shifts[shift].start
    return first, min(first + instance.shifts[shift].length, instance.horizon_slots)


def rest_conflicts(instance: Instance) -> dict[tuple[int, int], tuple[int, ...]]:
    """(shift, k days later) -> shifts that would start too soon after it ends."""
    per_day = instance.slots_per_day
    rest = instance.rules.min_rest_minutes
    conflicts: dict[tuple[int, int], tuple[int, ...]] = {}
    for one, first in enumerate(instance.shifts):
        end = first.start + first.length
        later = 1
        while (later * per_day - end) * instance.slot_minutes < rest:
            too_soon = tuple(
                two for two, second in enumerate(instance.shifts)
                if (later * per_day + second.start - end) * instance.slot_minutes < rest
            )
            if too_soon:
                conflicts[one, later] = too_soon
            later += 1
    return conflicts


def allowed(instance: Instance, agent: Agent) -> Bools:
    """[day, shift]: whether the agent may work that shift that day, as far as time off,
    unavailability and the rest after their last shift before day 0 go."""
    return ~(on_leave(instance, agent) | unavailable(instance, agent)
             | too_soon_after_last_shift(instance, agent))


def on_leave(instance: Instance, agent: Agent) -> Bools:
    """[day, shift]: the shift falls on a day of approved leave."""
    mask = np.zeros((instance.days, len(instance.shifts)), dtype=np.bool_)
    for leave in agent.time_off:
        mask[leave.day] = True
    return mask


def unavailable(instance: Instance, agent: Agent) -> Bools:
    """[day, shift]: the shift overlaps a time the agent is unavailable (a shift running past
    midnight counts on the next day too)."""
    per_day = instance.slots_per_day
    mask = np.zeros((instance.days, len(instance.shifts)), dtype=np.bool_)
    for gap in agent.unavailable:
        first, end = gap.day * per_day + gap.start, gap.day * per_day + gap.end
        for day in range(max(0, gap.day - 1), gap.day + 1):
            for index in range(len(instance.shifts)):
                begin, finish = covered(instance, day, index)
                if begin < end and first < finish:
                    mask[day, index] = True
    return mask


def too_soon_after_last_shift(instance: Instance, agent: Agent) -> Bools:
    """[day, shift]: the shift starts too soon after the agent's last shift before day 0."""
    mask = np.zeros((instance.days, len(instance.shifts)), dtype=np.bool_)
    if agent.last_end is None:
        return mask
    for day in range(instance.days):
        for index, shift in enumerate(instance.shifts):
            gap_slots = day * instance.slots_per_day + shift.start - agent.last_end
            mask[day, index] = gap_slots * instance.slot_minutes < instance.rules.min_rest_minutes
    return mask


def bands(instance: Instance, agent: Agent) -> tuple[Band, ...]:
    """The hours band of each week: contract ± tolerance in a full week; in a shorter last
    week only a ceiling (the contract prorated, plus the tolerance)."""
    credit = {leave.day: leave.credit_minutes for leave in agent.time_off}
    result = []
    for days in instance.weeks():
        given = sum(credit.get(day, 0) for day in days)
        if len(days) == DAYS_PER_WEEK:
            low = max(0, agent.weekly_minutes - agent.tolerance_minutes)
            high = agent.weekly_minutes + agent.tolerance_minutes
            result.append(Band(days, low, high, agent.weekly_minutes, given))
        else:
            share = -(-agent.weekly_minutes * len(days) // DAYS_PER_WEEK)
            result.append(Band(days, 0, share + agent.tolerance_minutes, None, given))
    return tuple(result)


def hours(minutes: int) -> str:
    """Minutes as the supervisor says them: '40 h', '37.5 h', '7 h 20 min'."""
    if minutes % 6 == 0:
        return f"{minutes / 60:g} h"
    return f"{minutes // 60} h {minutes % 60} min"


def day_label(instance: Instance, day: int) -> str:
    """A day as the supervisor reads it, e.g. 'Sat 5'."""
    return f"{WEEKDAYS[(instance.first_weekday + day) % DAYS_PER_WEEK]} {day}"


def coverage(instance: Instance, plan: Plan) -> Ints:
    """[queue, slot]: agents working each queue in each slot."""
    cover = np.zeros((len(instance.queues), instance.horizon_slots + 1), dtype=np.int64)
    agents, days = np.nonzero(plan.shift >= 0)
    for agent, day in zip(agents.tolist(), days.tolist(), strict=True):
        first, end = covered(instance, day, int(plan.shift[agent, day]))
        queue = int(plan.queue[agent, day])
        cover[queue, first] += 1
        cover[queue, end] -= 1
    return np.cumsum(cover, axis=1)[:, :-1]


def shortage(instance: Instance, cover: Ints) -> Ints:
    """[queue, slot]: agents missing."""
    need = np.asarray(instance.requirement, dtype=np.int64).reshape(cover.shape)
    short: Ints = np.maximum(0, need - cover)
    return short


def ladder(count: int) -> int:
    """The fairness cost of working `count` weekend days (or late shifts): 0, 0, 1, 3, 6, ..."""
    return count * (count - 1) // 2


def unmet_wishes(instance: Instance, agent: Agent, shifts: Ints) -> int:
    """How many of the agent's wishes the days `shifts` (per day, OFF when off) leave unmet;
    a wish for every day counts once per day it is unmet."""
    names = {s.name: i for i, s in enumerate(instance.shifts)}
    unmet = 0
    for wish in agent.wishes:
        days = range(instance.days) if wish.day is None else (wish.day,)
        for day in days:
            worked = int(shifts[day])
            if wish.kind == "day_off":
                unmet += worked != OFF
            elif wish.kind == "avoid":
                unmet += worked == names[str(wish.shift)]
            elif wish.day is not None or worked != OFF:
                unmet += worked != names[str(wish.shift)]
    return unmet


def penalties(instance: Instance, plan: Plan) -> tuple[Penalty, ...]:
    """The objective's named terms as the plan gives them."""
    weights = instance.weights
    short = int(shortage(instance, coverage(instance, plan)).sum())
    minutes = shift_minutes(instance)
    late = np.array([s.late for s in instance.shifts] + [False])
    weekend = np.array([instance.weekend(d) for d in range(instance.days)])
    hours = weekend_cost = late_cost = wishes = 0
    for index, agent in enumerate(instance.agents):
        row = plan.shift[index]
        worked = np.where(row >= 0, minutes[row], 0)
        for band in bands(instance, agent):
            if band.target is not None:
                done = int(worked[band.days.start:band.days.stop].sum()) + band.credit
                hours += abs(done - band.target)
        weekend_cost += ladder(int(((row >= 0) & weekend).sum()))
        late_cost += ladder(int(late[row].sum()))
        wishes += unmet_wishes(instance, agent, row)
    return (
        Penalty("shortage", short, weights.shortage, "agent-slots short"),
        Penalty("hours", hours, weights.hours, "minutes off the weekly contract"),
        Penalty("weekend", weekend_cost, weights.weekend, "weekend-day ladder steps"),
        Penalty("late", late_cost, weights.late, "late-shift ladder steps"),
        Penalty("wish", wishes, weights.wish, "unmet wishes"),
    )
