"""The Anonymous Bank call-center data (Technion SEE lab, 1999): rows, and the contract's calls.

The source: tab-separated text, a header row, one row per call that left the voice menu (VRU)
asking for an agent; clock times are local H:MM:SS on the row's date, durations in seconds.
Mapping to the contract's CallRecord (one place, so the demo and the importer agree):
- PHANTOM rows are virtual calls and are dropped;
- a HANG row that never reached the queue (q_start = q_exit = 0:00:00) hung up in the voice
  menu: not offered, dropped; a queued HANG is abandoned at q_exit;
- a queued AGENT row is offered at q_start and answered at q_exit (wait = q_time); a row that
  was not queued went straight to an agent: offered and answered at vru_exit (wait 0);
- talk = ser_time, so ended_at = answered_at + ser_time. The service clock runs a second or
  two off the queue clock, and some rows carry ser_start = ser_exit = 0:00:00: ser_time is
  the only talk figure that is right on every row;
- a clock time that is more than 12 hours before the previous one in the row is on the next
  day (calls that cross midnight); smaller backward steps are the data's clock skew;
- server NO_SERVER means the agent is unknown (agent None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache

from kpi.records import CallRecord, RecordError, RecordsError

BANK_COLUMNS = (
    "vru+line", "call_id", "customer_id", "priority", "type", "date",
    "vru_entry", "vru_exit", "vru_time", "q_start", "q_exit", "q_time",
    "outcome", "ser_start", "ser_exit", "ser_time", "server",
)  # fmt: skip
NO_SERVER = "NO_SERVER"
_CLOCK_COLUMNS = ("vru_entry", "vru_exit", "q_start", "q_exit", "ser_start", "ser_exit")
_MIDNIGHT = time(0, 0, 0)
_HALF_DAY = timedelta(hours=12)


class Outcome(StrEnum):
    """How the call left the queue: served by an agent, hung up, or a virtual call."""

    AGENT = "AGENT"
    HANG = "HANG"
    PHANTOM = "PHANTOM"


@dataclass(frozen=True, slots=True)
class BankCall:
    """One row of the source, typed; clock times are local, durations in seconds."""

    line: int
    vru_line: str
    call_id: str
    customer_id: str
    priority: int
    call_type: str
    day: date
    vru_entry: time
    vru_exit: time
    vru_seconds: int
    q_start: time
    q_exit: time
    q_seconds: int
    outcome: Outcome
    ser_start: time
    ser_exit: time
    ser_seconds: int
    server: str

    @property
    def queued(self) -> bool:
        """Whether the call entered the queue (not queued: q_start = q_exit = 0:00:00)."""
        return not (self.q_start == _MIDNIGHT and self.q_exit == _MIDNIGHT and self.q_seconds == 0)


@lru_cache(maxsize=4096)
def _clock_time(value: str) -> time:
    hours, minutes, seconds = (int(part) for part in value.split(":"))
    return time(hours, minutes, seconds)


def _clock(value: str, line: int, column: str) -> time:
    try:
        return _clock_time(value)
    except ValueError:
        raise RecordError(line, column, f"not a clock time H:MM:SS: {value!r}") from None


def _integer(value: str, line: int, column: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise RecordError(line, column, f"not a whole number: {value!r}") from None


def _day(value: str, line: int) -> date:
    try:
        year = int(value[:2])
        return date(year + (1900 if year >= 50 else 2000), int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise RecordError(line, "date", f"not a date YYMMDD: {value!r}") from None


def _fields(raw: str, line: int) -> list[str]:
    fields = raw.rstrip("\r\n").split("\t")
    if len(fields) == len(BANK_COLUMNS) - 1:
        # Some rows have priority and type joined by spaces ("0       NW") instead of a tab.
        joined = fields[3].split()
        if len(joined) == 2:
            fields[3:4] = joined
    if len(fields) != len(BANK_COLUMNS):
        reason = f"{len(fields)} fields, expected {len(BANK_COLUMNS)}"
        raise RecordError(line, BANK_COLUMNS[min(len(fields), len(BANK_COLUMNS) - 1)], reason)
    return [field.strip() for field in fields]


def _bank_call(raw: str, line: int) -> BankCall:
    row = dict(zip(BANK_COLUMNS, _fields(raw, line), strict=True))
    try:
        outcome = Outcome(row["outcome"])
    except ValueError:
        raise RecordError(line, "outcome", f"unknown outcome {row['outcome']!r}") from None
    clocks = {name: _clock(row[name], line, name) for name in _CLOCK_COLUMNS}
    numbers = {
        name: _integer(row[name], line, name)
        for name in ("priority", "vru_time", "q_time", "ser_time")
    }
    return BankCall(
        line=line, vru_line=row["vru+line"], call_id=row["call_id"],
        customer_id=row["customer_id"], priority=numbers["priority"], call_type=row["type"],
        day=_day(row["date"], line),
        vru_entry=clocks["vru_entry"], vru_exit=clocks["vru_exit"],
        vru_seconds=numbers["vru_time"],
        q_start=clocks["q_start"], q_exit=clocks["q_exit"], q_seconds=numbers["q_time"],
        outcome=outcome,
        ser_start=clocks["ser_start"], ser_exit=clocks["ser_exit"],
        ser_seconds=numbers["ser_time"], server=row["server"],
    )  # fmt: skip


def parse_bank_calls(text: str | Iterable[str]) -> tuple[BankCall, ...]:
    """Parse the tab-separated source (header first); raise RecordsError listing every bad row."""
    lines = iter(text.splitlines() if isinstance(text, str) else text)
    header = next(lines, "").lstrip("\ufeff").rstrip("\r\n").split("\t")
    if [name.strip() for name in header] != list(BANK_COLUMNS):
        raise RecordsError([RecordError(1, "vru+line", "not the Anonymous Bank header row")])
    calls: list[BankCall] = []
    errors: list[RecordError] = []
    for line, raw in enumerate(lines, start=2):
        if raw.strip() == "":
            continue
        try:
            calls.append(_bank_call(raw, line))
        except RecordError as error:
            errors.append(error)
    if errors:
        raise RecordsError(errors)
    return tuple(calls)


def _near(previous: datetime, clock: time) -> datetime:
    """The wall-clock moment at `clock` nearest to `previous` (crossing midnight either way)."""
    moment = datetime.combine(previous.date(), clock)
    if moment < previous - _HALF_DAY:
        return moment + timedelta(days=1)
    if moment > previous + _HALF_DAY:
        return moment - timedelta(days=1)
    return moment


def to_call_record(call: BankCall, *, tz: tzinfo) -> CallRecord | None:
    """The contract's call for one row, in the site's time zone; None when it was never offered.

    Raises RecordError when the row's times cannot be a call (none do in January or October).
    """
    if call.outcome is Outcome.PHANTOM or (call.outcome is Outcome.HANG and not call.queued):
        return None
    entered = datetime.combine(call.day, call.vru_entry)
    left_vru = _near(entered, call.vru_exit)
    if call.queued:
        offered = _near(left_vru, call.q_start)
        left_queue = _near(offered, call.q_exit)
    else:
        offered = left_queue = left_vru
    offered_at, left_queue_at = offered.replace(tzinfo=tz), left_queue.replace(tzinfo=tz)
    call_id = f"{call.day:%y%m%d}-{call.vru_line}-{call.call_id}"
    if left_queue_at < offered_at:
        raise RecordError(call.line, "q_exit", "the call left the queue before entering it")
    if call.outcome is Outcome.HANG:
        return CallRecord(call_id, call.call_type, offered_at, abandoned_at=left_queue_at)
    if call.ser_seconds < 0:
        raise RecordError(call.line, "ser_time", "a negative service time")
    ended_at = (left_queue_at.astimezone(UTC) + timedelta(seconds=call.ser_seconds)).astimezone(tz)
    agent = None if call.server == NO_SERVER else call.server
    return CallRecord(
        call_id, call.call_type, offered_at, answered_at=left_queue_at, ended_at=ended_at,
        agent=agent,
    )  # fmt: skip


def bank_call_records(text: str | Iterable[str], *, tz: tzinfo) -> tuple[CallRecord, ...]:
    """Parse the source and map every offered call; raise RecordsError listing every bad row."""
    records: list[CallRecord] = []
    errors: list[RecordError] = []
    for call in parse_bank_calls(text):
        try:
            record = to_call_record(call, tz=tz)
        except RecordError as error:
            errors.append(error)
            continue
        if record is not None:
            records.append(record)
    if errors:
        raise RecordsError(errors)
    return tuple(records)
