"""KPI reports: figures grouped in SQL equal kpi.definitions computed on the same calls."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, Site, Team
from app.models.events import AgentStateInterval
from app.reports.aggregate import offset_pieces
from app.reports.service import interval_report, kpi_report, period_of
from kpi.definitions import CallFigures, Thresholds, WrapUps, call_figures, interval_figures
from kpi.records import AgentState, CallRecord, StateInterval
from tests.app.conftest import Center
from tests.app.reports_data import random_calls, store

ZONE = ZoneInfo("Europe/Moscow")
START = datetime(2026, 9, 20, tzinfo=UTC)
QUEUES = ("Retail", "Premium", "Internet")
AGENTS = ("A001", "A002", "A003", "A004", "A005", None)
FIRST, LAST = date(2026, 9, 20), date(2026, 11, 5)


def assert_same(got: CallFigures, expected: CallFigures, where: object) -> None:
    for name in (
        "offered",
        "answered",
        "abandoned",
        "short_abandons",
        "answered_in_target",
        "handled",
    ):
        assert getattr(got, name) == getattr(expected, name), (where, name)
    for name in ("service_level", "abandon_rate", "asa_seconds", "aht_seconds"):
        a, b = getattr(got, name), getattr(expected, name)
        assert (a is None) == (b is None), (where, name)
        if a is not None:
            assert a == pytest.approx(b, abs=1e-6), (where, name)


@pytest.fixture
def calls(db: Session, center: Center) -> list[CallRecord]:
    made = random_calls(start=START, days=45, queues=QUEUES, agents=AGENTS, count=1500)
    store(db, site_id=center.site_id, calls=made)
    return made


def expected(
    calls: list[CallRecord],
    period: str,
    key: Callable[[CallRecord], object],
    thresholds: Thresholds,
) -> dict[tuple[date, object], CallFigures]:
    groups: dict[tuple[date, object], list[CallRecord]] = defaultdict(list)
    for call in calls:
        day = call.offered_at.astimezone(ZONE).date()
        if FIRST <= day <= LAST:
            groups[period_of(day, period), key(call)].append(call)
    return {k: call_figures(group, thresholds=thresholds) for k, group in groups.items()}


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_figures_by_period_and_dimension_equal_the_definitions(
    db: Session, center: Center, calls: list[CallRecord], period: str
) -> None:
    site = db.get_one(Site, center.site_id)
    thresholds = Thresholds(sl_seconds=20, short_abandon_seconds=5)
    teams = dict(
        db.execute(select(Agent.code, Team.name).join(Team, Team.id == Agent.team_id)).all()
    )
    keys: dict[str, Callable[[CallRecord], object]] = {
        "all": lambda c: None,
        "queue": lambda c: c.queue,
        "agent": lambda c: c.agent,
        "team": lambda c: teams.get(c.agent) if c.agent else None,
    }
    for dimension, key in keys.items():
        report = kpi_report(
            db, site=site, period=period, dimension=dimension, first=FIRST, last=LAST
        )
        want = expected(calls, period, key, thresholds)
        label = (lambda k: "—" if k is None else str(k)) if dimension != "all" else (lambda k: "")
        got = {
            (
                row.period,
                row.label.split(" ")[0] if dimension == "agent" else row.label,
            ): row.figures
            for row in report.rows
        }
        assert set(got) == {(day, label(k)) for day, k in want}, dimension
        for (day, k), figures in want.items():
            assert_same(got[day, label(k)], figures, (period, dimension, day, k))
        totals = expected(calls, period, lambda c: None, thresholds)
        assert [t.period for t in report.totals] == sorted(day for day, _ in totals)
        for total in report.totals:
            assert_same(total.figures, totals[total.period, None], (period, total.period))


def test_the_site_time_zone_draws_the_day_boundary(db: Session, center: Center) -> None:
    site = db.get_one(Site, center.site_id)
    # 20:59 and 21:00 UTC on 1 Oct: 23:59 on the 1st and 00:00 on the 2nd in Moscow.
    late = datetime(2026, 10, 1, 20, 59, 59, tzinfo=UTC)
    calls = [
        CallRecord("x1", "Retail", late, late + timedelta(seconds=3)),
        CallRecord(
            "x2", "Retail", late + timedelta(seconds=1), abandoned_at=late + timedelta(seconds=9)
        ),
    ]
    store(db, site_id=site.id, calls=calls)
    report = kpi_report(
        db,
        site=site,
        period="day",
        dimension="all",
        first=date(2026, 10, 1),
        last=date(2026, 10, 2),
    )
    assert [(t.period, t.figures.offered, t.figures.answered) for t in report.totals] == [
        (date(2026, 10, 1), 1, 1),
        (date(2026, 10, 2), 1, 0),
    ]
    site.timezone = "UTC"
    report = kpi_report(
        db,
        site=site,
        period="day",
        dimension="all",
        first=date(2026, 10, 1),
        last=date(2026, 10, 2),
    )
    assert [(t.period, t.figures.offered) for t in report.totals] == [(date(2026, 10, 1), 2)]


def test_interval_report_across_a_dst_change_equals_the_definitions(
    db: Session, center: Center
) -> None:
    site = db.get_one(Site, center.site_id)
    site.timezone = "Europe/Berlin"  # clocks go back at 01:00 UTC on 25 October 2026
    zone = ZoneInfo(site.timezone)
    made = random_calls(
        start=datetime(2026, 10, 23, tzinfo=UTC), days=4, queues=QUEUES, agents=AGENTS, count=800
    )
    store(db, site_id=site.id, calls=made)
    start, end = datetime(2026, 10, 23, tzinfo=zone), datetime(2026, 10, 27, tzinfo=zone)
    assert len(list(offset_pieces(start, end, zone))) == 2
    rows = interval_report(db, site=site, start=start, end=end, interval_minutes=30)
    assert rows is not None
    chosen = [c for c in made if start <= c.offered_at < end]
    want = interval_figures(chosen, tz=zone, interval_minutes=30)
    assert [(r.start, r.queue) for r in rows] == [(w.start, w.queue) for w in want]
    assert [r.start.utcoffset() for r in rows] == [w.start.utcoffset() for w in want]
    for row, wanted in zip(rows, want, strict=True):
        assert_same(row.figures, wanted.figures, (row.start, row.queue))
    only = interval_report(db, site=site, start=start, end=end, queue="Premium")
    assert only is not None and {r.queue for r in only} == {"Premium"}
    assert interval_report(db, site=site, start=start, end=end, queue="Nope") is None


def test_thresholds_change_the_figures(
    db: Session, center: Center, calls: list[CallRecord]
) -> None:
    site = db.get_one(Site, center.site_id)
    strict = Thresholds(sl_seconds=10, short_abandon_seconds=0)
    report = kpi_report(
        db, site=site, period="month", dimension="all", first=FIRST, last=LAST, thresholds=strict
    )
    want = expected(calls, "month", lambda c: None, strict)
    for total in report.totals:
        assert_same(total.figures, want[total.period, None], total.period)
    assert report.totals[0].figures.short_abandons == 0


def test_aht_adds_the_wrap_up_that_follows_each_call(db: Session, center: Center) -> None:
    site = db.get_one(Site, center.site_id)
    made = random_calls(start=START, days=2, queues=QUEUES, agents=AGENTS, count=300, seed=9)
    store(db, site_id=site.id, calls=made)
    agents = dict(db.execute(select(Agent.code, Agent.id)).all())
    states = []
    for number, call in enumerate(made):
        if call.agent is None or call.ended_at is None or number % 3 == 0:
            continue
        began = call.ended_at + timedelta(seconds=number % 4)  # within the 5 s gap, or not
        ended = None if number % 11 == 0 else began + timedelta(seconds=10 + number % 50)
        states.append(StateInterval(call.agent, AgentState.WRAP_UP, began, ended))
    db.add_all(
        AgentStateInterval(
            site_id=site.id,
            agent_id=agents[s.agent],
            state="wrap_up",
            start=s.start,
            end=s.end,
            source="events",
        )
        for s in states
    )
    db.commit()
    start, end = datetime(2026, 9, 20, tzinfo=ZONE), datetime(2026, 9, 22, tzinfo=ZONE)
    rows = interval_report(db, site=site, start=start, end=end, interval_minutes=60)
    chosen = [c for c in made if start <= c.offered_at < end]
    want = interval_figures(chosen, tz=ZONE, interval_minutes=60, states=states)
    assert rows is not None and len(rows) == len(want)
    for row, wanted in zip(rows, want, strict=True):
        assert_same(row.figures, wanted.figures, (row.start, row.queue))
    talk_only = interval_figures(chosen, tz=ZONE, interval_minutes=60)
    assert any(
        w.figures.aht_seconds != t.figures.aht_seconds for w, t in zip(want, talk_only, strict=True)
    )
    report = kpi_report(
        db,
        site=site,
        period="day",
        dimension="team",
        first=date(2026, 9, 20),
        last=date(2026, 9, 21),
    )
    wrap_ups = WrapUps(states)
    by_team = expected_with(chosen, report, wrap_ups)
    for row in report.rows:
        assert_same(row.figures, by_team[row.period, row.label], (row.period, row.label))


def expected_with(
    calls: list[CallRecord], report: object, wrap_ups: WrapUps
) -> dict[tuple[date, str], CallFigures]:
    team_of = {"A001": "Alpha", "A002": "Alpha", "A003": "Alpha", "A004": "Bravo", "A005": "Alpha"}
    groups: dict[tuple[date, str], list[CallRecord]] = defaultdict(list)
    for call in calls:
        team = team_of[call.agent] if call.agent else "—"
        groups[call.offered_at.astimezone(ZONE).date(), team].append(call)
    return {k: call_figures(v, wrap_ups=wrap_ups) for k, v in groups.items()}
