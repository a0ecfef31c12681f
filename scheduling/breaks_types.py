"""Values of break scheduling (specs/breaks.md): instance, parameters and plan. Time in slots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN"]


@dataclass(frozen=True, slots=True)
class Break:
    """One break an agent must take: `length` slots, starting at a slot in [earliest, latest]."""

    name: str
    length: int
    earliest: int
    latest: int
    fixed_start: int | None = None  # a start that must be kept (already taken, or set by hand)


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent on shift [shift_start, shift_end) who takes `breaks` in this order."""

    id: str
    shift_start: int
    shift_end: int
    breaks: tuple[Break, ...]


@dataclass(frozen=True, slots=True)
class Instance:
    """Agents, the agents needed on the phones per slot, and the rules every plan must keep."""

    slot_minutes: int
    slots: int
    requirement: tuple[int, ...]  # agents needed on the phones, one per slot
    agents: tuple[Agent, ...]
    max_on_break: tuple[int, ...] | None = None  # cap per slot; None: no cap
    not_before: int = 0  # slot before which no break that is not fixed may start
    min_work: int = 0  # shortest stretch of work, in slots
    max_work: int | None = None  # longest stretch of work, in slots; None: no limit


@dataclass(frozen=True, slots=True)
class Params:
    """How long and how wide to search: seconds of wall time, CP-SAT workers, random seed."""

    time_limit_seconds: float = 10.0
    workers: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.time_limit_seconds > 0:
            raise ValueError(f"time_limit_seconds must be positive, not {self.time_limit_seconds}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")


@dataclass(frozen=True, slots=True)
class BreakStart:
    """Where one break of one agent starts."""

    agent: str
    name: str
    start: int


@dataclass(frozen=True, slots=True)
class AgentReason:
    """Why an agent's own windows, rules, fixed breaks and not_before cannot all hold."""

    agent: str
    reason: str


@dataclass(frozen=True, slots=True)
class ShortSlot:
    """A slot with fewer agents on the phones than required, and why."""

    slot: int
    short: int  # agents missing on the phones
    required: int
    on_shift: int
    on_break: int
    why: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The answer of `solve`: break starts with their cost, or why there are none."""

    status: Status
    objective: int | None  # sum over slots of short(s)^2
    bound: int | None  # proven lower bound on the objective
    shortage_total: int | None
    shortage_peak: int | None
    solve_seconds: float
    breaks: tuple[BreakStart, ...] = ()
    infeasible_agents: tuple[AgentReason, ...] = ()
    reason: str | None = None
    short_slots: tuple[ShortSlot, ...] = ()
