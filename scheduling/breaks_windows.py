"""Where each break of one agent can start, or why it cannot: each agent checked on its own.

An agent's rules form a chain: shift start, break 1, ..., break K, shift end, where each
stretch of work between two neighbours must last [min_work, max_work] slots. Bounds pushed
forward then backward along a chain of such difference constraints leave exactly the starts
that belong to some plan of that agent, so an empty range proves the agent infeasible.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduling.breaks_types import Agent, AgentReason, Break, Instance

NO_LIMIT = 10**9  # max_work when there is none, in slots


@dataclass(frozen=True, slots=True)
class StartRange:
    """The starts a break can take in some plan of its agent: [lo, hi], in slots."""

    lo: int
    hi: int


@dataclass(slots=True)
class _Bound:
    value: int
    why: str


def start_ranges(agent: Agent, instance: Instance) -> tuple[StartRange, ...] | AgentReason:
    """One range per break of `agent`, or the first reason the agent cannot take its breaks."""
    reason = (
        _window_reason(agent, instance)
        or _no_break_reason(agent, instance)
        or _chain_reason(agent, instance)
    )
    if reason:
        return AgentReason(agent.id, reason)
    return _propagated(agent, instance)


def always_on_break(brk: Break, rng: StartRange) -> range:
    """Slots the break covers wherever in its range it starts."""
    return range(rng.hi, rng.lo + brk.length)


def _own_range(brk: Break, agent: Agent, not_before: int) -> tuple[int, int]:
    if brk.fixed_start is not None:
        return brk.fixed_start, brk.fixed_start
    lo = max(brk.earliest, agent.shift_start, not_before)
    return lo, min(brk.latest, agent.shift_end - brk.length)


def _window_reason(agent: Agent, instance: Instance) -> str | None:
    """A reason that concerns one break alone: its window, its fixed start, not_before."""
    shift = f"shift {agent.shift_start}-{agent.shift_end}"
    for brk in agent.breaks:
        window = f"window {brk.earliest}-{brk.latest}"
        last_start = min(brk.latest, agent.shift_end - brk.length)
        if brk.earliest > brk.latest:
            return f"{brk.name} {window} is empty"
        if brk.fixed_start is not None:
            if not brk.earliest <= brk.fixed_start <= brk.latest:
                return f"{brk.name} is fixed at {brk.fixed_start}, outside its {window}"
            if not agent.shift_start <= brk.fixed_start <= agent.shift_end - brk.length:
                return f"{brk.name} is fixed at {brk.fixed_start}, not inside {shift}"
        elif max(brk.earliest, agent.shift_start) > last_start:
            return f"{brk.name} ({brk.length} slots) cannot start in its {window} inside {shift}"
        elif instance.not_before > last_start:
            return (
                f"{brk.name} must start by {last_start} but not_before is "
                f"{instance.not_before}: fix it where it was taken, or widen its window"
            )
    return None


def _no_break_reason(agent: Agent, instance: Instance) -> str | None:
    """For an agent without breaks, the whole shift is one stretch of work."""
    if agent.breaks:
        return None
    length = agent.shift_end - agent.shift_start
    shift = f"shift {agent.shift_start}-{agent.shift_end} has no break and is {length} slots"
    if instance.max_work is not None and length > instance.max_work:
        return f"{shift}, more than max_work {instance.max_work}"
    if length < instance.min_work:
        return f"{shift}, less than min_work {instance.min_work}"
    return None


def _chain_reason(agent: Agent, instance: Instance) -> str | None:
    """A reason that concerns the stretches of work around breaks (the forward pass)."""
    if not agent.breaks:
        return None
    min_work = instance.min_work
    max_work = NO_LIMIT if instance.max_work is None else instance.max_work
    prev_lo = _Bound(agent.shift_start, f"the shift starts at {agent.shift_start}")
    prev_hi = _Bound(agent.shift_start, prev_lo.why)
    prev_len = 0
    for brk in agent.breaks:
        own_lo, own_hi = _own_range(brk, agent, instance.not_before)
        lo = _Bound(own_lo, _own_why(brk, own_lo, instance.not_before, low=True))
        hi = _Bound(own_hi, _own_why(brk, own_hi, instance.not_before, low=False))
        lo = max(lo, _pushed(prev_lo, prev_len, min_work, "min_work"), key=_value)
        hi = min(hi, _pushed(prev_hi, prev_len, max_work, "max_work"), key=_value)
        if lo.value > hi.value:
            return (
                f"{brk.name} cannot start before {lo.value} ({lo.why}) "
                f"nor after {hi.value} ({hi.why})"
            )
        prev_lo, prev_hi, prev_len = _named(lo, brk.name), _named(hi, brk.name), brk.length
    end = agent.shift_end
    earliest_end = _pushed(prev_lo, prev_len, min_work, "min_work")
    latest_end = _pushed(prev_hi, prev_len, max_work, "max_work")
    if earliest_end.value > end:
        return f"the shift ends at {end}, but {earliest_end.why}"
    if latest_end.value < end:
        return f"the shift ends at {end}, but {latest_end.why}"
    return None


def _value(bound: _Bound) -> int:
    return bound.value


def _own_why(brk: Break, value: int, not_before: int, *, low: bool) -> str:
    if brk.fixed_start is not None:
        return f"it is fixed at {value}"
    if low and value == not_before and value > brk.earliest:
        return f"not_before is {not_before}"
    if value == (brk.earliest if low else brk.latest):
        return f"its window {'opens' if low else 'closes'} at {value}"
    return "it must lie inside the shift"


def _named(bound: _Bound, name: str) -> _Bound:
    """The bound on a break's start, restated as what it implies for whatever comes next."""
    return _Bound(bound.value, name)


def _pushed(prev: _Bound, prev_len: int, work: int, rule: str) -> _Bound:
    value = prev.value + prev_len + work
    if prev_len == 0:  # the shift start
        subject = prev.why
    else:
        at = "at the earliest" if rule == "min_work" else "at the latest"
        subject = f"{prev.why} ends at {prev.value + prev_len} {at}"
    if work in (0, NO_LIMIT):
        return _Bound(value, subject)
    return _Bound(value, f"{subject} and {rule} is {work}")


def _propagated(agent: Agent, instance: Instance) -> tuple[StartRange, ...]:
    """Ranges after the forward and the backward pass; both passes keep every feasible start."""
    min_work = instance.min_work
    max_work = NO_LIMIT if instance.max_work is None else instance.max_work
    lo = [agent.shift_start]
    hi = [agent.shift_start]
    lengths = [0] + [b.length for b in agent.breaks]
    for k, brk in enumerate(agent.breaks, start=1):
        own_lo, own_hi = _own_range(brk, agent, instance.not_before)
        lo.append(max(own_lo, lo[k - 1] + lengths[k - 1] + min_work))
        hi.append(min(own_hi, hi[k - 1] + lengths[k - 1] + max_work))
    next_lo = next_hi = agent.shift_end
    for k in range(len(agent.breaks), 0, -1):
        lo[k] = max(lo[k], next_lo - lengths[k] - max_work)
        hi[k] = min(hi[k], next_hi - lengths[k] - min_work)
        next_lo, next_hi = lo[k], hi[k]
    return tuple(StartRange(lo[k], hi[k]) for k in range(1, len(lo)))
