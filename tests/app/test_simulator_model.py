"""The floor simulation (pure): events per the contract, consistent calls and agents, breaks
kept as published unless late or absent by design, and arrivals at the configured rates."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.events.schemas import parse_events
from app.simulator import pattern
from app.simulator.behaviour import Behaviour
from app.simulator.demand import Demand, fit_scale
from app.simulator.model import BreakPlan, Event, ShiftPlan, Simulation

TZ = ZoneInfo("Europe/Moscow")
MONDAY = datetime(2026, 11, 30, tzinfo=TZ)
QUEUES = ("Retail", "Premium", "Internet", "Brokerage")
STATES = {"logged_out", "available", "on_call", "wrap_up", "break", "lunch", "meeting",
          "training", "other"}  # fmt: skip
FIELDS = {
    "call.offered": {"call_id", "queue"},
    "call.answered": {"call_id", "agent"},
    "call.abandoned": {"call_id"},
    "call.ended": {"call_id"},
    "agent.state": {"agent", "state"},
}
# A floor busy enough that agents are late for breaks because of calls, and some absent.
BUSY = Behaviour(absence_rate=0.1, very_late_rate=0.1)


def center(agents: int = 40) -> tuple[dict[str, list[str]], list[ShiftPlan]]:
    """Agents on early, day, late and night shifts with two breaks and a lunch each."""
    rng = random.Random(3)
    skills, shifts = {}, []
    for i in range(agents):
        code = f"A{i + 1:03d}"
        skills[code] = ["Retail"] + [q for q in QUEUES[1:] if rng.random() < 0.5]
        start = MONDAY + timedelta(hours=(7, 9, 14, 22)[i % 4])
        breaks = (
            BreakPlan(start + timedelta(minutes=120), start + timedelta(minutes=135)),
            BreakPlan(start + timedelta(minutes=240), start + timedelta(minutes=270), "lunch"),
            BreakPlan(start + timedelta(minutes=420), start + timedelta(minutes=435)),
        )
        shifts.append(ShiftPlan(i, code, start, start + timedelta(hours=9), breaks))
    return skills, shifts


def simulate(
    until: datetime, *, seed: int = 5, step: timedelta | None = None, scale: float = 2.0
) -> tuple[Simulation, list[Event]]:
    skills, shifts = center()
    demand = Demand.for_queues(QUEUES, tz=TZ, scale=scale)
    sim = Simulation(agents=skills, shifts=shifts, demand=demand, start=MONDAY, seed=seed,
                     behaviour=BUSY, tag="t")  # fmt: skip
    events: list[Event] = []
    at = MONDAY
    while at < until:
        at = min(until, at + step) if step else until
        events += sim.advance(at)
    return sim, events


@pytest.fixture(scope="module")
def day() -> tuple[Simulation, list[Event]]:
    return simulate(MONDAY + timedelta(days=1, hours=8))


def ts(event: Event) -> datetime:
    return datetime.fromisoformat(event["ts"])


def test_every_event_has_the_contract_fields_and_a_unique_id(day):
    _, events = day
    assert len(events) > 10_000
    for event in events:
        assert set(event) == {"id", "type", "ts"} | FIELDS[event["type"]], event
        assert ts(event).utcoffset() == timedelta(hours=3), event
        assert all(isinstance(v, str) and v for v in event.values()), event
        if event["type"] == "agent.state":
            assert event["state"] in STATES
    assert len({e["id"] for e in events}) == len(events)
    parsed, errors = parse_events(events[:10_000])  # the API's own validation
    assert errors == [] and len(parsed) == 10_000
    times = [ts(e) for e in events]
    assert times == sorted(times)


def test_calls_are_offered_then_answered_and_ended_or_abandoned(day):
    _, events = day
    skills, _ = center()
    calls: dict[str, dict[str, Event]] = defaultdict(dict)
    for event in events:
        if event["type"].startswith("call."):
            kind = event["type"].removeprefix("call.")
            assert kind not in calls[event["call_id"]], f"{kind} twice: {event}"
            calls[event["call_id"]][kind] = event
    outcomes = Counter()
    for call_id, seen in calls.items():
        offered = seen["offered"]
        assert not ("answered" in seen and "abandoned" in seen), call_id
        if "answered" in seen:
            assert ts(seen["answered"]) >= ts(offered)
            assert offered["queue"] in skills[seen["answered"]["agent"]], "routed by skill"
        if "ended" in seen:
            assert "answered" in seen and ts(seen["ended"]) >= ts(seen["answered"])
        if "abandoned" in seen:
            assert ts(seen["abandoned"]) > ts(offered)
        outcomes["answered" if "answered" in seen else "abandoned" if "abandoned" in seen
                 else "waiting"] += 1  # fmt: skip
    assert outcomes["answered"] > 3 * outcomes["abandoned"] > 0
    assert outcomes["waiting"] < 50


def test_an_agent_is_never_on_two_calls_and_states_follow_the_calls(day):
    _, events = day
    talking: dict[str, str] = {}
    state: dict[str, str] = {}
    agent_of: dict[str, str] = {}
    for event in events:
        if event["type"] == "call.answered":
            agent = event["agent"]
            assert agent not in talking, f"{agent} on {talking.get(agent)} and {event}"
            assert state.get(agent) != "on_call", event  # straight from login or wrap-up is fine
            talking[agent], agent_of[event["call_id"]] = event["call_id"], agent
        elif event["type"] == "call.ended":
            del talking[agent_of[event["call_id"]]]
        elif event["type"] == "agent.state":
            agent = event["agent"]
            assert event["state"] != state.get(agent), f"repeated state {event}"
            if event["state"] == "on_call":
                assert agent in talking
            else:
                assert agent not in talking, f"{agent} left a call: {event}"
            state[agent] = event["state"]


def timeline(events: list[Event]) -> dict[str, list[tuple[datetime, str]]]:
    states: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for event in events:
        if event["type"] == "agent.state":
            states[event["agent"]].append((ts(event), event["state"]))
    return states


def test_agents_log_in_as_drawn_and_the_absent_never_do(day):
    sim, events = day
    _, shifts = center()
    states = timeline(events)
    absent = 0
    for shift in shifts:
        conduct = sim.conduct[shift.shift_id]
        worked = [(t, s) for t, s in states[shift.agent] if shift.starts_at - timedelta(
            minutes=5) <= t < shift.ends_at and s != "logged_out"]  # fmt: skip
        if conduct.absent:
            absent += 1
            assert worked == [], shift.agent
            continue
        login = max(MONDAY, shift.starts_at + timedelta(seconds=conduct.login_offset))
        assert abs((worked[0][0] - login).total_seconds()) < 0.002, shift.agent
    assert 0 < absent < len(shifts) / 3


def test_agents_take_their_published_breaks_unless_late_or_absent_by_design(day):
    sim, events = day
    _, shifts = center()
    states = timeline(events)
    kept = delayed_by_calls = 0
    for shift in shifts:
        conduct = sim.conduct[shift.shift_id]
        login = shift.starts_at + timedelta(seconds=conduct.login_offset)
        for plan, delay, overrun in zip(shift.breaks, conduct.break_delays,
                                        conduct.break_overruns, strict=True):  # fmt: skip
            due = plan.starts_at + timedelta(seconds=delay)
            if conduct.absent or login >= due:
                assert all(
                    not (due <= t < plan.ends_at and s == plan.state)
                    for t, s in states[shift.agent]
                ), "a break nobody was there for"
                continue
            after = [(t, s) for t, s in states[shift.agent] if t >= due - timedelta(seconds=0.002)]
            went = next(i for i, (_, s) in enumerate(after) if s == plan.state)
            # Until the break, the agent only finishes the call in progress and wraps it up.
            assert [s for _, s in after[:went]] in ([], ["wrap_up"]), (shift.agent, after[:3])
            length = (after[went + 1][0] - after[went][0]).total_seconds()
            planned = (plan.ends_at - plan.starts_at).total_seconds() + overrun
            assert abs(length - planned) < 0.01, (shift.agent, plan)
            if went == 0 and abs((after[0][0] - due).total_seconds()) < 0.002:
                kept += 1
            else:
                delayed_by_calls += 1
    assert kept > 0 and delayed_by_calls > 0


def test_arrivals_match_the_configured_rates_within_poisson_noise():
    """Counts per queue and per hour against the demand's expectation: |n - λ| <= 4 sqrt(λ)."""
    sim, events = simulate(MONDAY + timedelta(days=1), scale=3.0)
    offered = [e for e in events if e["type"] == "call.offered"]
    by_queue = Counter(e["queue"] for e in offered)
    by_hour = Counter(ts(e).hour for e in offered)
    for queue in QUEUES:
        expected = sum(sim.demand.expected_calls(queue, 0, slot) for slot in range(96))
        assert abs(by_queue[queue] - expected) <= 4 * math.sqrt(expected), queue
    for hour in range(24):
        expected = sum(
            sim.demand.expected_calls(q, 0, slot)
            for q in QUEUES for slot in range(hour * 4, hour * 4 + 4)
        )  # fmt: skip
        assert abs(by_hour[hour] - expected) <= 4 * math.sqrt(expected), hour
    assert by_hour[10] > 5 * by_hour[3], "the bank's morning peak over the night trickle"


def test_the_same_seed_gives_the_same_events_however_time_is_fed():
    until = MONDAY + timedelta(hours=12)
    _, at_once = simulate(until, seed=9)
    _, by_minute = simulate(until, seed=9, step=timedelta(minutes=1))
    _, other = simulate(until, seed=10)
    assert at_once == by_minute
    assert at_once != other


def test_a_shift_under_way_at_the_start_is_logged_in_and_on_its_break():
    skills, shifts = center(4)
    start = shifts[0].breaks[1].starts_at + timedelta(minutes=10)  # A001 at lunch
    sim = Simulation(agents=skills, shifts=shifts, start=start, seed=1, tag="t",
                     demand=Demand.for_queues(QUEUES, tz=TZ), behaviour=Behaviour(
                         absence_rate=0, late_rate=0, very_late_rate=0))  # fmt: skip
    first = {}
    for event in sim.advance(start):
        if event["type"] == "agent.state":
            first.setdefault(event["agent"], event["state"])
    # A001 (07:00) is at lunch, A002 (09:00) on the 11:00 break, A003 (14:00) not yet in.
    assert first == {"A001": "lunch", "A002": "break", "A003": "logged_out",
                     "A004": "logged_out"}  # fmt: skip


def test_fit_scale_keeps_the_scheduled_agents_at_the_target_occupancy():
    _, shifts = center()
    spans = [(s.starts_at, s.ends_at) for s in shifts]
    wrap = Behaviour().wrap_mean_seconds
    scale = fit_scale(shift_spans=spans, tz=TZ, queues=QUEUES, wrap_mean_seconds=wrap)
    double = fit_scale(shift_spans=spans * 2, tz=TZ, queues=QUEUES, wrap_mean_seconds=wrap)
    assert 0.5 < scale < 10 and double == pytest.approx(2 * scale)
    assert fit_scale(shift_spans=[], tz=TZ, queues=QUEUES, wrap_mean_seconds=wrap) == 1.0


@pytest.mark.skipif(not pattern.DEFAULT_DATA_DIR.is_dir(), reason="no Anonymous Bank data")
def test_the_committed_table_is_what_the_data_gives():
    expected = pattern.render(pattern.derive(pattern.DEFAULT_DATA_DIR))
    assert pattern.TABLE_PATH.read_text() == expected
