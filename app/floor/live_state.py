"""One site's Floor kept in memory, brought up to date from what the feed stored since.

`service.load_floor` reads the whole day and computes the Floor from scratch: the reference.
A `SiteState` gives the same Floor (up to float rounding) at a fraction of the cost, so the
live screen can follow 2,000 agents every second: it reads only the calls and agents touched
since its last look (raw events, calls and states stored after its marks), recomputes the
figures of the (queue, five minutes) buckets those calls fall in, and the adherence of each agent
from a checkpoint on (what came before the checkpoint is kept, unless the agent's past
changed). Marks grow per site in commit order: the feed's writers hold a per-site lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.floor import records
from app.floor.service import (
    GRACE_SECONDS,
    INTERVAL_MINUTES,
    OPEN_CALL_LOOKBACK,
    RULES,
    CurvePoint,
    Floor,
    agent_rows,
    thresholds_of,
)
from app.models import Site
from kpi.adherence import AgentAdherence, ScheduledActivity, agent_adherence, combined_adherence
from kpi.alerts import evaluate_alerts
from kpi.definitions import DEFAULT_THRESHOLDS, CallFigures, WrapUps, call_figures, interval_start
from kpi.live import (
    LiveBoard,
    QueueNow,
    call_as_of,
    merged_figures,
    open_call_figures,
    state_as_of,
)
from kpi.records import AgentState, CallRecord, StateInterval

CHECKPOINT_SECONDS = 60  # adherence before the checkpoint is kept; it moves on every minute
SCHEDULE_SECONDS = 15  # the published schedule (breaks re-planned) is re-read this often
BUCKET_MINUTES = 5  # calls are counted in buckets this long, added up per interval
Bucket = tuple[str, datetime, datetime]  # queue, interval start, bucket start
EMPTY = call_figures(())


class WrapUpIndex(WrapUps):
    """Wrap-ups kept per agent, so that one agent's can be replaced alone."""

    def __init__(self) -> None:
        super().__init__(())
        self._agents: dict[str, WrapUps] = {}

    def set_agent(self, agent: str, states: Iterable[StateInterval]) -> None:
        """Replace the agent's wrap-ups (states as of now)."""
        self._agents[agent] = WrapUps(states)

    def following(self, call: CallRecord, gap_seconds: float) -> StateInterval | None:
        """The wrap_up following the call, as WrapUps finds it among its agent's."""
        found = self._agents.get(call.agent) if call.agent is not None else None
        return None if found is None else found.following(call, gap_seconds)


def _future(call: CallRecord, now: datetime) -> bool:
    times = (call.offered_at, call.answered_at, call.ended_at, call.abandoned_at)
    return any(t is not None and t > now for t in times)


class SiteState:
    """A site's calls, agent states and schedule of today, and what was computed from them."""

    def __init__(self, site_id: int) -> None:
        self.site_id = site_id
        self.day_start: datetime | None = None
        self.marks = (0, 0, 0)
        self.calls: dict[str, CallRecord] = {}
        self.bucket_of: dict[str, Bucket] = {}
        self.buckets: dict[Bucket, dict[str, CallRecord]] = defaultdict(dict)
        self.figures: dict[Bucket, CallFigures] = {}
        self.dirty: set[Bucket] = set()
        self.volatile_calls: set[str] = set()  # with a time after the last refresh's now
        self.open_calls: set[str] = set()
        self.calls_of_agent: dict[str, set[str]] = defaultdict(set)
        self.states: dict[str, list[StateInterval]] = {}
        self.wrap_ups = WrapUpIndex()
        self.schedule: list[ScheduledActivity] = []
        self.schedule_read_at: datetime | None = None
        self.checkpoint: datetime | None = None
        self.heads: dict[str, AgentAdherence] = {}
        self.stale_heads: set[str] = set()
        self.read_whole_day = False  # the last refresh read the whole day

    def records_held(self) -> int:
        """How many calls and agent states are kept."""
        return len(self.calls) + sum(len(states) for states in self.states.values())

    # reading
    def refresh(self, db: Session, *, site: Site, now: datetime) -> Floor:
        """The Floor at `now` (the live clock: it only moves forward)."""
        tz = ZoneInfo(site.timezone)
        day_start = interval_start(now, tz=tz, interval_minutes=24 * 60)
        if day_start != self.day_start:
            self.__init__(self.site_id)  # type: ignore[misc]
            self.day_start, self.read_whole_day = day_start, True
            self._load_all(db, tz=tz, now=now)
        else:
            self.read_whole_day = False
            self._load_changes(db, tz=tz, now=now)
        if self.schedule_read_at is None or now - self.schedule_read_at >= timedelta(
            seconds=SCHEDULE_SECONDS
        ):
            self._read_schedule(db, now=now)
        return self._floor(db, site=site, tz=tz, now=now)

    def _load_all(self, db: Session, *, tz: ZoneInfo, now: datetime) -> None:
        assert self.day_start is not None
        self.marks = records.marks(db, site_id=self.site_id)
        # Before today only the calls still open count (waiting or talking now), and only the
        # states that last into today.
        since, later = self.day_start - OPEN_CALL_LOOKBACK, now + timedelta(days=1)
        earlier = self.day_start - timedelta(microseconds=1)
        for call in (
            *records.calls_for_floor(
                db, site_id=self.site_id, since=since, now=earlier, open_only=True
            ),
            *records.calls_for_floor(db, site_id=self.site_id, since=self.day_start, now=later),
        ):
            self._put_call(call, tz=tz)
        by_agent: dict[str, list[StateInterval]] = defaultdict(list)
        for state in records.states_for_floor(
            db, site_id=self.site_id, since=self.day_start, now=later
        ):
            by_agent[state.agent].append(state)
        for agent, states in by_agent.items():
            self._put_states(agent, states, now=now)

    def _load_changes(self, db: Session, *, tz: ZoneInfo, now: datetime) -> None:
        changes = records.changes_since(db, site_id=self.site_id, after=self.marks)
        self.marks = changes.marks
        if changes.call_ids:
            for call in records.calls_by_id(
                db, site_id=self.site_id, call_ids=sorted(changes.call_ids)
            ):
                self._put_call(call, tz=tz)
        fresh: dict[str, list[StateInterval]] = defaultdict(list)
        for state in records.states_of_agents(db, site_id=self.site_id, since=changes.agents_since):
            fresh[state.agent].append(state)
        for agent, since in changes.agents_since.items():
            kept = [s for s in self.states.get(agent, []) if s.end is not None and s.end < since]
            self._put_states(agent, kept + fresh[agent], now=now, changed_from=since)

    def _read_schedule(self, db: Session, *, now: datetime) -> None:
        assert self.day_start is not None
        schedule = records.published_schedule(
            db,
            site_id=self.site_id,
            since=self.day_start,
            until=self.day_start + timedelta(days=1),
        )
        if schedule != self.schedule:
            before, after = defaultdict(list), defaultdict(list)
            for piece in self.schedule:
                before[piece.agent].append(piece)
            for piece in schedule:
                after[piece.agent].append(piece)
            self.stale_heads |= {a for a in before.keys() | after.keys() if before[a] != after[a]}
            self.schedule = schedule
        self.schedule_read_at = now

    # keeping
    def _put_call(self, call: CallRecord, *, tz: ZoneInfo) -> None:
        old_bucket = self.bucket_of.pop(call.call_id, None)
        old = self.calls.get(call.call_id)
        if old_bucket is not None:
            self.buckets[old_bucket].pop(call.call_id, None)
            self.dirty.add(old_bucket)
        if old is not None and old.agent is not None:
            self.calls_of_agent[old.agent].discard(call.call_id)
        bucket = (
            call.queue,
            interval_start(call.offered_at, tz=tz, interval_minutes=INTERVAL_MINUTES),
            interval_start(call.offered_at, tz=tz, interval_minutes=BUCKET_MINUTES),
        )
        self.calls[call.call_id] = call
        self.bucket_of[call.call_id] = bucket
        self.buckets[bucket][call.call_id] = call
        self.dirty.add(bucket)
        if call.agent is not None:
            self.calls_of_agent[call.agent].add(call.call_id)
        if call.abandoned_at is None and call.ended_at is None:
            self.open_calls.add(call.call_id)
        else:
            self.open_calls.discard(call.call_id)
        self.volatile_calls.add(call.call_id)  # looked at again on the next refresh

    def _put_states(
        self,
        agent: str,
        states: list[StateInterval],
        *,
        now: datetime,
        changed_from: datetime | None = None,
    ) -> None:
        states = sorted(states, key=lambda s: s.start)
        old = self.states.get(agent, [])
        self.states[agent] = states
        self.wrap_ups.set_agent(agent, states)
        if self.checkpoint is not None and _clipped(old, self.checkpoint) != _clipped(
            states, self.checkpoint
        ):
            self.stale_heads.add(agent)
        gap = timedelta(seconds=DEFAULT_THRESHOLDS.wrap_up_gap_seconds)
        if changed_from is not None and _wrap_ups(old, changed_from - gap) != _wrap_ups(
            states, changed_from - gap
        ):  # the calls whose wrap-up may have changed
            for call_id in self.calls_of_agent.get(agent, ()):
                call = self.calls[call_id]
                if call.ended_at is None or call.ended_at >= changed_from - gap:
                    self.dirty.add(self.bucket_of[call_id])

    # computing
    def _floor(self, db: Session, *, site: Site, tz: ZoneInfo, now: datetime) -> Floor:
        assert self.day_start is not None
        thresholds = thresholds_of(site)
        for call_id in list(self.volatile_calls):
            if not _future(self.calls[call_id], now):
                self.volatile_calls.discard(call_id)
            self.dirty.add(self.bucket_of[call_id])
        for bucket in self.dirty:
            seen = (call_as_of(c, now) for c in self.buckets[bucket].values())
            self.figures[bucket] = call_figures(
                [c for c in seen if c is not None], thresholds=thresholds, wrap_ups=self.wrap_ups
            )
        self.dirty = set()
        states_now = self._states_now(now)
        board = self._board(records.site_queues(db, site_id=self.site_id), states_now, tz, now)
        adherence = self._adherence(now)
        return Floor(
            site=site,
            board=board,
            agents=agent_rows(
                records.site_agents(db, site_id=self.site_id),
                [s for states in states_now.values() for s in states],
                self.schedule,
                {a.agent: a for a in adherence},
                now,
            ),
            curve=self._curve(),
            alerts=evaluate_alerts(board, RULES, adherence),
            rules=RULES,
        )

    def _states_now(self, now: datetime) -> dict[str, list[StateInterval]]:
        """Each agent's latest states as of now: the one current, and any open."""
        current: dict[str, list[StateInterval]] = {}
        for agent, states in self.states.items():
            recent = []
            for state in reversed(states):
                seen = state_as_of(state, now)
                if seen is None:
                    continue
                recent.append(seen)
                if seen.end is not None and seen.end <= now:
                    break
            current[agent] = recent
        return current

    def _board(
        self,
        active_queues: list[str],
        states_now: dict[str, list[StateInterval]],
        tz: ZoneInfo,
        now: datetime,
    ) -> LiveBoard:
        assert self.day_start is not None
        this_start = interval_start(now, tz=tz, interval_minutes=INTERVAL_MINUTES)
        today: dict[str, list[CallFigures]] = defaultdict(list)
        this: dict[str, list[CallFigures]] = defaultdict(list)
        for (queue, start, _), figures in self.figures.items():
            if start >= self.day_start and figures.offered:
                today[queue].append(figures)
                if start == this_start:
                    this[queue].append(figures)
        open_by_queue: dict[str, list[CallRecord]] = defaultdict(list)
        for call_id in self.open_calls | self.volatile_calls:
            seen = call_as_of(self.calls[call_id], now)
            if seen is not None and seen.abandoned_at is None and seen.ended_at is None:
                open_by_queue[seen.queue].append(seen)
        names = sorted(set(active_queues) | set(today) | set(open_by_queue))

        def now_of(queue: str) -> QueueNow:
            return open_call_figures(
                queue,
                open_by_queue[queue],
                now=now,
                this_interval=merged_figures(this[queue]) if this[queue] else EMPTY,
                today=merged_figures(today[queue]),
            )

        queues = tuple(now_of(name) for name in names)
        everything = open_call_figures(
            None,
            [c for calls in open_by_queue.values() for c in calls],
            now=now,
            this_interval=merged_figures(q.this_interval for q in queues),
            today=merged_figures(f for parts in today.values() for f in parts),
        )
        by_state: dict[AgentState, int] = defaultdict(int)
        for agent_states in states_now.values():
            current = _current(agent_states, now)
            if current is not None:
                by_state[current.state] += 1
        return LiveBoard(now, this_start, self.day_start, queues, everything, dict(by_state))

    def _curve(self) -> tuple[CurvePoint, ...]:
        assert self.day_start is not None
        by_start: dict[datetime, list[CallFigures]] = defaultdict(list)
        for (_, start, _), figures in self.figures.items():
            if start >= self.day_start and figures.offered:
                by_start[start].append(figures)
        points = []
        for start in sorted(by_start):
            merged = merged_figures(by_start[start])
            points.append(CurvePoint(start, merged.service_level, merged.offered))
        return tuple(points)

    def _adherence(self, now: datetime) -> tuple[AgentAdherence, ...]:
        assert self.day_start is not None
        if self.checkpoint is None:
            self.checkpoint = max(self.day_start, now.replace(second=0, microsecond=0))
            self.heads = self._window(self.day_start, self.checkpoint, self.states)
            self.stale_heads.clear()
        if self.stale_heads:
            agents = {a: self.states.get(a, []) for a in self.stale_heads}
            self.heads.update(self._window(self.day_start, self.checkpoint, agents))
            self.stale_heads.clear()
        if now - self.checkpoint >= timedelta(seconds=CHECKPOINT_SECONDS):
            moved = now.replace(second=0, microsecond=0)
            part = self._window(self.checkpoint, moved, self._overlapping(self.checkpoint, moved))
            self.heads = _combined(self.heads, part, self.checkpoint, moved)
            self.checkpoint = moved
        tail = self._window(self.checkpoint, now, self._overlapping(self.checkpoint, now))
        return tuple(_combined(self.heads, tail, self.checkpoint, now).values())

    def _overlapping(self, start: datetime, end: datetime) -> dict[str, list[StateInterval]]:
        found: dict[str, list[StateInterval]] = {}
        for agent, states in self.states.items():
            recent = []
            for state in reversed(states):
                if state.end is not None and state.end <= start:
                    break
                if state.start <= end:
                    recent.append(state)
            found[agent] = recent
        return found

    def _window(
        self, start: datetime, end: datetime, states: dict[str, list[StateInterval]]
    ) -> dict[str, AgentAdherence]:
        near_start = start - timedelta(seconds=GRACE_SECONDS)
        near_end = end + timedelta(seconds=GRACE_SECONDS)
        pieces = [  # a piece further than the grace from the window changes nothing in it
            p
            for p in self.schedule
            if p.agent in states and p.end >= near_start and p.start <= near_end
        ]
        seen = [s for found in states.values() for s in (state_as_of(i, end) for i in found) if s]
        results = agent_adherence(pieces, seen, start=start, end=end, grace_seconds=GRACE_SECONDS)
        return {a.agent: a for a in results}


def _wrap_ups(states: list[StateInterval], since: datetime) -> list[StateInterval]:
    return [
        s for s in states if s.state is AgentState.WRAP_UP and (s.end is None or s.end >= since)
    ]


def _clipped(
    states: list[StateInterval], checkpoint: datetime
) -> list[tuple[AgentState, datetime, datetime]]:
    return [
        (s.state, s.start, checkpoint if s.end is None else min(s.end, checkpoint))
        for s in states
        if s.start < checkpoint
    ]


def _current(states: list[StateInterval], now: datetime) -> StateInterval | None:
    holding = [s for s in states if s.start <= now and (s.end is None or s.end > now)]
    return max(holding, key=lambda s: s.start, default=None)


def _combined(
    heads: dict[str, AgentAdherence],
    tails: dict[str, AgentAdherence],
    split: datetime,
    end: datetime,
) -> dict[str, AgentAdherence]:
    combined: dict[str, AgentAdherence] = {}
    for agent in sorted(heads.keys() | tails.keys()):
        head, tail = heads.get(agent), tails.get(agent)
        if head is not None and tail is not None:
            combined[agent] = combined_adherence(head, tail, split=split, end=end)
        elif head is not None or tail is not None:
            combined[agent] = head or tail  # type: ignore[assignment]
    return combined
