"""Each agent's roster in words: how much they work and why, their days off, their wishes,
and their share of weekends and late shifts against the team's."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduling.roster_domain import (
    OFF,
    Band,
    Facts,
    Ints,
    Plan,
    covered,
    day_label,
    hours,
    shift_minutes,
)
from scheduling.roster_types import Agent, Instance, Wish


@dataclass(frozen=True)
class Floor:
    """The team's loads: agents working and needed per queue and slot, and the fair shares."""

    cover: Ints  # [queue, slot]
    need: Ints  # [queue, slot]
    weekend_mean: float
    late_mean: float


def needed_slots(instance: Instance, floor: Floor, day: int, shift: int, queue: int) -> int:
    """Agent-slots that would go short on the queue without this agent's shift that day."""
    first, end = covered(instance, day, shift)
    return int((floor.cover[queue, first:end] <= floor.need[queue, first:end]).sum())


def explain_agent(
    instance: Instance, facts: Facts, floor: Floor, plan: Plan, index: int
) -> tuple[str, ...]:
    """The agent's roster explained, one sentence a line."""
    agent = instance.agents[index]
    row = plan.shift[index]
    minutes = shift_minutes(instance)
    worked = int(np.where(row >= 0, minutes[row], 0).sum())
    credit = sum(t.credit_minutes for t in agent.time_off)
    first = f"{agent.name} works {_count(int((row >= 0).sum()), 'day')}, {hours(worked)}"
    lines = [first + (f", and has {hours(credit)} of paid time off" if credit else "")]
    for band in facts.bands[index]:
        lines.append(_week_line(instance, floor, plan, index, band))
    lines += _days_off(instance, agent, row)
    lines += [_wish_line(instance, floor, plan, index, wish)
              for wish in agent.wishes if _unmet(instance, wish, row)]
    weekend = sum(1 for d in range(instance.days) if row[d] != OFF and instance.weekend(d))
    late = sum(1 for s in row if s != OFF and instance.shifts[s].late)
    lines.append(f"{_count(weekend, 'weekend day')} (team average {floor.weekend_mean:.1f}), "
                 f"{_count(late, 'late shift')} (team average {floor.late_mean:.1f})")
    return tuple(lines)


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def _week_line(
    instance: Instance, floor: Floor, plan: Plan, index: int, band: Band
) -> str:
    """The week's days and hours, and why that many: the contract's floor, the queues that
    would go short without a day, or the hours closer to the contract."""
    agent = instance.agents[index]
    row = plan.shift[index]
    minutes = shift_minutes(instance)
    days = [d for d in band.days if row[d] != OFF]
    done = sum(int(minutes[row[d]]) for d in days) + band.credit
    span = (f"week {band.days.start // 7 + 1} ({day_label(instance, band.days.start)} to "
            f"{day_label(instance, band.days.stop - 1)})")
    counted = f"{hours(done)} with time off" if band.credit else hours(done)
    if band.target is None:
        head = f"{span}: {_count(len(days), 'day')}, {counted} (at most {hours(band.high)})"
    else:
        head = (f"{span}: {_count(len(days), 'day')}, {counted} against a contract of "
                f"{hours(band.target)} ± {hours(agent.tolerance_minutes)}")
    longest = int(max(minutes))
    fewest = max(0, -(-(band.low - band.credit) // longest))
    needed = {d: needed_slots(instance, floor, d, int(row[d]), int(plan.queue[index, d]))
              for d in days}
    extra = sorted((d for d in days if needed[d]), key=lambda d: -needed[d])
    if len(days) <= fewest:
        if not fewest:
            return f"{head}: no day is needed"
        return (f"{head}: the fewest days that reach {hours(band.low)} with shifts of at "
                f"most {hours(longest)}")
    cap = instance.rules.max_shifts_per_week
    most = " (the most a week allows)" if cap is not None and len(days) >= cap else ""
    why = f"{head}: {fewest} for the contract{most}, and " if fewest else f"{head}: "
    if extra:
        top = ", ".join(f"{day_label(instance, d)} ({needed[d]} agent-slots)" for d in extra[:3])
        more = f" and {len(extra) - 3} more" if len(extra) > 3 else ""
        return f"{why}without the shift on {top}{more} a queue would be short"
    return f"{why}the other days bring the hours closer to the contract"


def _days_off(instance: Instance, agent: Agent, row: Ints) -> list[str]:
    lines = []
    leave = [t.day for t in agent.time_off]
    if leave:
        lines.append("time off on " + ", ".join(day_label(instance, d) for d in leave))
    away = sorted({u.day for u in agent.unavailable} - set(leave))
    if away:
        lines.append("unavailable (in part) on " + ", ".join(day_label(instance, d) for d in away))
    granted = [w.day for w in agent.wishes
               if w.kind == "day_off" and w.day is not None and row[w.day] == OFF]
    if granted:
        lines.append("off as wished on " + ", ".join(day_label(instance, d) for d in granted))
    return lines


def _unmet(instance: Instance, wish: Wish, row: Ints) -> bool:
    names = {s.name: i for i, s in enumerate(instance.shifts)}
    days = range(instance.days) if wish.day is None else (wish.day,)
    shift = names.get(str(wish.shift), -2)
    if wish.kind == "day_off":
        return any(row[d] != OFF for d in days)
    if wish.kind == "avoid":
        return any(row[d] == shift for d in days)
    if wish.day is not None:
        return bool(row[wish.day] != shift)
    return any(row[d] not in (OFF, shift) for d in days)


def _wish_line(instance: Instance, floor: Floor, plan: Plan, index: int, wish: Wish) -> str:
    on = "" if wish.day is None else f" on {day_label(instance, wish.day)}"
    what = {"day_off": f"a day off{on}", "shift": f"shift {wish.shift}{on}",
            "avoid": f"no shift {wish.shift}{on}"}[wish.kind]
    if wish.kind != "day_off" or wish.day is None:
        return f"wish for {what} not granted: other shifts covered more of the requirement"
    day = wish.day
    short = needed_slots(instance, floor, day, int(plan.shift[index, day]),
                         int(plan.queue[index, day]))
    if short:
        return f"wish for {what} not granted: {short} agent-slots would be short without them"
    return f"wish for {what} not granted: the contract hours needed the day"
