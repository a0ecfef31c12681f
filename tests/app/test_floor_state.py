"""The Floor kept in memory (live_state) against the Floor computed whole (the reference)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.db import utcnow
from app.floor import service
from app.floor.live_state import SiteState
from app.models import Site
from kpi.adherence import Activity, ScheduledActivity, agent_adherence, combined_adherence
from kpi.definitions import CallFigures
from kpi.records import AgentState, StateInterval
from tests.app.conftest import Center
from tests.app.floor_setup import morning_events, publish_break, store


def _same_figures(got: CallFigures, want: CallFigures) -> None:
    for name in CallFigures.__dataclass_fields__:
        a, b = getattr(got, name), getattr(want, name)
        if isinstance(a, float) and isinstance(b, float):
            assert math.isclose(a, b, rel_tol=1e-9), name
        else:
            assert a == b, name


def _same_floor(got: service.Floor, want: service.Floor) -> None:
    pairs = zip(
        (*got.board.queues, got.board.all_queues),
        (*want.board.queues, want.board.all_queues),
        strict=True,
    )
    for mine, theirs in pairs:
        assert (mine.queue, mine.waiting_now, mine.talking_now) == (
            theirs.queue, theirs.waiting_now, theirs.talking_now,
        )  # fmt: skip
        assert mine.longest_wait_seconds == theirs.longest_wait_seconds
        _same_figures(mine.this_interval, theirs.this_interval)
        _same_figures(mine.today, theirs.today)
    assert got.board.agents_by_state == want.board.agents_by_state
    assert [(p.start, p.offered, p.service_level) for p in got.curve] == [
        (p.start, p.offered, p.service_level) for p in want.curve
    ]
    assert len(got.agents) == len(want.agents)
    for mine, theirs in zip(got.agents, want.agents, strict=True):
        assert mine.code == theirs.code and mine.state is theirs.state
        assert (mine.state_since, mine.activity) == (theirs.state_since, theirs.activity)
        a, b = mine.adherence, theirs.adherence
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert math.isclose(a.scheduled_seconds, b.scheduled_seconds, abs_tol=1e-6)
            assert math.isclose(a.adherent_seconds, b.adherent_seconds, abs_tol=1e-6)
            assert a.out_of_adherence_since == b.out_of_adherence_since
    assert sorted(a.key for a in got.alerts) == sorted(a.key for a in want.alerts)


def test_the_kept_floor_follows_new_events_as_the_whole_one_does(
    db: Session, center: Center
) -> None:
    site = db.get(Site, center.site_id)
    assert site is not None
    t0 = utcnow() - timedelta(minutes=220)
    events = morning_events(t0)
    late = [e for e in events if e["id"] in ("c5o", "s3")]  # the waiting call, the skipped break
    store(db, site, [e for e in events if e not in late])
    publish_break(db, site, center.agent_id, t0, t0.astimezone(ZoneInfo(site.timezone)).date())
    db.commit()
    kept = SiteState(site.id)
    now = utcnow()
    _same_floor(kept.refresh(db, site=site, now=now), service.load_floor(db, site=site, now=now))
    store(db, site, late)
    store(db, site, [
        {"id": "n1", "type": "call.answered", "ts": now.isoformat(), "call_id": "c5",
         "agent": "A002"},
        {"id": "n2", "type": "agent.state", "ts": now.isoformat(), "agent": "A002",
         "state": "on_call"},
    ])  # fmt: skip
    db.commit()
    later = utcnow() + timedelta(minutes=2)  # past the checkpoint: adherence moves on
    floor = kept.refresh(db, site=site, now=later)
    _same_floor(floor, service.load_floor(db, site=site, now=later))
    vera = next(row for row in floor.agents if row.code == "A003")
    assert vera.out_of_adherence
    assert floor.board.queues[0].talking_now == 1


def test_a_new_day_starts_afresh(db: Session, center: Center) -> None:
    site = db.get(Site, center.site_id)
    assert site is not None
    store(db, site, morning_events(utcnow() - timedelta(minutes=220)))
    db.commit()
    kept = SiteState(site.id)
    now = utcnow()
    kept.refresh(db, site=site, now=now)
    tomorrow: datetime = now + timedelta(days=1)
    floor = kept.refresh(db, site=site, now=tomorrow)
    _same_floor(floor, service.load_floor(db, site=site, now=tomorrow))
    assert floor.board.all_queues.today.offered == 0


def test_adherence_split_anywhere_adds_up_to_the_whole() -> None:
    t0 = utcnow().replace(microsecond=0)

    def at(minutes: float) -> datetime:
        return t0 + timedelta(minutes=minutes)

    schedule = [
        ScheduledActivity("A", Activity.PHONE, at(0), at(60)),
        ScheduledActivity("A", Activity.BREAK, at(60), at(75)),
        ScheduledActivity("A", Activity.PHONE, at(75), at(180)),
    ]
    states = [
        StateInterval("A", AgentState.AVAILABLE, at(3), at(58)),  # late in, early out
        StateInterval("A", AgentState.ON_CALL, at(58), at(70)),  # on a call into the break
        StateInterval("A", AgentState.BREAK, at(70), at(90)),  # ...and back late
        StateInterval("A", AgentState.AVAILABLE, at(90), None),
    ]
    for end in (at(68), at(150)):  # out of adherence at the end (since 62), then back in
        (whole,) = agent_adherence(schedule, states, start=t0, end=end, grace_seconds=120)
        for minute in (0, 1, 30, 59, 61, 62.5, 64, 68, 70, 75, 76, 89, 149.5, 150):
            split = min(at(minute), end)
            (head,) = agent_adherence(schedule, states, start=t0, end=split, grace_seconds=120)
            (tail,) = agent_adherence(schedule, states, start=split, end=end, grace_seconds=120)
            both = combined_adherence(head, tail, split=split, end=end)
            assert math.isclose(both.scheduled_seconds, whole.scheduled_seconds), minute
            assert math.isclose(both.adherent_seconds, whole.adherent_seconds), minute
            assert both.out_of_adherence_since == whole.out_of_adherence_since, minute
    assert whole.out_of_adherence_since is None
    (out,) = agent_adherence(schedule, states, start=t0, end=at(68), grace_seconds=120)
    assert out.out_of_adherence_since == at(62)
