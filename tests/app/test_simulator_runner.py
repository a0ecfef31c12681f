"""The simulator's runner: the schedule from the database, batches posted with the token,
a failing or absent server retried with backoff, a refused token stopping the feed, and
`smena simulate` checking its options."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import NoMatchFound

import app.demo as demo_module
import app.simulator.runner as runner
from app.demo import seed
from app.events.schemas import parse_events
from app.models import Agent, BreakType, PlannedBreak, Shift, Site
from app.simulator.runner import FeedConfig, FeedError, run_feed
from app.simulator.schedule import load_floor
from tests.app.conftest import password_hash
from tests.app.test_cli import Run, smena  # noqa: F401 (a fixture)

TZ = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 11, 30)
START = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)
TOKEN = "smena_test-token"


class FakeTime:
    """A monotonic clock that moves only when the runner sleeps."""

    def __init__(self) -> None:
        self.now, self.sleeps = 0.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def events_api(failures: int = 0) -> FastAPI:
    """POST /api/v1/events as the contract says, failing with 503 the first `failures` times."""
    api = FastAPI()
    api.state.events, api.state.batches, api.state.requests = {}, [], 0

    @api.post("/api/v1/events")
    async def post_events(request: Request) -> JSONResponse:
        api.state.requests += 1
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"detail": "a valid API token is required"}, status_code=401)
        if api.state.requests <= failures:
            return JSONResponse({"detail": "down"}, status_code=503)
        body = await request.json()
        _, errors = parse_events(body)
        if errors:
            return JSONResponse({"errors": [e.model_dump() for e in errors]}, status_code=422)
        new = [e for e in body if e["id"] not in api.state.events]
        api.state.events.update((e["id"], e) for e in new)
        api.state.batches.append(len(body))
        return JSONResponse({"stored": len(new), "duplicates": len(body) - len(new)})

    return api


# The feed's HTTP side does not depend on the database: those tests run on SQLite only.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def demo_site(db: Session, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setattr(demo_module, "hash_password", lambda _: password_hash())
    seed(db, today=MONDAY, agents=12, call_history=False)
    db.commit()
    site = db.scalars(select(Site).where(Site.name == "Moscow")).one()
    return site


def feed(app: FastAPI, api: FastAPI | httpx.Client | TestClient, **config: object) -> tuple:
    fake = FakeTime()
    client = TestClient(api) if isinstance(api, FastAPI) else api
    settings = {"url": "http://test", "token": TOKEN, "start": START, "speed": 1200.0,
                "duration": timedelta(hours=3)} | config  # fmt: skip
    logs: list[str] = []
    totals = run_feed(app.state.sessionmaker, site="Moscow", config=FeedConfig(**settings),
                      client=client, clock=fake.clock, sleep=fake.sleep,
                      now=lambda: START + timedelta(hours=2), log=logs.append)  # fmt: skip
    return totals, fake, logs


def test_the_feed_posts_the_demo_floor_in_batches(app, demo_site):
    api = events_api()
    totals, _, _ = feed(app, api)
    events = list(api.state.events.values())
    assert totals.stored == len(events) > 500 and totals.duplicates == 0
    assert len(api.state.batches) >= 2 and max(api.state.batches) <= runner.BATCH_MAX
    assert totals.reached == START + timedelta(hours=3)
    times = [datetime.fromisoformat(e["ts"]) for e in events]
    assert min(times) >= START and max(times) <= START + timedelta(hours=3)
    agents = {e["agent"] for e in events if e["type"] == "agent.state"}
    assert agents == {f"A{i:03d}" for i in range(1, 13)}
    assert {e["queue"] for e in events if e["type"] == "call.offered"} <= {
        "Retail", "Premium", "Internet", "Brokerage"}  # fmt: skip


@sqlite_only
def test_a_rerun_of_the_same_start_and_seed_repeats_its_ids(app, demo_site):
    api = events_api()
    feed(app, api)
    again, _, _ = feed(app, api)
    assert again.stored == 0 and again.duplicates == len(api.state.events)


@sqlite_only
def test_a_thin_feed_is_posted_as_often_as_configured(app, demo_site):
    every_five, every_second = events_api(), events_api()
    run = {"speed": 60.0, "duration": timedelta(minutes=10)}  # ten wall seconds of a thin feed
    feed(app, every_five, **run)
    feed(app, every_second, post_every_seconds=1.0, **run)
    assert len(every_five.state.batches) <= 3
    assert len(every_second.state.batches) >= 6  # a second without events posts nothing
    assert every_second.state.events == every_five.state.events  # the same feed, cut finer


@sqlite_only
def test_catch_up_posts_the_past_at_once_then_follows_the_clock(app, demo_site):
    api = events_api()
    span = timedelta(hours=2, seconds=3)
    totals, fake, _ = feed(app, api, speed=1.0, catch_up=True, duration=span)
    assert totals.reached == START + timedelta(hours=2, seconds=3)
    assert fake.now < 10, "two simulated hours were not waited for in real time"


@sqlite_only
def test_a_failing_server_is_retried_with_growing_pauses(app, demo_site):
    api = events_api(failures=3)
    totals, fake, logs = feed(app, api)
    assert totals.stored == len(api.state.events) > 0
    assert [s for s in fake.sleeps if s >= 1][:3] == [1.0, 2.0, 4.0]
    assert len(logs) == 3 and "503" in logs[0]


@sqlite_only
def test_an_unreachable_server_is_waited_for(app, demo_site):
    api, refused = TestClient(events_api()), iter(range(2))

    def handler(request: httpx.Request) -> httpx.Response:
        if next(refused, None) is not None:
            raise httpx.ConnectError("connection refused", request=request)
        headers = {"authorization": request.headers["authorization"]}
        forwarded = api.post("/api/v1/events", content=request.content, headers=headers)
        return httpx.Response(forwarded.status_code, content=forwarded.content)

    client = httpx.Client(base_url="http://test", transport=httpx.MockTransport(handler))
    totals, _, logs = feed(app, client)
    assert totals.stored > 0 and "cannot reach" in logs[0] and len(logs) == 2


@sqlite_only
def test_a_refused_token_stops_the_feed_with_a_clear_message(app, demo_site):
    with pytest.raises(FeedError, match="refused the API token"):
        feed(app, events_api(), token="smena_wrong")


def test_the_schedule_brings_published_breaks_only(app, db, demo_site):
    shift = db.scalars(
        select(Shift).join(Agent).where(Agent.code == "A001").order_by(Shift.starts_at)
    ).first()
    lunch = db.scalars(select(BreakType).where(BreakType.name == "Lunch")).one()
    at = shift.starts_at + timedelta(hours=4, minutes=7)  # beside any break the demo has
    for state, minutes in (("published", 0), ("planned", 60), ("cancelled", 120)):
        db.add(PlannedBreak(shift_id=shift.id, break_type_id=lunch.id, state=state,
                            starts_at=at + timedelta(minutes=minutes),
                            ends_at=at + timedelta(minutes=minutes + 30)))  # fmt: skip
    db.commit()
    floor = load_floor(db, site=demo_site, start=shift.starts_at, end=shift.ends_at)
    planned = next(s for s in floor.shifts if s.shift_id == shift.id)
    starts = {b.starts_at: b.state for b in planned.breaks}
    assert starts[at] == "lunch"
    assert at + timedelta(minutes=60) not in starts and at + timedelta(minutes=120) not in starts
    assert [b.starts_at for b in planned.breaks] == sorted(starts)
    assert floor.queues == ("Retail", "Premium", "Internet", "Brokerage")
    assert "Retail" in floor.agents["A001"] and len(floor.agents) == 12


@sqlite_only
def test_smena_simulate_refuses_bad_options(smena: Run, app, demo_site):  # noqa: F811
    base = ("simulate", "--token", TOKEN)
    for args, message in (
        (("--site", "Nowhere"), "--site: no site named 'Nowhere'"),
        (("--site", "Moscow", "--speed", "0"), "--speed"),
        (("--site", "Moscow", "--start", "yesterday"), "--start: not an ISO 8601 time"),
        (("--site", "Moscow", "--start", "2026-11-30T08:00"), "--start: needs a UTC offset"),
        (("--site", "Moscow", "--url", "localhost:8000"), "--url"),
    ):
        result = smena(*base, *args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)


@sqlite_only
def test_smena_simulate_posts_a_simulated_hour(smena: Run, app, demo_site, monkeypatch):  # noqa: F811
    api = events_api()
    monkeypatch.setattr(runner, "make_client", lambda config: TestClient(api))
    result = smena(
        "simulate", "--site", "Moscow", "--token", TOKEN, "--speed", "100000",
        "--duration-minutes", "60", "--start", START.isoformat(), "--seed", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"posted: {len(api.state.events)} stored, 0 duplicates" in result.output


@pytest.fixture
def live_api(app: FastAPI) -> Iterator[None]:
    try:
        app.url_path_for("api_events")
    except NoMatchFound:
        pytest.skip("POST /api/v1/events is not wired into the app yet")
    yield


@sqlite_only
def test_the_real_api_stores_what_the_feed_posts(app, db, demo_site, live_api):
    from app.events.service import calls_between, states_between
    from app.events.tokens import issue_token
    from app.models import AcdEvent

    _, raw = issue_token(db, user=None, site=demo_site, label="simulator")
    db.commit()
    api = events_api()  # the same feed posted to the fake as well, to compare
    feed(app, api, duration=timedelta(hours=1))
    with TestClient(app) as client:
        totals, _, _ = feed(app, client, token=raw, duration=timedelta(hours=1))
    db.rollback()
    stored = db.scalars(select(AcdEvent.event_id).where(AcdEvent.site_id == demo_site.id)).all()
    assert totals.stored == len(stored) == len(api.state.events) > 100
    posted = list(api.state.events.values())
    span = {"site_id": demo_site.id, "start": START, "end": START + timedelta(hours=1, seconds=1)}
    calls = calls_between(db, **span)
    assert len(calls) == sum(e["type"] == "call.offered" for e in posted)
    assert sum(c.answered_at is not None for c in calls) == sum(
        e["type"] == "call.answered" for e in posted)  # fmt: skip
    assert {s.agent for s in states_between(db, **span)} == {f"A{i:03d}" for i in range(1, 13)}
