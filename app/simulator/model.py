"""The floor as a discrete-event simulation: calls arrive, wait, get answered or abandon;
agents log in late or not at all, talk, wrap up and go on their published breaks.

Pure and seeded: no clock (`advance(until)` is told the time), no I/O. Output: the events of
specs/events-and-kpis.md as JSON-ready dicts, timestamps in the site's zone with offset.
The same inputs give the same events however `advance` is chunked, so a rerun of the same
day repeats its ids (the API skips them as duplicates).
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from app.simulator.behaviour import Behaviour, ShiftConduct, draw_conduct
from app.simulator.demand import Demand

Event = dict[str, str]
LOOKAHEAD_SECONDS = 8 * 86400  # a queue with no calls for this long stops arriving


@dataclass(frozen=True)
class BreakPlan:
    """A published break: when, and the agent state it shows as (break or lunch)."""

    starts_at: datetime
    ends_at: datetime
    state: str = "break"


@dataclass(frozen=True)
class ShiftPlan:
    """An agent's shift with its published breaks."""

    shift_id: int
    agent: str
    starts_at: datetime
    ends_at: datetime
    breaks: tuple[BreakPlan, ...] = ()


@dataclass
class _Call:
    call_id: str
    queue: str
    offered: float
    waiting: bool = True


@dataclass
class _Agent:
    code: str
    skills: frozenset[str]
    state: str = "logged_out"
    idle_since: float = 0.0
    shift_id: int | None = None
    break_due: tuple[str, float] | None = None  # state, length in seconds
    logout_due: bool = False
    token: int = 0  # bumped on every change, so stale break ends are ignored


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    action: Callable[..., None] = field(compare=False)
    args: tuple[object, ...] = field(compare=False, default=())


class Simulation:
    """One site's floor from `start` on; feed it time with `advance`."""

    def __init__(
        self,
        *,
        agents: Mapping[str, Iterable[str]],
        shifts: Iterable[ShiftPlan],
        demand: Demand,
        start: datetime,
        seed: int,
        behaviour: Behaviour | None = None,
        tag: str = "sim",
    ) -> None:
        self.demand, self.tag, self.seed = demand, tag, seed
        self.behaviour = behaviour or Behaviour()
        self.rng = random.Random(seed)  # noqa: S311 (a simulation, not a secret)
        self.now = start.timestamp()
        self.agents = {code: _Agent(code, frozenset(skills)) for code, skills in agents.items()}
        self.waiting: dict[str, deque[_Call]] = {q: deque() for q in demand.queues}
        self.conduct: dict[int, ShiftConduct] = {}
        self._heap: list[_Due] = []
        self._seq = 0
        self._out: list[Event] = []
        self._counters = {"e": 0, "c": 0}
        for queue in demand.queues:
            self._next_arrival(queue, self.now)
        self._at_work: set[str] = set()
        self.add_shifts(shifts)
        for agent in self.agents.values():
            if agent.code not in self._at_work:
                self._emit_state(agent, "logged_out")

    # -- the clock -------------------------------------------------------------------------
    def advance(self, until: datetime) -> list[Event]:
        """Run everything due up to `until` (inclusive); the events that happened, in order."""
        limit = until.timestamp()
        while self._heap and self._heap[0].at <= limit:
            due = heapq.heappop(self._heap)
            self.now = due.at
            due.action(*due.args)
        self.now = max(self.now, limit)
        out, self._out = self._out, []
        return out

    def _at(self, at: float, action: Callable[..., None], *args: object) -> None:
        self._seq += 1
        heapq.heappush(self._heap, _Due(at, self._seq, action, args))

    # -- the schedule ----------------------------------------------------------------------
    def add_shifts(self, shifts: Iterable[ShiftPlan]) -> None:
        """Plan shifts not seen before (a reload adds tomorrow's); known ones stay as they are."""
        for shift in sorted(shifts, key=lambda s: (s.starts_at, s.agent, s.shift_id)):
            agent = self.agents.get(shift.agent)
            if shift.shift_id in self.conduct or agent is None:
                continue
            rng = random.Random(f"{self.seed}:{shift.shift_id}")  # noqa: S311
            conduct = draw_conduct(rng, self.behaviour, len(shift.breaks))
            self.conduct[shift.shift_id] = conduct
            end = shift.ends_at.timestamp()
            if conduct.absent or end <= self.now:
                continue
            login = shift.starts_at.timestamp() + conduct.login_offset
            if login <= self.now:
                self._at_work.add(agent.code)
            self._at(max(self.now, login), self._login, agent, shift)
            self._at(max(self.now, end + conduct.logout_offset), self._logout_due, agent, shift)
            for plan, delay, overrun in zip(
                shift.breaks, conduct.break_delays, conduct.break_overruns, strict=True
            ):
                self._plan_break(agent, shift, plan, delay, overrun, at_work=login <= self.now)

    def _plan_break(
        self,
        agent: _Agent,
        shift: ShiftPlan,
        plan: BreakPlan,
        delay: float,
        overrun: float,
        *,
        at_work: bool,
    ) -> None:
        start, end = plan.starts_at.timestamp(), plan.ends_at.timestamp()
        if end <= self.now:
            return
        length = max(0.0, end - max(start, self.now)) + overrun
        if start + delay <= self.now:  # under way when the simulation starts
            if at_work:
                agent.break_due = (plan.state, length)
            return
        self._at(max(self.now, start + delay), self._break_due, agent, shift.shift_id,
                 plan.state, length)  # fmt: skip

    def _login(self, agent: _Agent, shift: ShiftPlan) -> None:
        agent.shift_id, agent.logout_due = shift.shift_id, False
        if agent.state == "logged_out":
            self._free(agent)

    def _logout_due(self, agent: _Agent, shift: ShiftPlan) -> None:
        if agent.shift_id != shift.shift_id or agent.state == "logged_out":
            return
        if agent.state == "available":
            self._log_out(agent)
        else:
            agent.logout_due = True

    def _log_out(self, agent: _Agent) -> None:
        agent.shift_id, agent.break_due, agent.logout_due = None, None, False
        agent.token += 1
        self._emit_state(agent, "logged_out")

    def _break_due(self, agent: _Agent, shift_id: int, state: str, length: float) -> None:
        if agent.shift_id != shift_id or agent.state in ("logged_out", "break", "lunch"):
            return
        if agent.state == "available":
            self._go_on_break(agent, state, length)
        else:
            agent.break_due = (state, length)

    def _go_on_break(self, agent: _Agent, state: str, length: float) -> None:
        agent.break_due = None
        agent.token += 1
        self._emit_state(agent, state)
        self._at(self.now + length, self._break_over, agent, agent.token)

    def _break_over(self, agent: _Agent, token: int) -> None:
        if agent.token == token:
            self._free(agent)

    def _free(self, agent: _Agent) -> None:
        """The agent is done with what they were doing: break, log out, or the next call."""
        if agent.break_due is not None:
            self._go_on_break(agent, *agent.break_due)
        elif agent.logout_due:
            self._log_out(agent)
        elif not self._take_waiting_call(agent):
            agent.token += 1
            agent.idle_since = self.now
            self._emit_state(agent, "available")

    # -- calls -----------------------------------------------------------------------------
    def _next_arrival(self, queue: str, after: float) -> None:
        at = after
        while at < after + LOOKAHEAD_SECONDS:
            rate, interval_end = self.demand.rate_at(queue, at)
            if rate > 0:
                gap = self.rng.expovariate(rate)
                if at + gap < interval_end:
                    self._at(at + gap, self._arrive, queue)
                    return
            at = interval_end

    def _arrive(self, queue: str) -> None:
        self._next_arrival(queue, self.now)
        call = _Call(self._id("c"), queue, self.now)
        self._emit("call.offered", call_id=call.call_id, queue=queue)
        agent = self._idle_agent(queue)
        if agent is not None:
            self._answer(call, agent)
            return
        self.waiting[queue].append(call)
        patience = self.rng.expovariate(1 / self.demand.queues[queue].patience_mean_seconds)
        self._at(self.now + patience, self._abandon, call)

    def _idle_agent(self, queue: str) -> _Agent | None:
        idle = [a for a in self.agents.values() if a.state == "available" and queue in a.skills]
        return min(idle, key=lambda a: (a.idle_since, a.code), default=None)

    def _take_waiting_call(self, agent: _Agent) -> bool:
        heads = [self.waiting[q][0] for q in sorted(agent.skills) if self.waiting.get(q)]
        if not heads:
            return False
        call = min(heads, key=lambda c: c.offered)
        self.waiting[call.queue].popleft()
        self._answer(call, agent)
        return True

    def _answer(self, call: _Call, agent: _Agent) -> None:
        call.waiting = False
        agent.token += 1
        self._emit("call.answered", call_id=call.call_id, agent=agent.code)
        self._emit_state(agent, "on_call")
        profile = self.demand.queues[call.queue]
        talk = max(1.0, self.rng.lognormvariate(profile.talk_log_mean, profile.talk_log_sd))
        self._at(self.now + talk, self._hang_up, call, agent)

    def _abandon(self, call: _Call) -> None:
        if call.waiting:
            call.waiting = False
            self.waiting[call.queue].remove(call)
            self._emit("call.abandoned", call_id=call.call_id)

    def _hang_up(self, call: _Call, agent: _Agent) -> None:
        self._emit("call.ended", call_id=call.call_id)
        self._emit_state(agent, "wrap_up")
        wrap = self.rng.lognormvariate(0, self.behaviour.wrap_log_sd)
        self._at(self.now + self.behaviour.wrap_median_seconds * wrap, self._free, agent)

    # -- output ----------------------------------------------------------------------------
    def _id(self, kind: str) -> str:
        self._counters[kind] += 1
        return f"{self.tag}-{kind}{self._counters[kind]}"

    def _emit_state(self, agent: _Agent, state: str) -> None:
        agent.state = state
        self._emit("agent.state", agent=agent.code, state=state)

    def _emit(self, kind: str, **fields: str) -> None:
        ts = datetime.fromtimestamp(self.now, self.demand.tz).isoformat(timespec="milliseconds")
        self._out.append({"id": self._id("e"), "type": kind, "ts": ts, **fields})
