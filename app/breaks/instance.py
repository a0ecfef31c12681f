"""The one place that turns a team's day into a break instance: datetimes <-> slots, rows -> names.

The horizon is the day in the site's zone, stretched to cover overnight shifts that start that
day; slot 0 is local midnight. Each agent's breaks come from the break rules that match the
length of their shift (a team's rule for a break type overrides the site's), in the order of
where their windows place them; planned breaks are matched to them by type and time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.models import Agent, BreakPolicy, BreakRule, BreakType, PlannedBreak, Shift, Site, Team
from scheduling.breaks_types import Agent as SlotAgent
from scheduling.breaks_types import Break, Instance

SLOT_MINUTES = 5


@dataclass(frozen=True)
class Horizon:
    """Slots of `slot_minutes` from `start` (UTC, local midnight of the day)."""

    start: datetime
    slots: int
    slot_minutes: int = SLOT_MINUTES

    @property
    def end(self) -> datetime:
        return self.at(self.slots)

    def at(self, slot: int) -> datetime:
        """The instant slot `slot` begins."""
        return self.start + timedelta(minutes=slot * self.slot_minutes)

    def slot_down(self, at: datetime) -> int:
        """The slot `at` falls in (an instant between slots goes to the earlier one)."""
        return math.floor((at - self.start) / timedelta(minutes=self.slot_minutes))

    def slot_up(self, at: datetime) -> int:
        """The first slot that begins at or after `at`."""
        return math.ceil((at - self.start) / timedelta(minutes=self.slot_minutes))

    def clamp(self, slot: int) -> int:
        return min(max(slot, 0), self.slots)


def horizon_of(site: Site, day: date, shifts: Sequence[Shift]) -> Horizon:
    """Local midnight of `day` to the next one, or to the end of the latest shift if later."""
    zone = ZoneInfo(site.timezone)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    end = max([end, *(s.ends_at for s in shifts)])
    slots = math.ceil((end - start) / timedelta(minutes=SLOT_MINUTES))
    return Horizon(start, slots)


@dataclass(frozen=True)
class Wanted:
    """One break a shift must have: its type and window (minutes after the shift starts)."""

    name: str
    break_type: BreakType
    window_start_minutes: int
    window_end_minutes: int


@dataclass
class AgentDay:
    """An agent's shift on the day, the breaks it must have, and the rows placed for them."""

    agent: Agent
    shift: Shift
    wanted: list[Wanted]
    rows: dict[str, PlannedBreak] = field(default_factory=dict)
    extra: list[PlannedBreak] = field(default_factory=list)  # rows no rule asks for any more


@dataclass(frozen=True)
class Policy:
    """Work stretches and people on break at once, in minutes and agents."""

    min_work_minutes: int
    max_work_minutes: int
    max_on_break: int


Fixed = Callable[[PlannedBreak], bool]


@dataclass
class TeamDay:
    """A team's day: its agents' shifts and breaks, and what the rest of the site covers."""

    site: Site
    team: Team
    day: date
    horizon: Horizon
    agents: list[AgentDay]
    requirement: tuple[int, ...]  # agents needed on the phones at the site, per slot
    others_working: tuple[int, ...]  # agents of other shifts on the phones, per slot
    policy: Policy | None
    from_plan: bool  # whether the requirement comes from a saved plan

    def residual(self) -> tuple[int, ...]:
        """What this team must cover: the requirement less the others on the phones."""
        return tuple(
            max(0, r - o) for r, o in zip(self.requirement, self.others_working, strict=True)
        )

    def instance(self, *, fixed: Fixed, not_before: int = 0) -> Instance:
        """The solver's instance; rows for which `fixed` holds are kept where they are."""
        policy = self.policy
        return Instance(
            slot_minutes=self.horizon.slot_minutes,
            slots=self.horizon.slots,
            requirement=self.residual(),
            agents=tuple(self._agent(a, fixed) for a in self.agents),
            max_on_break=(policy.max_on_break,) * self.horizon.slots if policy else None,
            not_before=self.horizon.clamp(not_before),
            min_work=math.ceil(policy.min_work_minutes / SLOT_MINUTES) if policy else 0,
            max_work=policy.max_work_minutes // SLOT_MINUTES if policy else None,
        )

    def starts(self) -> dict[str, dict[str, int]]:
        """Where the placed breaks start, by agent id and break name."""
        return {
            str(a.agent.id): {n: self.horizon.slot_down(r.starts_at) for n, r in a.rows.items()}
            for a in self.agents
        }

    def _agent(self, day: AgentDay, fixed: Fixed) -> SlotAgent:
        breaks = []
        for wanted in day.wanted:
            brk = self.break_of(day, wanted)
            row = day.rows.get(wanted.name)
            if row is not None and fixed(row):
                at = self.horizon.slot_down(row.starts_at)
                # A break kept where it is widens its window rather than make the day infeasible.
                brk = Break(brk.name, brk.length, min(brk.earliest, at), max(brk.latest, at), at)
            breaks.append(brk)
        return SlotAgent(
            id=str(day.agent.id),
            shift_start=self.horizon.slot_up(day.shift.starts_at),
            shift_end=self.horizon.slot_down(day.shift.ends_at),
            breaks=tuple(breaks),
        )

    def break_of(self, day: AgentDay, wanted: Wanted) -> Break:
        """The break as the solver sees it: length and window in slots."""
        begin = day.shift.starts_at
        return Break(
            wanted.name,
            math.ceil(wanted.break_type.length_minutes / SLOT_MINUTES),
            self.horizon.slot_up(begin + timedelta(minutes=wanted.window_start_minutes)),
            self.horizon.slot_down(begin + timedelta(minutes=wanted.window_end_minutes)),
        )


def wanted_breaks(
    shift: Shift, rules: Sequence[BreakRule], types: dict[int, BreakType], team_id: int | None
) -> list[Wanted]:
    """The breaks a shift must have, in order: by where each one's share of its window lies."""
    length = round((shift.ends_at - shift.starts_at).total_seconds() / 60)
    matching = [
        r
        for r in rules
        if r.min_shift_minutes <= length <= r.max_shift_minutes
        and r.break_type_id in types
        and types[r.break_type_id].active
    ]
    # A team's rules for a break type replace the site's rules for that type, whatever length.
    team_types = {r.break_type_id for r in rules if r.team_id is not None and r.team_id == team_id}
    chosen = [r for r in matching if (r.team_id == team_id) == (r.break_type_id in team_types)]
    placed: list[tuple[float, int, BreakRule]] = []
    for rule in chosen:
        span = rule.window_end_minutes - rule.window_start_minutes
        for k in range(rule.count):
            middle = rule.window_start_minutes + (k + 0.5) * span / rule.count
            placed.append((middle, rule.id, rule))
    placed.sort(key=lambda p: (p[0], -types[p[2].break_type_id].length_minutes, p[1]))
    totals: dict[int, int] = {}
    for _pos, _id, rule in placed:
        totals[rule.break_type_id] = totals.get(rule.break_type_id, 0) + 1
    seen: dict[int, int] = {}
    wanted = []
    for _pos, _id, rule in placed:
        kind = types[rule.break_type_id]
        seen[kind.id] = seen.get(kind.id, 0) + 1
        name = kind.name if totals[kind.id] == 1 else f"{kind.name} {seen[kind.id]}"
        wanted.append(Wanted(name, kind, rule.window_start_minutes, rule.window_end_minutes))
    return wanted


def match_rows(day: AgentDay, rows: Sequence[PlannedBreak]) -> None:
    """Pair the shift's rows (by time) with the breaks it must have (by type, in order)."""
    free = list(day.wanted)
    for row in sorted(rows, key=lambda r: r.starts_at):
        wanted = next((w for w in free if w.break_type.id == row.break_type_id), None)
        if wanted is None:
            day.extra.append(row)
            continue
        free.remove(wanted)
        day.rows[wanted.name] = row


def policy_of(policies: Sequence[BreakPolicy], team_id: int) -> Policy | None:
    """The team's policy, else the site's, else none."""
    chosen = next((p for p in policies if p.team_id == team_id), None) or next(
        (p for p in policies if p.team_id is None), None
    )
    if chosen is None:
        return None
    return Policy(chosen.min_work_minutes, chosen.max_work_minutes, chosen.max_on_break)


def requirement_of(values: Sequence[float] | None, slots: int) -> tuple[int, ...]:
    """Whole agents per slot from a requirement (rounded up), padded or cut to `slots`."""
    given = [max(0, math.ceil(v - 1e-9)) for v in (values or ())][:slots]
    return tuple(given + [0] * (slots - len(given)))


def working_per_slot(
    horizon: Horizon, shifts: Sequence[Shift], breaks: Sequence[PlannedBreak]
) -> tuple[int, ...]:
    """Agents on the phones per slot: on shift, and not on one of `breaks`."""
    count = [0] * (horizon.slots + 1)
    for begin, end, step in [(s.starts_at, s.ends_at, 1) for s in shifts] + [
        (b.starts_at, b.ends_at, -1) for b in breaks
    ]:
        first = horizon.clamp(horizon.slot_up(begin) if step > 0 else horizon.slot_down(begin))
        last = horizon.clamp(horizon.slot_down(end) if step > 0 else horizon.slot_up(end))
        if first < last:
            count[first] += step
            count[last] -= step
    total, out = 0, []
    for value in count[:-1]:
        total += value
        out.append(total)
    return tuple(out)


__all__ = [
    "SLOT_MINUTES",
    "AgentDay",
    "Horizon",
    "Policy",
    "TeamDay",
    "Wanted",
    "horizon_of",
    "match_rows",
    "policy_of",
    "requirement_of",
    "wanted_breaks",
    "working_per_slot",
]
