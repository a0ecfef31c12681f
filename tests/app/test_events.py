"""POST /api/v1/events: token auth, idempotency, all-or-nothing, order independence."""

from __future__ import annotations

import random
from contextlib import closing
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.events import fold, tokens
from app.events.service import calls_between, states_between
from app.models import AcdEvent, Agent, AgentStateInterval, Call, Queue, Site, User
from kpi.records import AgentState, CallRecord, StateInterval
from tests.app.conftest import Center

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def a_day_of_events() -> list[dict[str, str]]:
    """Three calls (answered, abandoned, still talking) and one agent's states."""
    return [
        {"id": "e1", "type": "call.offered", "ts": at(0), "call_id": "c1", "queue": "Retail"},
        {"id": "e2", "type": "call.answered", "ts": at(12), "call_id": "c1", "agent": "A003"},
        {"id": "e3", "type": "call.ended", "ts": at(200), "call_id": "c1"},
        {"id": "e4", "type": "call.offered", "ts": at(30), "call_id": "c2", "queue": "Loans"},
        {"id": "e5", "type": "call.abandoned", "ts": at(33), "call_id": "c2"},
        {"id": "e6", "type": "call.offered", "ts": at(60), "call_id": "c3", "queue": "Retail"},
        {"id": "e7", "type": "call.answered", "ts": at(61), "call_id": "c3", "agent": "NEW7"},
        {"id": "s1", "type": "agent.state", "ts": at(-60), "agent": "A003", "state": "available"},
        {"id": "s2", "type": "agent.state", "ts": at(12), "agent": "A003", "state": "on_call"},
        {"id": "s3", "type": "agent.state", "ts": at(200), "agent": "A003", "state": "wrap_up"},
        {"id": "s4", "type": "agent.state", "ts": at(230), "agent": "A003", "state": "break",
         "reason": "coffee"},
    ]  # fmt: skip


def token_for(db: Session, site_id: int) -> str:
    site = db.get(Site, site_id)
    assert site is not None
    _, raw = tokens.issue_token(db, user=None, site=site, label="ACD")
    db.commit()
    return raw


def post(client: TestClient, raw: str, events: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/events", json=events, headers={"Authorization": f"Bearer {raw}"})


def stored(db: Session, site_id: int) -> tuple[list[CallRecord], list[StateInterval]]:
    db.rollback()  # see what the requests committed
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=1)
    return (
        calls_between(db, site_id=site_id, start=start, end=end),
        states_between(db, site_id=site_id, start=start, end=end),
    )


def test_a_token_is_needed_and_a_revoked_one_is_refused(
    app: FastAPI, db: Session, center: Center
) -> None:
    raw = token_for(db, center.site_id)
    with closing(TestClient(app)) as client:  # no lifespan: it disposes the engine
        assert client.post("/api/v1/events", json=[]).status_code == 401
        assert post(client, "smena_wrong", []).status_code == 401
        basic = {"Authorization": "Basic eDp5"}
        assert client.post("/api/v1/events", json=[], headers=basic).status_code == 401
        assert post(client, raw, []).json() == {"stored": 0, "duplicates": 0}
        token = db.scalar(select(tokens.ApiToken).where(tokens.ApiToken.prefix == raw[:12]))
        assert token is not None and token.last_used_at is not None
        assert token.token_hash != raw and raw not in str(token.token_hash)
        tokens.revoke_token(db, user=db.get(User, center.users["admin"]), token=token)
        db.commit()
        response = post(client, raw, a_day_of_events())
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    assert db.scalar(select(func.count()).select_from(AcdEvent)) == 0


def test_a_batch_is_stored_folded_and_idempotent(app: FastAPI, db: Session, center: Center) -> None:
    raw = token_for(db, center.site_id)
    events = a_day_of_events()
    with closing(TestClient(app)) as client:  # no lifespan: it disposes the engine
        assert post(client, raw, events).json() == {"stored": 11, "duplicates": 0}
        calls, states = stored(db, center.site_id)
        assert post(client, raw, events[:5] + events[:1]).json() == {"stored": 0, "duplicates": 6}
        assert stored(db, center.site_id) == (calls, states)
    by_id = {call.call_id: call for call in calls}
    assert by_id["c1"] == CallRecord(
        "c1", "Retail", T0, T0 + timedelta(seconds=12), T0 + timedelta(seconds=200), None, "A003"
    )
    assert by_id["c2"].abandoned_at == T0 + timedelta(seconds=33) and by_id["c2"].queue == "Loans"
    assert by_id["c3"].ended_at is None and by_id["c3"].agent == "NEW7"  # still talking
    assert [(s.state, s.end) for s in states] == [
        (AgentState.AVAILABLE, T0 + timedelta(seconds=12)),
        (AgentState.ON_CALL, T0 + timedelta(seconds=200)),
        (AgentState.WRAP_UP, T0 + timedelta(seconds=230)),
        (AgentState.BREAK, None),
    ]
    assert db.scalar(select(func.count()).select_from(AcdEvent)) == 11
    assert db.scalar(select(func.count()).select_from(Call)) == 3


def test_unknown_queues_and_agents_are_registered_as_found_in_the_feed(
    app: FastAPI, db: Session, center: Center
) -> None:
    raw = token_for(db, center.site_id)
    with closing(TestClient(app)) as client:  # no lifespan: it disposes the engine
        assert post(client, raw, a_day_of_events()).status_code == 200
    db.rollback()
    queues = {
        q.name: q.found_in_feed
        for q in db.scalars(select(Queue).where(Queue.site_id == center.site_id))
    }
    assert queues == {"Retail": False, "Loans": True}
    agent = db.scalar(select(Agent).where(Agent.code == "NEW7"))
    assert agent is not None and agent.found_in_feed and agent.site_id == center.site_id
    assert db.scalar(select(Agent.found_in_feed).where(Agent.code == "A003")) is False


def test_one_bad_event_stores_nothing_and_is_named(
    app: FastAPI, db: Session, center: Center
) -> None:
    raw = token_for(db, center.site_id)
    events = a_day_of_events()
    events[3] = {**events[3], "ts": "2026-12-01T09:00:30"}  # no offset
    events[8] = {**events[8], "state": "asleep"}
    del events[9]["agent"]
    events[5] = {**events[5], "ts": 1796108430}  # a Unix time, not ISO 8601 text
    with closing(TestClient(app)) as client:  # no lifespan: it disposes the engine
        response = post(client, raw, events)
        assert response.status_code == 422
        named = {(e["index"], e["field"]) for e in response.json()["errors"]}
        assert named == {(3, "ts"), (8, "state"), (9, "agent"), (5, "ts")}
        unix = next(e for e in response.json()["errors"] if e["index"] == 5)
        assert "ISO 8601" in unix["message"]
        assert post(client, raw, {"id": "x"}).status_code == 422
        too_many = [events[0]] * 10_001
        assert "10000" in post(client, raw, too_many).json()["errors"][0]["message"]
        bad_json = client.post(
            "/api/v1/events", content=b"[{", headers={"Authorization": f"Bearer {raw}"}
        )
        assert bad_json.status_code == 422
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AcdEvent)) == 0
    assert db.scalar(select(func.count()).select_from(Call)) == 0
    assert db.scalar(select(Queue.id).where(Queue.name == "Loans")) is None


def test_out_of_order_batches_give_what_in_order_gives(
    app: FastAPI, db: Session, center: Center
) -> None:
    in_order, shuffled = token_for(db, center.site_id), token_for(db, center.other_site_id)
    events = a_day_of_events()
    mixed = events[:]
    random.Random(5).shuffle(mixed)
    with closing(TestClient(app)) as client:  # no lifespan: it disposes the engine
        assert post(client, in_order, events).status_code == 200
        for first in range(0, len(mixed), 3):  # small batches, later ones reach back in time
            assert post(client, shuffled, mixed[first : first + 3]).status_code == 200
    assert stored(db, center.site_id) == stored(db, center.other_site_id)
    assert len(stored(db, center.site_id)[1]) == 4


def test_events_of_a_call_whose_offer_comes_last(app: FastAPI, db: Session, center: Center) -> None:
    raw = token_for(db, center.site_id)
    events = a_day_of_events()[:3]
    with closing(TestClient(app)) as client:  # no lifespan: it disposes the engine
        assert post(client, raw, events[1:]).status_code == 200
        assert stored(db, center.site_id)[0] == []  # not offered yet: not in any interval
        assert post(client, raw, events[:1]).status_code == 200
    (call,) = stored(db, center.site_id)[0]
    assert (call.offered_at, call.answered_at) == (T0, T0 + timedelta(seconds=12))


def a_busy_feed(rng: random.Random) -> list[dict[str, str]]:
    """Calls and agent states on a coarse 10-second grid, so many events share a time."""
    events: list[dict[str, str]] = []

    def event(id_: str, type_: str, seconds: int, **fields: str) -> None:
        events.append({"id": id_, "type": type_, "ts": at(seconds), **fields})

    for n in range(40):
        call, offered = f"c{n}", rng.randrange(60) * 10
        event(f"{call}o", "call.offered", offered, call_id=call, queue=rng.choice(["R", "L"]))
        if rng.random() < 0.2:
            event(f"{call}x", "call.abandoned", offered + rng.randrange(3) * 10, call_id=call)
            continue
        answered, agent = offered + rng.randrange(3) * 10, rng.choice(["A001", "A002", "N9"])
        event(f"{call}a", "call.answered", answered, call_id=call, agent=agent)
        if rng.random() < 0.8:
            event(f"{call}e", "call.ended", answered + rng.randrange(8) * 10, call_id=call)
    for n in range(150):
        agent = rng.choice(["A001", "A002", "A003", "N9"])
        state = rng.choice(["available", "on_call", "wrap_up", "break", "lunch"])
        reason = {"reason": rng.choice(["coffee", "coach"])} if rng.random() < 0.3 else {}
        event(
            f"s{n:03d}", "agent.state", rng.randrange(40) * 10, agent=agent, state=state, **reason
        )
    return sorted(events, key=lambda e: e["ts"])


def by_agent_and_start(interval: tuple[object, ...]) -> tuple[object, ...]:
    return interval[0], interval[3]


def intervals(db: Session, site_id: int) -> list[tuple[object, ...]]:
    S = AgentStateInterval
    rows = db.execute(
        select(Agent.code, S.state, S.reason, S.start, S.end)
        .join(Agent, Agent.id == S.agent_id)
        .where(S.site_id == site_id)
    )
    return sorted((tuple(row) for row in rows), key=by_agent_and_start)


def test_any_batching_and_order_gives_the_fold_of_the_whole_set(
    app: FastAPI, db: Session, center: Center
) -> None:
    """Ties on time are broken by event id whichever batch brought each event."""
    rng = random.Random(11)
    events = a_busy_feed(rng)
    in_order, shuffled = token_for(db, center.site_id), token_for(db, center.other_site_id)
    mixed = events[:]
    rng.shuffle(mixed)
    with closing(TestClient(app)) as client:  # no lifespan: it disposes the engine
        assert post(client, in_order, events).json() == {"stored": len(events), "duplicates": 0}
        first = 0
        while first < len(mixed):
            size = rng.randint(1, 12)
            assert post(client, shuffled, mixed[first : first + size]).status_code == 200
            first += size
    calls = [
        sorted(stored(db, site)[0], key=lambda c: c.call_id)
        for site in (center.site_id, center.other_site_id)
    ]
    assert calls[0] == calls[1] and len(calls[0]) == 40
    expected = []
    for code in ("A001", "A002", "A003", "N9"):
        mine = [
            fold.StoredEvent(e["id"], e["type"], datetime.fromisoformat(e["ts"]), None, code,
                             state=e["state"], reason=e.get("reason"))
            for e in events
            if e.get("agent") == code and e["type"] == "agent.state"
        ]  # fmt: skip
        folded = fold.fold_states(code, mine)
        expected += [(code, s.state, s.reason, s.start, s.end) for s in folded]
    assert intervals(db, center.site_id) == sorted(expected, key=by_agent_and_start)
    assert intervals(db, center.other_site_id) == sorted(expected, key=by_agent_and_start)


def test_values_the_store_cannot_hold_are_refused_naming_event_and_field(
    app: FastAPI, db: Session, center: Center
) -> None:
    raw = token_for(db, center.site_id)
    headers = {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}
    offered = '{"id": "e1", "type": "call.offered", "ts": "%s", "call_id": "%s", "queue": "Q"}'
    bodies = {  # each crashed a database (500) before it was refused
        "0001-01-01T00:00:00+03:00": ("ts", offered % ("0001-01-01T00:00:00+03:00", "c1")),
        "9999-12-31T23:00:00-05:00": ("ts", offered % ("9999-12-31T23:00:00-05:00", "c1")),
        "+16:00": ("ts", offered % ("2026-12-01T09:00:00+16:00", "c1")),
        "NUL": ("call_id", offered % ("2026-12-01T09:00:00Z", "c\\u0000")),
        "lone surrogate": ("call_id", offered % ("2026-12-01T09:00:00Z", "c\\ud800")),
    }
    with closing(TestClient(app)) as client:
        for name, (field, event) in bodies.items():
            response = client.post("/api/v1/events", content=f"[{event}]", headers=headers)
            assert response.status_code == 422, name
            assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, field)]
        nested = "[" * 100_000 + "]" * 100_000  # past Python's stack: a 500 before
        response = client.post("/api/v1/events", content=nested, headers=headers)
        assert response.status_code == 422 and response.json()["detail"] == "the body is not JSON"
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AcdEvent)) == 0
