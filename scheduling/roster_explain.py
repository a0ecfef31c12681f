"""Each agent's roster explained: how much they work and why, their days off, their wishes,
and their share of weekends and late shifts against the team's.

Each sentence is an `Explanation` (a code and its figures); `roster_words` says it in English,
the app in the reader's language. The codes and their figures (minutes, day indexes):

- works: name, days, minutes, credit_minutes (paid time off, 0 when none);
- week_none_needed, week_fewest, week_short, week_closer: the head of a week's line, week (1
  for the first), first, last (days), days, minutes, credit_minutes, high, and with a
  contract target, tolerance; then why that many days: none needed; the fewest that reach
  low with shifts of at most longest; or fewest for the contract (at_cap 1 when that is the
  week's most) and the days without which a queue would be short, short ((day, agent-slots),
  the first three) and more, or the other days bring the hours closer to the contract;
- time_off, unavailable, off_as_wished: days;
- wish_other_shifts, wish_short (slots), wish_contract: the wish's kind, shift, day (absent
  for every day);
- fairness: weekend_days, weekend_mean, late_shifts, late_mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scheduling.roster_domain import OFF, Band, Facts, Ints, Plan, covered, shift_minutes
from scheduling.roster_types import Agent, Explanation, Figure, Instance, Wish


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
) -> tuple[Explanation, ...]:
    """The agent's roster explained, one sentence each."""
    agent = instance.agents[index]
    row = plan.shift[index]
    minutes = shift_minutes(instance)
    worked = int(np.where(row >= 0, minutes[row], 0).sum())
    credit = sum(t.credit_minutes for t in agent.time_off)
    lines = [
        Explanation(
            "works",
            {"name": agent.name, "days": int((row >= 0).sum()), "minutes": worked,
             "credit_minutes": credit},
        )
    ]
    for band in facts.bands[index]:
        lines.append(_week_line(instance, floor, plan, index, band))
    lines += _days_off(agent, row)
    lines += [_wish_line(instance, floor, plan, index, wish)
              for wish in agent.wishes if _unmet(instance, wish, row)]
    weekend = sum(1 for d in range(instance.days) if row[d] != OFF and instance.weekend(d))
    late = sum(1 for s in row if s != OFF and instance.shifts[s].late)
    lines.append(
        Explanation(
            "fairness",
            {"weekend_days": weekend, "weekend_mean": floor.weekend_mean, "late_shifts": late,
             "late_mean": floor.late_mean},
        )
    )
    return tuple(lines)


def _week_line(
    instance: Instance, floor: Floor, plan: Plan, index: int, band: Band
) -> Explanation:
    """The week's days and hours, and why that many: the contract's floor, the queues that
    would go short without a day, or the hours closer to the contract."""
    agent = instance.agents[index]
    row = plan.shift[index]
    minutes = shift_minutes(instance)
    days = [d for d in band.days if row[d] != OFF]
    head: dict[str, Figure] = {
        "week": band.days.start // 7 + 1, "first": band.days.start, "last": band.days.stop - 1,
        "days": len(days), "minutes": sum(int(minutes[row[d]]) for d in days) + band.credit,
        "credit_minutes": band.credit, "high": band.high,
    }
    if band.target is not None:
        head |= {"target": band.target, "tolerance": agent.tolerance_minutes}
    longest = int(max(minutes))
    fewest = max(0, -(-(band.low - band.credit) // longest))
    needed = {d: needed_slots(instance, floor, d, int(row[d]), int(plan.queue[index, d]))
              for d in days}
    extra = sorted((d for d in days if needed[d]), key=lambda d: -needed[d])
    if len(days) <= fewest:
        if not fewest:
            return Explanation("week_none_needed", head)
        return Explanation("week_fewest", head | {"low": band.low, "longest": longest})
    cap = instance.rules.max_shifts_per_week
    head |= {"fewest": fewest, "at_cap": int(cap is not None and len(days) >= cap)}
    if extra:
        short = tuple((d, needed[d]) for d in extra[:3])
        return Explanation("week_short", head | {"short": short, "more": max(0, len(extra) - 3)})
    return Explanation("week_closer", head)


def _days_off(agent: Agent, row: Ints) -> list[Explanation]:
    lines = []
    leave = [t.day for t in agent.time_off]
    if leave:
        lines.append(Explanation("time_off", {"days": tuple(leave)}))
    away = sorted({u.day for u in agent.unavailable} - set(leave))
    if away:
        lines.append(Explanation("unavailable", {"days": tuple(away)}))
    granted = [w.day for w in agent.wishes
               if w.kind == "day_off" and w.day is not None and row[w.day] == OFF]
    if granted:
        lines.append(Explanation("off_as_wished", {"days": tuple(granted)}))
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


def _wish_line(
    instance: Instance, floor: Floor, plan: Plan, index: int, wish: Wish
) -> Explanation:
    what: dict[str, Figure] = {"kind": wish.kind, "shift": wish.shift or ""}
    if wish.day is not None:
        what["day"] = wish.day
    if wish.kind != "day_off" or wish.day is None:
        return Explanation("wish_other_shifts", what)
    day = wish.day
    short = needed_slots(instance, floor, day, int(plan.shift[index, day]),
                         int(plan.queue[index, day]))
    if short:
        return Explanation("wish_short", what | {"slots": short})
    return Explanation("wish_contract", what)
