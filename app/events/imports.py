"""Call records from files: the CDR CSV and Asterisk's queue_log, each one transaction.

A call is identified by (site, call_id) whichever way it arrived: a record identical to a
stored call is a duplicate and skipped; one that contradicts it refuses the file. A file
taken in rebuilds the interval history of the days its calls cover (app.planning.from_calls).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.events.registry import agent_ids, queue_ids
from app.events.service import lock_site_feed
from app.events.store import among, bulk_insert, chunks
from app.models import AgentStateInterval, Call, Site
from app.planning.from_calls import rebuild_days
from kpi.queue_log import parse_queue_log
from kpi.records import CallRecord, RecordError, RecordsError, StateInterval, parse_cdr

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ImportResult:
    """Errors (then nothing was stored), or how many calls (and states) were new or known."""

    errors: tuple[RecordError, ...] = ()
    created: int = 0
    duplicates: int = 0
    states: int = 0


def _text(content: bytes) -> str | RecordError:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return RecordError(line, "*", "not UTF-8 text")


def import_cdr(db: Session, *, site: Site, content: bytes) -> ImportResult:
    """Store a call-record CSV's new calls; refuse the whole file if any row is bad."""
    text = _text(content)
    if isinstance(text, RecordError):
        return ImportResult(errors=(text,))
    try:
        calls = parse_cdr(text)
    except RecordsError as refused:
        return ImportResult(errors=refused.errors)
    result = store_calls(db, site=site, calls=calls, lines=_cdr_lines(text), source="cdr")
    if not result.errors:  # the days these calls cover: their interval history, same transaction
        rebuild_days(db, site=site, offered=[call.offered_at for call in calls])
    return result


def _cdr_lines(text: str) -> dict[str, int]:
    """The line of each call_id in a CSV that parsed (so its call_ids are unique)."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader)]
    position = header.index("call_id")
    return {
        fields[position].strip(): reader.line_num for fields in reader if len(fields) > position
    }


def import_queue_log(db: Session, *, site: Site, content: bytes) -> ImportResult:
    """Store a queue_log's calls and agent states; refuse the whole file if any line is bad."""
    text = _text(content)
    if isinstance(text, RecordError):
        return ImportResult(errors=(text,))
    try:
        log = parse_queue_log(text)
    except RecordsError as refused:
        return ImportResult(errors=refused.errors)
    result = store_calls(db, site=site, calls=log.calls, lines=log.lines, source="queue_log")
    if result.errors:
        return result
    states = _store_states(db, site=site, states=log.states)
    rebuild_days(db, site=site, offered=[call.offered_at for call in log.calls])  # with wrap-ups
    return ImportResult(created=result.created, duplicates=result.duplicates, states=states)


def store_calls(
    db: Session, *, site: Site, calls: Sequence[CallRecord], lines: Mapping[str, int], source: str
) -> ImportResult:
    """Insert the calls not stored yet; a call contradicting a stored one is an error."""
    lock_site_feed(db, site_id=site.id)
    queues = queue_ids(db, site_id=site.id)
    agents = agent_ids(db, site_id=site.id)
    queue_names = {queue_id: name for name, queue_id in queues.items()}
    agent_codes = {agent_id: code for code, agent_id in agents.items()}
    stored: dict[str, tuple[object, ...]] = {}
    for part in chunks([call.call_id for call in calls]):
        query = select(
            Call.call_id,
            Call.queue_id,
            Call.offered_at,
            Call.answered_at,
            Call.ended_at,
            Call.abandoned_at,
            Call.agent_id,
        ).where(Call.site_id == site.id, among(db, Call.call_id, part))
        for call_id, queue_id, *times, agent_id in db.execute(query):
            queue = queue_names[queue_id] if queue_id is not None else None
            agent = agent_codes[agent_id] if agent_id is not None else None
            stored[call_id] = (queue, *times, agent)
    errors: list[RecordError] = []
    new: list[CallRecord] = []
    for call in calls:
        if call.call_id not in stored:
            new.append(call)
        elif stored[call.call_id] != _comparable(call):
            reason = "contradicts the call stored with this call_id"
            errors.append(RecordError(lines.get(call.call_id, 0), "call_id", reason))
    if errors:
        return ImportResult(errors=tuple(errors))
    queues = queue_ids(db, site_id=site.id, names={call.queue for call in new})
    agents = agent_ids(db, site_id=site.id, codes={c.agent for c in new if c.agent})
    rows = [
        {
            "site_id": site.id,
            "call_id": call.call_id,
            "queue_id": queues[call.queue],
            "offered_at": call.offered_at,
            "answered_at": call.answered_at,
            "ended_at": call.ended_at,
            "abandoned_at": call.abandoned_at,
            "agent_id": agents[call.agent] if call.agent else None,
            "source": source,
        }
        for call in new
    ]
    bulk_insert(db, Call.__table__, rows)  # type: ignore[arg-type]
    return ImportResult(created=len(new), duplicates=len(calls) - len(new))


def _comparable(call: CallRecord) -> tuple[object, ...]:
    return (
        call.queue,
        call.offered_at,
        call.answered_at,
        call.ended_at,
        call.abandoned_at,
        call.agent,
    )


def _store_states(db: Session, *, site: Site, states: Sequence[StateInterval]) -> int:
    """Insert intervals not stored yet (same agent, state and start); close ones now ended."""
    agents = agent_ids(db, site_id=site.id, codes={state.agent for state in states})
    S = AgentStateInterval
    known: dict[tuple[int, str, object], tuple[int, object]] = {}
    for part in chunks(sorted({agents[s.agent] for s in states})):
        query = select(S.id, S.agent_id, S.state, S.start, S.end).where(
            among(db, S.agent_id, part), S.source == "queue_log"
        )
        for row_id, agent_id, state, start, end in db.execute(query):
            known[agent_id, state, start] = (row_id, end)
    rows = []
    for interval in states:
        key = (agents[interval.agent], interval.state.value, interval.start)
        if key not in known:
            rows.append(
                {
                    "site_id": site.id,
                    "agent_id": key[0],
                    "state": key[1],
                    "reason": None,
                    "start": interval.start,
                    "end": interval.end,
                    "source": "queue_log",
                }
            )
        elif known[key][1] is None and interval.end is not None:
            db.get_one(S, known[key][0]).end = interval.end
    bulk_insert(db, S.__table__, rows)  # type: ignore[arg-type]
    return len(rows)
