"""Shift design in the supervisor's terms: instance, parameters, design, and what counts give.

Time is in integer slots throughout; `slot_minutes` converts to clock time in one place
(`clock`). A shift is (start slot within the day, length in slots); its count on day d puts
that many agents on slots [d*S + start, d*S + start + length), S = slots per day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

MINUTES_PER_DAY = 1440

Status = Literal["OPTIMAL", "FEASIBLE"]


@dataclass(frozen=True)
class ShiftType:
    """A family of shifts: start window and length window, both in slots and inclusive."""

    name: str
    start_earliest: int
    start_latest: int
    length_min: int
    length_max: int


@dataclass(frozen=True)
class Weights:
    """Cost of one agent-slot short, one agent-slot surplus, and one distinct shift in use."""

    under: float = 1.0
    over: float = 1.0
    shift: float = 0.0

    @property
    def all_integer(self) -> bool:
        return all(float(w).is_integer() for w in (self.under, self.over, self.shift))


@dataclass(frozen=True)
class Instance:
    """What to design for: the requirement curve (agents per slot) and the allowed shifts."""

    slot_minutes: int
    days: int
    cyclic: bool
    requirement: tuple[int, ...]
    shift_types: tuple[ShiftType, ...]
    weights: Weights
    max_agents_per_shift: int | None = None

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.slot_minutes

    @property
    def horizon_slots(self) -> int:
        return self.days * self.slots_per_day


@dataclass(frozen=True)
class Params:
    """How hard to search: wall-clock limit in seconds, CP-SAT workers, random seed."""

    time_limit_seconds: float = 30.0
    workers: int = 2
    seed: int = 0


@dataclass(frozen=True)
class Shift:
    """One shift of the design and its head count on each day."""

    type: str
    start: int
    length: int
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Penalty:
    """One named term of the objective: how much of it (`amount`), at what `weight`."""

    name: str
    amount: int
    weight: float
    unit: str

    @property
    def cost(self) -> float:
        return self.weight * self.amount


@dataclass(frozen=True)
class Design:
    """Which shifts to run and how many agents on each per day, with the figures they give.

    `penalties` names every term of `objective`; `notes` says why the status is what it is
    and where a shortage cannot be avoided whatever the counts.
    """

    status: Status
    objective: float
    bound: float
    under: int
    over: int
    distinct_shifts: int
    solve_seconds: float
    shifts: tuple[Shift, ...]
    penalties: tuple[Penalty, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def gap(self) -> float:
        """Relative distance between objective and bound (0 when proven optimal)."""
        if self.objective <= self.bound:
            return 0.0
        return (self.objective - self.bound) / max(abs(self.objective), 1e-9)


@dataclass(frozen=True)
class Candidate:
    """A (start, length) the shift types allow; `type` is the first type that allows it."""

    type: str
    start: int
    length: int


def candidates(instance: Instance) -> tuple[Candidate, ...]:
    """Every distinct (start, length) any shift type allows, in the types' order."""
    seen: dict[tuple[int, int], Candidate] = {}
    for shift_type in instance.shift_types:
        for start in range(shift_type.start_earliest, shift_type.start_latest + 1):
            for length in range(shift_type.length_min, shift_type.length_max + 1):
                seen.setdefault((start, length), Candidate(shift_type.name, start, length))
    return tuple(seen.values())


def covered_slots(instance: Instance, start: int, length: int, day: int) -> npt.NDArray[np.int64]:
    """The horizon slots a shift on `day` covers: wrapped when cyclic, cut at the end if not."""
    first = day * instance.slots_per_day + start
    slots = np.arange(first, first + length, dtype=np.int64)
    if instance.cyclic:
        return slots % instance.horizon_slots
    return slots[slots < instance.horizon_slots]


def coverage(instance: Instance, shifts: Iterable[Shift]) -> npt.NDArray[np.int64]:
    """Agents working each slot of the horizon under these shifts and counts."""
    cover = np.zeros(instance.horizon_slots, dtype=np.int64)
    for shift in shifts:
        for day, count in enumerate(shift.counts):
            if count:
                np.add.at(cover, covered_slots(instance, shift.start, shift.length, day), count)
    return cover


def penalties(instance: Instance, shifts: Sequence[Shift]) -> tuple[Penalty, ...]:
    """The objective's terms as the counts give them: short, surplus, distinct shifts."""
    gap = np.asarray(instance.requirement, dtype=np.int64) - coverage(instance, shifts)
    distinct = len({(s.start, s.length) for s in shifts if any(s.counts)})
    weights = instance.weights
    return (
        Penalty("under", int(np.clip(gap, 0, None).sum()), weights.under, "agent-slots short"),
        Penalty("over", int(np.clip(-gap, 0, None).sum()), weights.over, "agent-slots surplus"),
        Penalty("shift", distinct, weights.shift, "distinct shifts in use"),
    )


def objective(terms: Iterable[Penalty]) -> float:
    """The weighted sum of the named penalties; an int-valued float when weights are whole."""
    return float(sum(term.cost for term in terms))


def clock(instance: Instance, slot: int) -> str:
    """A horizon slot as 'day D HH:MM' (days counted from 0)."""
    day, within = divmod(slot, instance.slots_per_day)
    minutes = within * instance.slot_minutes
    return f"day {day} {minutes // 60:02d}:{minutes % 60:02d}"
