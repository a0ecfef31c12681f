"""Asterisk's queue_log (`epoch|callid|queue|agent|EVENT|data1|data2|...`) as calls and states.

Mapping to the contract (one place, so the importer and the tests agree):
- ENTERQUEUE offers the call to the queue; a callid that enters a queue again (after a
  timeout, say) is a new call `callid/2`, `callid/3`, ...;
- CONNECT answers it (agent = the line's agent); without an ENTERQUEUE in the file the offer
  is put holdtime (data1) seconds earlier;
- COMPLETECALLER, COMPLETEAGENT, TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER end the talk;
- ABANDON, EXITWITHTIMEOUT, EXITWITHKEY, EXITEMPTY: the call left the queue unanswered —
  abandoned (the contract has no third outcome);
- agent states: AGENTLOGIN, AGENTCALLBACKLOGIN, ADDMEMBER -> available; AGENTLOGOFF,
  AGENTCALLBACKLOGOFF, REMOVEMEMBER -> logged_out; PAUSE, PAUSEALL -> the state its reason
  names (break, lunch, meeting, training), else other; UNPAUSE, UNPAUSEALL -> available;
  CONNECT -> on_call, the end of the talk -> back to available (or to the pause it was in);
- other events (RINGNOANSWER, QUEUESTART, CONFIGRELOAD, ...) carry nothing for the KPIs.
Times are UTC. A line that cannot be read refuses the file, every such line named.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kpi.records import (
    LONGEST_AGENT,
    LONGEST_CALL_ID,
    LONGEST_QUEUE,
    AgentState,
    CallRecord,
    RecordError,
    RecordsError,
    StateInterval,
    text_problem,
    time_problem,
)

COLUMNS = ("epoch", "callid", "queue", "agent", "event", "data1", "data2", "data3", "data4")
_ENDS = frozenset(
    {"COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
)
_LEAVES = {"ABANDON": 7, "EXITWITHTIMEOUT": 7, "EXITWITHKEY": 8, "EXITEMPTY": 7}  # waittime field
_LOGINS = frozenset({"AGENTLOGIN", "AGENTCALLBACKLOGIN", "ADDMEMBER"})
_LOGOFFS = frozenset({"AGENTLOGOFF", "AGENTCALLBACKLOGOFF", "REMOVEMEMBER"})
_PAUSE_STATES = {
    s.value: s
    for s in (AgentState.BREAK, AgentState.LUNCH, AgentState.MEETING, AgentState.TRAINING)
}


@dataclass(frozen=True, slots=True)
class QueueLog:
    """What a queue_log holds: calls, agent-state intervals, and the line each call began on."""

    calls: tuple[CallRecord, ...]
    states: tuple[StateInterval, ...]
    lines: Mapping[str, int]


@dataclass(slots=True)
class _Call:
    call_id: str
    queue: str
    offered_at: datetime
    line: int
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    abandoned_at: datetime | None = None
    agent: str | None = None

    def record(self) -> CallRecord:
        answered = None if self.answered_at is None else max(self.answered_at, self.offered_at)
        abandoned = None if self.abandoned_at is None else max(self.abandoned_at, self.offered_at)
        ended = None if self.ended_at is None or answered is None else max(self.ended_at, answered)
        return CallRecord(
            self.call_id, self.queue, self.offered_at, answered, ended, abandoned, self.agent
        )


@dataclass(slots=True)
class _Reader:
    calls: dict[str, _Call] = field(default_factory=dict)  # by call key, in file order
    current: dict[str, str] = field(default_factory=dict)  # callid -> its latest call key
    entries: dict[str, int] = field(default_factory=dict)  # callid -> times entered a queue
    changes: list[tuple[str, datetime, int, AgentState]] = field(default_factory=list)
    paused: dict[str, AgentState] = field(default_factory=dict)
    talking: set[str] = field(default_factory=set)  # a pause while talking starts after the call

    def enter(self, callid: str, queue: str, at: datetime, line: int) -> None:
        count = self.entries.get(callid, 0) + 1
        key = callid if count == 1 else f"{callid}/{count}"
        if not callid or not queue:  # as in a call-record file, a call needs both
            raise RecordError(line, "queue" if callid else "callid", "must not be empty")
        _check_text(key, LONGEST_CALL_ID, line, "callid")
        _check_text(queue, LONGEST_QUEUE, line, "queue")
        self.entries[callid] = count
        self.current[callid] = key
        self.calls[key] = _Call(key, queue, at, line)

    def call(self, callid: str, queue: str, offered_at: datetime, line: int) -> _Call:
        """The callid's call in progress, or one begun at offered_at when the file missed it."""
        if callid not in self.current:
            self.enter(callid, queue, offered_at, line)
        return self.calls[self.current[callid]]

    def state(self, agent: str, at: datetime, line: int, state: AgentState) -> None:
        if agent and agent != "NONE":
            _check_text(agent, LONGEST_AGENT, line, "agent")
            self.changes.append((agent, at, line, state))


def _check_text(value: str, longest: int, line: int, column: str) -> None:
    if (problem := text_problem(value, longest)) is not None:
        raise RecordError(line, column, problem)


def _before(at: datetime, fields: list[str], index: int, line: int) -> datetime:
    """`at` less the seconds in fields[index] (a wait): when the call was offered."""
    value = fields[index] if index < len(fields) else ""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise RecordError(line, COLUMNS[index], f"not a number of seconds: {value!r}")
    try:
        offered: datetime | None = at - timedelta(seconds=seconds)
    except OverflowError:
        offered = None
    if offered is None or time_problem(offered) is not None:
        reason = f"a wait of {value} seconds puts the offer outside the times a record can hold"
        raise RecordError(line, COLUMNS[index], reason)
    return offered


def _read_line(reader: _Reader, raw: str, line: int) -> None:
    fields = raw.rstrip("\r\n").split("|")
    if len(fields) < 5:
        raise RecordError(
            line,
            COLUMNS[len(fields)] if fields else "epoch",
            "expected epoch|callid|queue|agent|EVENT",
        )
    try:
        at = datetime.fromtimestamp(float(fields[0]), UTC)
    except (ValueError, OverflowError, OSError):
        raise RecordError(line, "epoch", f"not a Unix time: {fields[0]!r}") from None
    if (problem := time_problem(at)) is not None:
        raise RecordError(line, "epoch", f"{problem}: {fields[0]!r}")
    if not _read_call_event(reader, fields, line, at):
        _read_agent_event(reader, fields, line, at)


def _read_call_event(reader: _Reader, fields: list[str], line: int, at: datetime) -> bool:
    """Apply a call's event; False when the event is not about a call."""
    callid, queue, agent, event = (f.strip() for f in fields[1:5])
    if event == "ENTERQUEUE":
        reader.enter(callid, queue, at, line)
    elif event == "CONNECT":
        call = reader.call(callid, queue, _before(at, fields, 5, line), line)
        _check_text(agent, LONGEST_AGENT, line, "agent")
        call.answered_at, call.agent = at, agent or None
        reader.talking.add(agent)
        reader.state(agent, at, line, AgentState.ON_CALL)
    elif event in _ENDS:
        if callid in reader.current:
            reader.calls[reader.current[callid]].ended_at = at
        reader.talking.discard(agent)
        reader.state(agent, at, line, reader.paused.get(agent, AgentState.AVAILABLE))
    elif event in _LEAVES:
        has_wait = len(fields) > _LEAVES[event]
        offered = _before(at, fields, _LEAVES[event], line) if has_wait else at
        call = reader.call(callid, queue, offered, line)
        if call.answered_at is None:
            call.abandoned_at = at
    else:
        return False
    return True


def _read_agent_event(reader: _Reader, fields: list[str], line: int, at: datetime) -> None:
    agent, event = fields[3].strip(), fields[4].strip()
    if event in _LOGINS or event in ("UNPAUSE", "UNPAUSEALL"):
        reader.paused.pop(agent, None)
        if agent not in reader.talking:
            reader.state(agent, at, line, AgentState.AVAILABLE)
    elif event in _LOGOFFS:
        reader.paused.pop(agent, None)
        reader.talking.discard(agent)
        reader.state(agent, at, line, AgentState.LOGGED_OUT)
    elif event in ("PAUSE", "PAUSEALL"):
        reason = fields[5].strip().lower() if len(fields) > 5 else ""
        reader.paused[agent] = _PAUSE_STATES.get(reason, AgentState.OTHER)
        if agent not in reader.talking:
            reader.state(agent, at, line, reader.paused[agent])


def _intervals(changes: list[tuple[str, datetime, int, AgentState]]) -> list[StateInterval]:
    """Each agent's state lasts until their next change; repeats merge, empty intervals drop."""
    by_agent: dict[str, list[tuple[datetime, int, AgentState]]] = {}
    for agent, at, line, state in changes:
        by_agent.setdefault(agent, []).append((at, line, state))
    intervals: list[StateInterval] = []
    for agent, found in by_agent.items():
        found.sort(key=lambda change: (change[0], change[1]))
        merged = [c for i, c in enumerate(found) if i == 0 or c[2] is not found[i - 1][2]]
        for (start, _, state), following in zip(merged, [*merged[1:], None], strict=True):
            end = following[0] if following else None
            if end is None or end > start:
                intervals.append(StateInterval(agent, state, start, end))
    return sorted(intervals, key=lambda i: (i.start, i.agent))


def parse_queue_log(text: str | Iterable[str]) -> QueueLog:
    """Parse a queue_log; raise RecordsError listing every line that cannot be read."""
    lines = text.splitlines() if isinstance(text, str) else text
    reader = _Reader()
    errors: list[RecordError] = []
    for line, raw in enumerate(lines, start=1):
        if raw.strip() == "":
            continue
        try:
            _read_line(reader, raw, line)
        except RecordError as error:
            errors.append(error)
    if errors:
        raise RecordsError(errors)
    calls = tuple(call.record() for call in reader.calls.values())
    lines_of = {call.call_id: call.line for call in reader.calls.values()}
    return QueueLog(calls=calls, states=tuple(_intervals(reader.changes)), lines=lines_of)
