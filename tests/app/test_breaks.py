"""The Breaks screen: a team's day as an instance, the job, hand moves, re-plan, publish."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.breaks import optimise, service
from app.breaks.instance import TeamDay
from app.db import transaction
from app.jobs.service import enqueue
from app.jobs.worker import Worker
from app.models import (
    AuditEntry,
    BreakPolicy,
    BreakRule,
    BreakType,
    Job,
    PlannedBreak,
    Shift,
    Site,
    Team,
)
from scheduling.breaks import Instance
from tests.app.conftest import MONDAY, Center
from tests.scheduling.breaks_checker import violations

Clients = Callable[[str], TestClient]
MSK = timedelta(hours=3)  # Europe/Moscow, no clock changes


def local(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """An instant on MONDAY (or days after) at a Moscow wall-clock time, in UTC."""
    naive = datetime.combine(MONDAY + timedelta(days=days), datetime.min.time())
    return (naive + timedelta(hours=hour, minutes=minute) - MSK).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Day:
    """Ids of the seeded breaks setup."""

    shifts: dict[int, int]  # agent id -> shift id
    short_id: int
    lunch_id: int
    policy_id: int


@pytest.fixture
def day(center: Center, db: Session) -> Day:
    """Rules: two 15-min breaks in 60-480 and a 30-min lunch in 180-360 min after the start;
    work stretches 45-150 min, at most 2 on a break. Two day shifts and one overnight."""
    short = BreakType(site_id=center.site_id, name="Break", length_minutes=15)
    lunch = BreakType(site_id=center.site_id, name="Lunch", length_minutes=30, paid=False)
    db.add_all([short, lunch])
    db.flush()
    policy = BreakPolicy(
        site_id=center.site_id, min_work_minutes=45, max_work_minutes=150, max_on_break=2
    )
    db.add_all(
        [
            BreakRule(
                site_id=center.site_id,
                break_type_id=short.id,
                min_shift_minutes=240,
                max_shift_minutes=720,
                count=2,
                window_start_minutes=60,
                window_end_minutes=480,
            ),
            BreakRule(
                site_id=center.site_id,
                break_type_id=lunch.id,
                min_shift_minutes=360,
                max_shift_minutes=720,
                count=1,
                window_start_minutes=180,
                window_end_minutes=360,
            ),
            policy,
        ]
    )
    spans = {
        center.operator_agent_id: (local(9), local(18)),
        center.other_operator_agent_id: (local(9), local(18)),
        center.agent_id: (local(22), local(7, days=1)),
    }
    shifts = {
        a: Shift(agent_id=a, work_date=MONDAY, starts_at=s, ends_at=e)
        for a, (s, e) in spans.items()
    }
    db.add_all(shifts.values())
    db.commit()
    return Day({a: s.id for a, s in shifts.items()}, short.id, lunch.id, policy.id)


def team_day(db: Session, center: Center) -> TeamDay:
    site, team = db.get(Site, center.site_id), db.get(Team, center.team_id)
    assert site is not None and team is not None
    db.expire_all()
    return service.load_team_day(db, site=site, team=team, day=MONDAY)


def as_doc(instance: Instance) -> dict[str, Any]:
    """The instance as the JSON of specs/breaks.md, for the independent checker."""
    return {
        "slot_minutes": instance.slot_minutes,
        "slots": instance.slots,
        "requirement": list(instance.requirement),
        "max_on_break": list(instance.max_on_break) if instance.max_on_break else None,
        "not_before": instance.not_before,
        "rules": {"min_work": instance.min_work, "max_work": instance.max_work},
        "agents": [
            {
                "id": a.id,
                "shift": [a.shift_start, a.shift_end],
                "breaks": [
                    {"name": b.name, "length": b.length, "earliest": b.earliest, "latest": b.latest}
                    for b in a.breaks
                ],
                "fixed": {b.name: b.fixed_start for b in a.breaks if b.fixed_start is not None},
            }
            for a in instance.agents
        ],
    }


def stored_plan_violations(db: Session, center: Center) -> list[str]:
    """What the independent checker finds wrong with the stored breaks of the day."""
    current = team_day(db, center)
    doc = as_doc(current.instance(fixed=lambda _row: False))
    breaks = [
        {"agent": agent, "name": name, "start": start}
        for agent, starts in current.starts().items()
        for name, start in starts.items()
    ]
    return violations(doc, {"breaks": breaks})


def run_job(app: FastAPI, center: Center, **extra: Any) -> Job:
    with transaction(app.state.sessionmaker) as db:
        site, team = db.get(Site, center.site_id), db.get(Team, center.team_id)
        assert site is not None and team is not None
        params = optimise.job_params(
            site=site, team=team, day=MONDAY, replan=False, time_limit_seconds=1.0
        )
        job_id = enqueue(
            db, kind="breaks.optimise", params=params | extra, user=None, site_id=site.id
        ).id
    assert Worker(app.state.sessionmaker).run_once()
    with app.state.sessionmaker() as db:
        job = db.get(Job, job_id)
        assert job is not None
        return job


@pytest.fixture
def busy_morning(monkeypatch: pytest.MonkeyPatch) -> None:
    """A saved plan that needs 2 agents from 09:00 to 12:00 and 1 after, until 18:00."""

    def requirement_for(_db: Session, **kw: Any) -> list[int]:
        start, slot = kw["start_utc"], timedelta(minutes=kw["slot_minutes"])
        count = int((kw["end_utc"] - start) / slot)
        at = [start + k * slot for k in range(count)]
        return [
            2 if local(9) <= t < local(12) else 1 if local(12) <= t < local(18) else 0 for t in at
        ]

    monkeypatch.setattr(service, "requirement_for", requirement_for)


def add_break(
    db: Session, shift_id: int, type_id: int, start: datetime, minutes: int, **kw: Any
) -> int:
    row = PlannedBreak(
        shift_id=shift_id,
        break_type_id=type_id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        **kw,
    )
    db.add(row)
    db.commit()
    return row.id


def test_the_instance_covers_the_local_day_and_overnight_shifts_with_the_matching_rules(
    center: Center, day: Day, db: Session
) -> None:
    # A team rule for lunch overrides the site's; another team's rule is ignored.
    other = Team(site_id=center.site_id, name="Bravo")
    db.add(other)
    db.flush()
    for team_id, start in ((center.team_id, 240), (other.id, 60)):
        db.add(
            BreakRule(
                site_id=center.site_id,
                team_id=team_id,
                break_type_id=day.lunch_id,
                min_shift_minutes=360,
                max_shift_minutes=720,
                count=1,
                window_start_minutes=start,
                window_end_minutes=300,
            )
        )
    db.commit()
    current = team_day(db, center)
    assert current.horizon.start == local(0)
    assert current.horizon.slots == (24 + 7) * 12  # to 07:00 next morning
    instance = current.instance(fixed=lambda _row: False)
    assert (instance.min_work, instance.max_work, instance.max_on_break[:1]) == (9, 30, (2,))
    by_id = {a.id: a for a in instance.agents}
    anna = by_id[str(center.operator_agent_id)]
    assert (anna.shift_start, anna.shift_end) == (9 * 12, 18 * 12)
    assert [(b.name, b.length, b.earliest, b.latest) for b in anna.breaks] == [
        ("Break 1", 3, 10 * 12, 17 * 12),
        ("Lunch", 6, 13 * 12, 14 * 12),
        ("Break 2", 3, 10 * 12, 17 * 12),
    ]
    night = by_id[str(center.agent_id)]
    assert (night.shift_start, night.shift_end) == (22 * 12, 31 * 12)
    assert night.breaks[0].earliest == 23 * 12 and night.breaks[0].latest == 30 * 12


def test_the_job_stores_a_plan_every_rule_holds_and_reports_shortage_before_and_after(
    app: FastAPI, center: Center, day: Day, db: Session, busy_morning: None
) -> None:
    job = run_job(app, center)
    assert job.status == "done", job.error
    result = job.result or {}
    assert result["status"] in ("OPTIMAL", "FEASIBLE")
    assert result["placed"] == 9
    # Before: no breaks, so no shortage; after, the breaks leave someone short somewhere.
    assert result["shortage_before"] == {"total": 0, "peak": 0}
    assert result["shortage_after"]["total"] > 0
    assert stored_plan_violations(db, center) == []
    rows = db.scalars(select(PlannedBreak)).all()
    assert {r.state for r in rows} == {"planned"} and not any(r.set_by_hand for r in rows)
    night = [r for r in rows if r.shift_id == day.shifts[center.agent_id]]
    assert any(r.starts_at >= local(0, days=1) for r in night)  # after midnight
    # No break leaves the morning short of its two agents if it can be helped: both day
    # agents' first breaks wait until after 12:00 or the requirement allows it.
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "optimise")).all()
    assert len(audit) == 1 and audit[0].after is not None
    assert audit[0].after["result"]["placed"] == 9
    # Optimising again replaces the plan rather than adding to it.
    run_job(app, center)
    db.expire_all()
    assert len(db.scalars(select(PlannedBreak)).all()) == 9


def test_an_agent_who_cannot_take_their_breaks_is_named_and_nothing_is_stored(
    app: FastAPI, center: Center, day: Day, db: Session, as_role: Clients
) -> None:
    shift = db.get(Shift, day.shifts[center.agent_id])
    assert shift is not None
    shift.starts_at, shift.ends_at = local(10), local(13, 30)  # no rule matches: 210 min > 150
    db.commit()
    job = run_job(app, center)
    result = job.result or {}
    assert result["status"] == "INFEASIBLE"
    assert [a["agent"] for a in result["infeasible_agents"]] == ["Vera Smirnova (A003)"]
    reason = result["infeasible_agents"][0]["reason"]
    assert reason == "shift 10:00–13:30 has no break and is 210 min, more than max_work 150 min"
    assert db.scalars(select(PlannedBreak)).all() == []
    page = as_role("supervisor").get(
        "/breaks", params={"site_id": center.site_id, "team_id": center.team_id, "day": MONDAY}
    )
    assert "Vera Smirnova (A003)" in page.text and "INFEASIBLE" in page.text


def _anna_day(db: Session, center: Center, day: Day, **kw: Any) -> list[int]:
    """Anna's breaks at 11:00, 13:00 (lunch) and 15:30."""
    shift = day.shifts[center.operator_agent_id]
    return [
        add_break(db, shift, day.short_id, local(11), 15, **kw),
        add_break(db, shift, day.lunch_id, local(13), 30, **kw),
        add_break(db, shift, day.short_id, local(15, 30), 15, **kw),
    ]


def test_a_hand_move_is_kept_when_every_rule_holds_and_refused_with_each_rule_named(
    center: Center, day: Day, db: Session, as_role: Clients
) -> None:
    first, _lunch, _last = _anna_day(db, center, day)
    boris = day.shifts[center.other_operator_agent_id]
    add_break(db, boris, day.short_id, local(10), 15)
    add_break(db, boris, day.short_id, local(10), 15)  # two on a break at 10:00: the cap
    supervisor = as_role("supervisor")

    edit = supervisor.get(f"/breaks/{first}/edit")
    assert (
        edit.status_code == 200
        and 'name="start"' in edit.text
        and "New start of Break 1" in edit.text
    )

    refused = supervisor.post(f"/breaks/{first}/move", data={"start": "12:50"})
    assert refused.status_code == 422
    assert (
        "Order of breaks" in refused.text
        and "Lunch must start after Break 1 ends at 13:05" in refused.text
    )
    assert "Longest stretch of work" in refused.text  # 09:00-12:50 is 230 min
    assert 'value="12:50"' in refused.text  # what was typed is kept
    db.expire_all()
    row = db.get(PlannedBreak, first)
    assert row is not None and row.starts_at == local(11) and not row.set_by_hand

    outside = supervisor.post(f"/breaks/{first}/move", data={"start": "08:30"})
    assert outside.status_code == 422
    assert "Break window" in outside.text and "Inside the shift" in outside.text
    assert "Break 1 may start between 10:00 and 17:00, not at 08:30." in outside.text

    crowded = supervisor.post(f"/breaks/{first}/move", data={"start": "10:00"})
    assert crowded.status_code == 422 and "People on a break at once" in crowded.text

    bad = supervisor.post(f"/breaks/{first}/move", data={"start": "ten"})
    assert bad.status_code == 422 and "HH:MM" in bad.text

    moved = supervisor.post(f"/breaks/{first}/move", data={"start": "10:45"})
    assert moved.status_code == 200, moved.text
    assert moved.headers["HX-Trigger"] == "breaksChanged"
    db.expire_all()
    row = db.get(PlannedBreak, first)
    assert row is not None and (row.starts_at, row.ends_at) == (local(10, 45), local(11))
    assert row.set_by_hand
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "move")).one()
    assert entry.before is not None and entry.after is not None
    assert entry.before["starts_at"] != entry.after["starts_at"]


def test_a_break_of_another_site_is_not_found(
    center: Center, day: Day, db: Session, as_role: Clients
) -> None:
    first = _anna_day(db, center, day)[0]
    agent_site = db.get(Site, center.other_site_id)
    assert agent_site is not None
    supervisor = as_role("supervisor")
    assert supervisor.get(f"/breaks/{first}/edit").status_code == 200
    assert supervisor.get("/breaks/999999/edit").status_code == 404
    response = supervisor.post(
        "/breaks/optimise",
        data={"site_id": center.other_site_id, "team_id": center.team_id, "day": MONDAY},
    )
    assert response.status_code == 404


def test_replanning_keeps_what_is_past_and_what_was_set_by_hand(
    app: FastAPI, center: Center, day: Day, db: Session, busy_morning: None
) -> None:
    past, lunch, hand = _anna_day(db, center, day)
    row = db.get(PlannedBreak, hand)
    assert row is not None
    row.set_by_hand = True
    db.commit()
    boris = add_break(
        db, day.shifts[center.other_operator_agent_id], day.short_id, local(10, 30), 15
    )
    now = local(12)
    job = run_job(app, center, replan=True, now=now.isoformat())
    assert job.status == "done", job.error
    assert (job.result or {})["status"] in ("OPTIMAL", "FEASIBLE")
    db.expire_all()
    kept = {r.id: r for r in db.scalars(select(PlannedBreak))}
    assert kept[past].starts_at == local(11) and kept[hand].starts_at == local(15, 30)
    assert kept[boris].starts_at == local(10, 30)
    new = [r for r in kept.values() if r.id not in (past, hand, boris)]
    assert lunch not in kept or kept[lunch].starts_at >= now
    assert all(r.starts_at >= now for r in new)
    assert len(kept) == 9
    assert stored_plan_violations(db, center) == []


def test_the_page_shows_the_team_s_day_and_publish_makes_the_breaks_visible(
    center: Center, day: Day, db: Session, as_role: Clients
) -> None:
    ids = _anna_day(db, center, day)
    supervisor = as_role("supervisor")
    params = {"site_id": center.site_id, "team_id": center.team_id, "day": MONDAY.isoformat()}
    page = supervisor.get("/breaks", params=params)
    assert page.status_code == 200
    assert "Lunch of Anna Ivanova, 13:00–13:30" in page.text
    assert "Vera Smirnova" in page.text and "22:00–07:00" in page.text
    assert "3 breaks not published" in page.text
    assert "No saved staffing plan" in page.text
    fragment = supervisor.get("/breaks/timeline", params=params)
    assert fragment.text.lstrip().startswith('<section id="breaks-timeline"')
    assert 'hx-trigger="jobEnded from:body, breaksChanged from:body"' in fragment.text

    queued = supervisor.post("/breaks/optimise", data=params)
    assert queued.status_code == 200 and 'hx-trigger="every 1s"' in queued.text
    job = db.scalars(select(Job)).one()
    assert job.params["team_id"] == center.team_id and job.params["replan"] is False
    again_queued = supervisor.post("/breaks/optimise?replan=1", data=params)
    assert f'id="job-{job.id}"' in again_queued.text  # one optimisation of a day at a time
    db.expire_all()
    assert len(db.scalars(select(Job)).all()) == 1

    published = supervisor.post("/breaks/publish", data=params, follow_redirects=False)
    assert published.status_code == 303
    db.expire_all()
    assert {db.get(PlannedBreak, i).state for i in ids} == {"published"}  # type: ignore[union-attr]
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.action == "publish")).all()) == 3
    again = supervisor.get("/breaks", params=params)
    assert "breaks not published" not in again.text
