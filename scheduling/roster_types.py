"""Values of the weekly roster: instance, parameters and roster. Time in slots, hours in minutes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

MINUTES_PER_DAY = 1440
DAYS_PER_WEEK = 7
WEEKEND = (5, 6)  # Saturday and Sunday, counting Monday as 0
LATE_AFTER_MINUTES = 1200  # a shift ending after 20:00 is late unless the instance says

Status = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN"]
WishKind = Literal["day_off", "shift", "avoid"]


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift an agent may work: starts at slot `start` of its day, lasts `length` slots."""

    name: str
    start: int
    length: int
    late: bool  # counts towards the late-shift fairness


@dataclass(frozen=True, slots=True)
class TimeOff:
    """Approved leave on a day: no shift that day; `credit_minutes` count as worked hours."""

    day: int
    credit_minutes: int = 0


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Slots [start, end) of a day the agent cannot work (the whole day: 0 to slots per day)."""

    day: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Wish:
    """A soft wish: a day off, a shift (to work), or a shift to avoid; on one day or every day."""

    kind: WishKind
    day: int | None = None
    shift: str | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    """A named agent, the contract, the queues they can take, and what they asked for."""

    id: str
    name: str
    weekly_minutes: int
    tolerance_minutes: int
    skills: tuple[str, ...]
    time_off: tuple[TimeOff, ...] = ()
    unavailable: tuple[Unavailable, ...] = ()
    wishes: tuple[Wish, ...] = ()
    days_worked_before: int = 0  # consecutive days worked just before day 0
    last_end: int | None = None  # end of the last shift before day 0, slots from day 0 00:00


@dataclass(frozen=True, slots=True)
class Rules:
    """Hard rules for everyone: rest between shifts, runs of working days, shifts a week."""

    min_rest_minutes: int = 660
    max_consecutive_days: int | None = 6
    max_shifts_per_week: int | None = None


@dataclass(frozen=True, slots=True)
class Weights:
    """Cost of one unit of each named penalty; shortage first, by a wide margin."""

    shortage: int = 1000  # per agent-slot short
    hours: int = 1  # per minute off the weekly contract
    weekend: int = 30  # per step of the weekend-days ladder (the k-th weekend day costs k-1)
    late: int = 10  # per step of the late-shifts ladder
    wish: int = 60  # per unmet wish


@dataclass(frozen=True, slots=True)
class Instance:
    """Who can work, which shifts exist, how many agents each queue needs per slot, the rules."""

    slot_minutes: int
    days: int
    first_weekday: int  # 0 = Monday
    shifts: tuple[Shift, ...]
    queues: tuple[str, ...]
    requirement: tuple[tuple[int, ...], ...]  # per queue, agents needed per slot
    agents: tuple[Agent, ...]
    rules: Rules = Rules()
    weights: Weights = Weights()

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.slot_minutes

    @property
    def horizon_slots(self) -> int:
        return self.days * self.slots_per_day

    def weekend(self, day: int) -> bool:
        """Whether `day` of the horizon is a Saturday or a Sunday."""
        return (self.first_weekday + day) % DAYS_PER_WEEK in WEEKEND

    def weeks(self) -> tuple[range, ...]:
        """The horizon cut into weeks of 7 days from day 0; the last may be shorter."""
        return tuple(
            range(first, min(first + DAYS_PER_WEEK, self.days))
            for first in range(0, self.days, DAYS_PER_WEEK)
        )


@dataclass(frozen=True, slots=True)
class Params:
    """How hard to search: wall-clock limit in seconds, CP-SAT workers, random seed."""

    time_limit_seconds: float = 60.0
    workers: int = 2
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Assignment:
    """What one agent works on one day: a shift, on a queue."""

    shift: str
    queue: str


Figure = int | float | str | tuple[int, ...] | tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """One sentence of an explanation as a code and its figures, so that it can be said in any
    language; minutes are minutes, days are day indexes of the horizon (see roster_words)."""

    code: str
    figures: Mapping[str, Figure] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AgentRoster:
    """One agent's days (None = off), the figures they give, and why, in words."""

    id: str
    days: tuple[Assignment | None, ...]
    worked_minutes: int
    week_minutes: tuple[int, ...]  # worked plus time-off credit, per week
    weekend_days: int
    late_shifts: int
    unmet_wishes: int
    explanation: tuple[str, ...] = ()  # `explained` in English, as specs/shifts.md gives it
    explained: tuple[Explanation, ...] = ()


@dataclass(frozen=True, slots=True)
class Penalty:
    """One named term of the objective: how much of it (`amount`), at what `weight`."""

    name: str
    amount: int
    weight: int
    unit: str

    @property
    def cost(self) -> int:
        return self.weight * self.amount


@dataclass(frozen=True, slots=True)
class AgentReason:
    """Why one agent's own rules, contract and time off cannot all hold."""

    agent: str
    reason: str  # `explained` in English, as specs/shifts.md gives it
    explained: tuple[Explanation, ...] = ()  # the clash, then each of its rules


@dataclass(frozen=True, slots=True)
class Roster:
    """The answer of `solve`: who works what, what it costs and why, or why nothing fits."""

    status: Status
    objective: int | None
    bound: int | None
    solve_seconds: float
    agents: tuple[AgentRoster, ...] = ()
    queues: tuple[str, ...] = ()
    coverage: tuple[tuple[int, ...], ...] = ()  # per queue, agents working per slot
    shortage: tuple[tuple[int, ...], ...] = ()  # per queue, agents missing per slot
    penalties: tuple[Penalty, ...] = ()
    infeasible_agents: tuple[AgentReason, ...] = ()
    notes: tuple[str, ...] = ()  # `noted` in English, as specs/shifts.md gives them
    noted: tuple[Explanation, ...] = ()

    @property
    def gap(self) -> float:
        """Relative distance between objective and bound (0 when proven optimal)."""
        if self.objective is None or self.bound is None or self.objective <= self.bound:
            return 0.0
        return (self.objective - self.bound) / max(abs(self.objective), 1)
