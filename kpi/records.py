"""The contract's records: calls and agent-state intervals, and the call-record (CDR) CSV parser."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

CDR_COLUMNS = ("call_id", "queue", "offered_at", "answered_at", "ended_at", "abandoned_at", "agent")
# The times a record can hold: two days inside the calendar's ends, so that the local day of
# any site (and the day either side) exists; offsets as far as the world's clocks go.
EARLIEST = datetime(1, 1, 3, tzinfo=UTC)
LATEST = datetime(9999, 12, 29, tzinfo=UTC)
LONGEST_OFFSET = timedelta(hours=14)
# The longest names a record can carry (what the store keeps).
LONGEST_CALL_ID, LONGEST_QUEUE, LONGEST_AGENT = 128, 120, 64


class AgentState(StrEnum):
    """An agent's state as the phone system reports it."""

    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    BREAK = "break"
    LUNCH = "lunch"
    MEETING = "meeting"
    TRAINING = "training"
    OTHER = "other"


def seconds_between(start: datetime, end: datetime) -> float:
    """Elapsed seconds from start to end, exact across time zones and DST changes."""
    elapsed = end - start
    if start.tzinfo is end.tzinfo:
        # Python subtracts wall clocks when both share a tzinfo; put the offset change back.
        end_offset, start_offset = end.utcoffset(), start.utcoffset()
        assert end_offset is not None and start_offset is not None
        elapsed -= end_offset - start_offset
    return elapsed.total_seconds()


def time_problem(value: datetime) -> str | None:
    """Why an aware time cannot be a record's (offset or instant out of range), or None."""
    offset = value.utcoffset()
    if offset is None:
        return "timestamp without a UTC offset"
    if abs(offset) > LONGEST_OFFSET:
        return "a UTC offset beyond -14:00..+14:00"
    if not EARLIEST <= value <= LATEST:  # compared without converting: no overflow
        span = f"{EARLIEST.date().isoformat()} to {LATEST.date().isoformat()} UTC"
        return f"outside the times a record can hold ({span})"
    return None


def text_problem(value: str, longest: int) -> str | None:
    """Why a name cannot be a record's (too long, or a character no store keeps), or None."""
    if len(value) > longest:
        return f"at most {longest} characters"
    if "\x00" in value:
        return "contains a NUL character"
    return None


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} needs a UTC offset")


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call: offered, then answered (maybe ended) or abandoned; None = not (yet) happened."""

    call_id: str
    queue: str
    offered_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    abandoned_at: datetime | None = None
    agent: str | None = None

    def __post_init__(self) -> None:
        for name in ("offered_at", "answered_at", "ended_at", "abandoned_at"):
            _require_aware(name, getattr(self, name))
        problem = call_times_problem(
            self.offered_at, self.answered_at, self.ended_at, self.abandoned_at
        )
        if problem is not None:
            raise ValueError(f"{problem[0]}: {problem[1]}")


def call_times_problem(
    offered_at: datetime,
    answered_at: datetime | None,
    ended_at: datetime | None,
    abandoned_at: datetime | None,
) -> tuple[str, str] | None:
    """The (column, reason) that makes a call's times impossible, or None when they are fine."""
    if answered_at is not None and abandoned_at is not None:
        return "abandoned_at", "a call is answered or abandoned, never both"
    if ended_at is not None and answered_at is None:
        return "ended_at", "ended_at without answered_at"
    if answered_at is not None and seconds_between(offered_at, answered_at) < 0:
        return "answered_at", "answered_at is before offered_at"
    if abandoned_at is not None and seconds_between(offered_at, abandoned_at) < 0:
        return "abandoned_at", "abandoned_at is before offered_at"
    if ended_at is not None and answered_at and seconds_between(answered_at, ended_at) < 0:
        return "ended_at", "ended_at is before answered_at"
    return None


@dataclass(frozen=True, slots=True)
class StateInterval:
    """An agent in one state from start until end (None: still in it)."""

    agent: str
    state: AgentState
    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end is not None and seconds_between(self.start, self.end) < 0:
            raise ValueError("a state interval cannot end before it starts")


class RecordError(ValueError):
    """One bad value in an input file: where it is (1-based line, column name) and why."""

    def __init__(self, line: int, column: str, reason: str) -> None:
        super().__init__(f"line {line}, column {column}: {reason}")
        self.line = line
        self.column = column
        self.reason = reason


class RecordsError(ValueError):
    """A refused file, carrying every RecordError found in it."""

    def __init__(self, errors: Iterable[RecordError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


def _timestamp(value: str, line: int, column: str) -> datetime | None:
    if value.strip() == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RecordError(line, column, f"not an ISO 8601 timestamp: {value!r}") from None
    problem = time_problem(parsed)
    if problem is not None:
        raise RecordError(line, column, f"{problem}: {value!r}")
    return parsed


_LONGEST = {"call_id": LONGEST_CALL_ID, "queue": LONGEST_QUEUE, "agent": LONGEST_AGENT}


def _cdr_row(row: Mapping[str, str], line: int) -> tuple[CallRecord | None, list[RecordError]]:
    errors: list[RecordError] = []
    times: dict[str, datetime | None] = {}
    for column in ("offered_at", "answered_at", "ended_at", "abandoned_at"):
        try:
            times[column] = _timestamp(row[column], line, column)
        except RecordError as error:
            errors.append(error)
    for column in ("call_id", "queue"):
        if row[column].strip() == "":
            errors.append(RecordError(line, column, "must not be empty"))
    for column, longest in _LONGEST.items():
        if (wrong := text_problem(row[column].strip(), longest)) is not None:
            errors.append(RecordError(line, column, wrong))
    if "offered_at" in times and times["offered_at"] is None:
        errors.append(RecordError(line, "offered_at", "must not be empty"))
    if errors:
        return None, errors
    offered_at, answered_at = times["offered_at"], times["answered_at"]
    ended_at, abandoned_at = times["ended_at"], times["abandoned_at"]
    assert offered_at is not None
    problem = call_times_problem(offered_at, answered_at, ended_at, abandoned_at)
    if problem is not None:
        return None, [RecordError(line, problem[0], problem[1])]
    call = CallRecord(
        call_id=row["call_id"].strip(),
        queue=row["queue"].strip(),
        offered_at=offered_at,
        answered_at=answered_at,
        ended_at=ended_at,
        abandoned_at=abandoned_at,
        agent=row["agent"].strip() or None,
    )
    return call, []


def parse_cdr(text: str | Iterable[str]) -> tuple[CallRecord, ...]:
    """Parse a call-record CSV (header row first); raise RecordsError listing every bad row."""
    lines = text.splitlines(keepends=True) if isinstance(text, str) else text
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise RecordsError([RecordError(1, "call_id", "the file is empty, no header row")])
    names = [name.strip().lstrip("\ufeff") for name in header]
    missing = [column for column in CDR_COLUMNS if column not in names]
    if missing:
        raise RecordsError(RecordError(1, column, "missing column") for column in missing)
    calls: list[CallRecord] = []
    errors: list[RecordError] = []
    seen: dict[str, int] = {}
    try:
        for fields in reader:
            line = reader.line_num
            if not any(field.strip() for field in fields):
                continue
            if len(fields) < len(names):
                errors.append(RecordError(line, names[len(fields)], "missing (row too short)"))
                continue
            row = dict(zip(names, fields, strict=False))
            call_id = row["call_id"].strip()
            if call_id in seen:
                reason = f"call_id {call_id!r} repeats line {seen[call_id]}"
                errors.append(RecordError(line, "call_id", reason))
                continue
            if call_id:
                seen[call_id] = line
            call, row_errors = _cdr_row(row, line)
            errors.extend(row_errors)
            calls.extend([] if call is None else [call])
    except csv.Error as error:
        errors.append(RecordError(reader.line_num, "*", f"not readable as CSV: {error}"))
    if errors:
        raise RecordsError(errors)
    return tuple(calls)
