"""Bad input at every door, fuzzed: a file or a batch is refused naming its lines (or events),
or it is taken in; never a crash, never half of it written. Both databases.

Each property draws a few bounded examples (the suite's time matters more than their
number); the values are the ones that broke doors before: years 1 and 9999 with offsets
that push them past the calendar, NaN and infinities, overlong and odd unicode strings.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import string
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.events import tokens
from app.events.imports import import_cdr, import_queue_log
from app.models import (
    AcdEvent,
    Agent,
    AgentStateInterval,
    Call,
    IntervalHistory,
    Queue,
    Shift,
    Site,
)
from app.planning.importer import import_history
from app.shifts.importer import import_schedule
from kpi.records import CDR_COLUMNS
from tests.app.conftest import Center

# SMENA_FUZZ_EXAMPLES=1000 hunts longer (by hand); the suite keeps to a few per door.
FUZZ = settings(
    max_examples=int(os.environ.get("SMENA_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
naive = st.one_of(
    st.datetimes(max_value=datetime(1, 1, 2)),
    st.datetimes(min_value=datetime(9999, 12, 30, 23)),
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2100, 1, 1)),
    st.datetimes(),
)
# built by hand: hypothesis's own aware datetimes leave out the ones UTC cannot hold
instants = st.builds(lambda at, zone: at.replace(tzinfo=zone), naive, offsets)
odd_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=string.ascii_letters + string.digits, min_size=100, max_size=300),
    st.sampled_from(["", " ", "\x00", "a\x00b", "NaN", "inf", "-0", "1e308", "²", "٣", "\u202e"]),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-0", "9" * 5000, "²", "٣", "0x10", ""]),
)


def rows_csv(rows: list[list[str]], header: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def count(db: Session, *tables: type) -> tuple[int, ...]:
    return tuple(db.scalar(select(func.count()).select_from(t)) or 0 for t in tables)


def check_import(db: Session, tables: tuple[type, ...], run) -> None:  # type: ignore[no-untyped-def]
    """`run()` either refuses (errors on lines, nothing written) or succeeds; never raises."""
    before = count(db, *tables)
    try:
        result = run()
    except Exception:
        db.rollback()  # the session stays usable for the next example (and the report)
        raise
    if result.errors:
        for error in result.errors:
            assert error.line >= 0 and error.reason
        db.rollback()  # what every door does on a refusal
        assert count(db, *tables) == before
    else:
        db.flush()
    db.rollback()


@pytest.fixture
def site(db: Session, center: Center) -> Site:
    found = db.get(Site, center.site_id)
    assert found is not None
    return found


# --- call detail records -------------------------------------------------------------------

cdr_time = st.one_of(instants.map(datetime.isoformat), st.just(""), odd_text)


@st.composite
def a_call(draw: st.DrawFn) -> list[str]:
    """A row that is right but for its extremes: times far out, strings long or odd."""
    offered = draw(instants)
    later: list[str] = []
    for _ in range(2):
        step = timedelta(seconds=draw(st.integers(min_value=0, max_value=10**6)))
        try:
            moved = (offered + step).astimezone(draw(offsets))
        except OverflowError:
            moved = offered
        later.append(moved.isoformat())
    outcome = draw(st.sampled_from(["talked", "talking", "abandoned", "waiting"]))
    answered = later[0] if outcome in ("talked", "talking") else ""
    ended = later[1] if outcome == "talked" else ""
    abandoned = later[0] if outcome == "abandoned" else ""
    wild = draw(st.booleans())  # odd strings, or plain ones (then only the times are odd)
    call_id = draw(odd_text if wild else st.text(string.ascii_letters, min_size=1, max_size=4))
    queue = draw(odd_text if wild else st.just("Retail"))
    agent = draw(odd_text if wild else st.sampled_from(["", "A001", "Z9"])) if answered else ""
    return [call_id, queue, offered.isoformat(), answered, ended, abandoned, agent]


cdr_row = st.one_of(
    a_call(),
    st.tuples(odd_text, odd_text, cdr_time, cdr_time, cdr_time, cdr_time, odd_text).map(list),
)


@FUZZ
@given(rows=st.lists(cdr_row, min_size=1, max_size=4))
def test_cdr_files(db: Session, site: Site, rows: list[list[str]]) -> None:
    content = rows_csv(rows, list(CDR_COLUMNS))
    check_import(db, (Call, Queue, Agent), lambda: import_cdr(db, site=site, content=content))


# --- queue_log -----------------------------------------------------------------------------

EVENTS = ["ENTERQUEUE", "CONNECT", "COMPLETECALLER", "ABANDON", "EXITWITHKEY", "AGENTLOGIN",
          "PAUSE", "UNPAUSE", "AGENTLOGOFF", "RINGNOANSWER"]  # fmt: skip
epochs = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-62135596800, max_value=253402300799).map(str),
    st.sampled_from(["1764579600", "1764579600.5", "", "soon"]),
)
log_line = st.tuples(
    epochs,
    st.one_of(st.sampled_from(["77.1", "77.2"]), odd_text),
    st.one_of(st.just("Retail"), odd_text),
    st.one_of(st.sampled_from(["SIP/7", "NONE", ""]), odd_text),
    st.sampled_from(EVENTS),
    st.lists(st.one_of(numbers, odd_text), max_size=4),
).map(lambda t: "|".join([*t[:5], *t[5]]).replace("\n", " ").replace("\r", " "))


@FUZZ
@given(lines=st.lists(log_line, min_size=1, max_size=6))
def test_queue_logs(db: Session, site: Site, lines: list[str]) -> None:
    content = "\n".join(lines).encode("utf-8", "surrogatepass")
    tables = (Call, Queue, Agent, AgentStateInterval)
    check_import(db, tables, lambda: import_queue_log(db, site=site, content=content))


# --- interval history and schedules (CSV uploads) ------------------------------------------

days = st.one_of(
    st.dates().map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-03-29", "2026-10-25", "2026-02-30"]),
)
clocks = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(["00:00", "23:30", "02:30", "24:00", "9:5", "²:00", "٠٩:٠٠", "1" * 5000]),
)
on_the_hour = st.integers(0, 23).map(lambda h: f"{h:02d}:00")
history_row = st.one_of(
    st.tuples(days, on_the_hour, st.just("Retail"), st.just("12"), st.just("180")).map(list),
    st.tuples(
        st.one_of(days, odd_text),
        st.one_of(clocks, odd_text),
        st.one_of(st.just("Retail"), odd_text),
        st.one_of(st.integers(min_value=0, max_value=100_000).map(str), numbers, odd_text),
        st.one_of(st.floats(min_value=0, max_value=7200).map(repr), numbers, odd_text),
    ).map(list),
)


@FUZZ
@given(rows=st.lists(history_row, min_size=1, max_size=4), minutes=st.sampled_from([15, 30, 60]))
def test_history_csvs(db: Session, site: Site, rows: list[list[str]], minutes: int) -> None:
    content = rows_csv(rows, ["date", "interval_start", "queue", "calls", "aht_seconds"])
    check_import(
        db,
        (IntervalHistory,),
        lambda: import_history(db, user=None, site=site, content=content, interval_minutes=minutes),
    )


agents = st.sampled_from(["A001", "A002", "A003"])
schedule_row = st.one_of(
    st.tuples(agents, days, on_the_hour, on_the_hour).map(list),
    st.tuples(
        st.one_of(agents, odd_text),
        st.one_of(days, odd_text),
        st.one_of(clocks, odd_text),
        st.one_of(clocks, odd_text),
    ).map(list),
)


@FUZZ
@given(rows=st.lists(schedule_row, min_size=1, max_size=4))
def test_schedule_csvs(db: Session, site: Site, rows: list[list[str]]) -> None:
    content = rows_csv(rows, ["agent", "date", "start", "end"])
    check_import(db, (Shift,), lambda: import_schedule(db, user=None, site=site, content=content))


# --- POST /api/v1/events -------------------------------------------------------------------

TYPES = ["call.offered", "call.answered", "call.abandoned", "call.ended", "agent.state"]
json_odd = st.one_of(
    odd_text,
    st.sampled_from(["\ud800", "x\udfff"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([None, True, [], {}, -0.0, 1e308]),
)
event_ts = st.one_of(
    instants.map(datetime.isoformat),
    st.sampled_from(["2026-12-01T09:00:00", "2026-12-01T09:00:00+24:00", "0000-01-01T00:00Z"]),
    json_odd,
)


FIELDS = {
    "call.offered": ("call_id", "queue"),
    "call.answered": ("call_id", "agent"),
    "call.abandoned": ("call_id",),
    "call.ended": ("call_id",),
    "agent.state": ("agent", "state", "reason"),
}
PLAIN = {
    "id": st.sampled_from(["e1", "e2", "e3"]),  # repeats inside a batch, too
    "call_id": st.sampled_from(["c1", "c2"]),
    "queue": st.just("Retail"),
    "agent": st.sampled_from(["A001", "NEW"]),
    "state": st.sampled_from(["available", "on_call", "break"]),
    "reason": st.just("coffee"),
}
odd_strings = st.one_of(odd_text, st.sampled_from(["\ud800", "x\udfff", "\U0001f600" * 40]))


@st.composite
def an_event(draw: st.DrawFn) -> dict[str, object]:
    """An event right but for its time; or with odd strings too; or anything in any field."""
    kind = draw(st.sampled_from(["right", "odd strings", "anything"]))
    event_type = draw(st.sampled_from(TYPES))
    ts = draw(instants.map(datetime.isoformat) if kind == "right" else event_ts)
    event: dict[str, object] = {"type": event_type, "ts": ts}
    for name in ("id", *FIELDS[event_type]):
        value = {"right": PLAIN[name], "odd strings": odd_strings}.get(kind, json_odd)
        event[name] = draw(st.one_of(PLAIN[name], value))
    if kind == "anything" and draw(st.booleans()):
        event["type"] = draw(json_odd)
    return event


NASTY_BODIES = {  # by name: hypothesis prints the name, not 200 kB of brackets
    "empty": b"",
    "cut short": b"[{",
    "nested deep": b"[" * 100_000 + b"]" * 100_000,
    "a 5000-digit number": b"[" + b"1" * 5000 + b"]",
    "NaN": b"[NaN]",
    "not UTF-8": b"\xff",
}


@pytest.fixture
def api(app: FastAPI, db: Session, center: Center) -> Iterator[tuple[TestClient, dict[str, str]]]:
    site = db.get(Site, center.site_id)
    assert site is not None
    _, raw = tokens.issue_token(db, user=None, site=site, label="fuzz")
    db.commit()
    with closing(TestClient(app)) as client:
        yield client, {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}


NONCE = itertools.count()


@FUZZ
@given(body=st.one_of(st.lists(an_event(), max_size=3), st.sampled_from(sorted(NASTY_BODIES))))
def test_event_batches(
    db: Session, api: tuple[TestClient, dict[str, str]], body: list[dict[str, object]] | str
) -> None:
    client, headers = api
    if isinstance(body, str):
        content = NASTY_BODIES[body]
    else:  # ids new to the store (a stored one is a duplicate, never looked at again)
        nonce = next(NONCE)
        for event in body:
            if isinstance(event["id"], str) and event["id"] in ("e1", "e2", "e3"):
                event["id"] = f"{nonce}-{event['id']}"
        content = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    tables = (AcdEvent, Call, AgentStateInterval, Queue, Agent)
    db.rollback()
    before = count(db, *tables)
    response = client.post("/api/v1/events", content=content, headers=headers)
    assert response.status_code in (200, 422), response.text
    db.rollback()
    if response.status_code == 422:
        assert response.json()["errors"]  # each problem named
        assert count(db, *tables) == before
    else:
        answer = response.json()
        assert answer["stored"] + answer["duplicates"] == len(json.loads(content))
