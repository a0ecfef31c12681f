"""Rosters: the instance from the database, the generate job, hand edits, publish, compare."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.jobs.service import enqueue
from app.jobs.worker import Worker
from app.models import (
    Agent,
    AuditEntry,
    Job,
    RequestState,
    RosterEntry,
    RosterVersion,
    Shift,
    ShiftTemplate,
    Site,
    StaffingPlan,
    StaffingPlanInterval,
    Team,
    TimeOffRequest,
)
from app.rosters import generate
from app.rosters.instance import TeamWeek, build_instance, load_team_week, template_span
from tests.app.conftest import MONDAY, Center

Clients = Callable[[str], TestClient]
MSK = timedelta(hours=3)  # Europe/Moscow, no clock changes
TEMPLATES = (("Early", time(7, 0), 540), ("Late", time(14, 0), 600), ("Night", time(22, 0), 540))
REST = timedelta(hours=11)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Moscow wall-clock time on `day`, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - MSK


def days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]


def seed_week(db: Session, center: Center, monday: date = MONDAY) -> dict[str, int]:
    """Shift templates, and a saved plan needing one agent 08:00-20:00 every day of the week."""
    templates = [
        ShiftTemplate(site_id=center.site_id, name=n, start_local=t, length_minutes=m)
        for n, t, m in TEMPLATES
    ]
    db.add_all(templates)
    plan = StaffingPlan(
        site_id=center.site_id,
        queue_id=center.queue_id,
        week_start=monday,
        interval_minutes=60,
        service_level=0.8,
        answer_seconds=20,
        shrinkage=0.3,
        forecast_method="test",
    )
    db.add(plan)
    db.flush()
    for day in days(monday):
        for hour in range(8, 20):
            db.add(
                StaffingPlanInterval(
                    plan_id=plan.id,
                    starts_at=local(day, hour),
                    calls=10,
                    aht_seconds=180,
                    agents=1,
                    positions=2,
                    occupancy=0.5,
                    service_level=0.8,
                )
            )
    db.commit()
    return {t.name: t.id for t in templates}


def team_week(db: Session, center: Center, monday: date = MONDAY) -> TeamWeek:
    site, team = db.get(Site, center.site_id), db.get(Team, center.team_id)
    assert site is not None and team is not None
    return load_team_week(db, site=site, team=team, monday=monday)


def draft(
    db: Session, center: Center, rows: dict[int, dict[int, str]], monday: date = MONDAY
) -> RosterVersion:
    """A draft version: agent id -> {day offset: template name}."""
    version = RosterVersion(
        site_id=center.site_id,
        team_id=center.team_id,
        week_start=monday,
        number=generate.next_number(db, team_id=center.team_id, monday=monday),
        status="draft",
        result={},
    )
    db.add(version)
    db.flush()
    templates = {t.name: t for t in db.scalars(select(ShiftTemplate))}
    from zoneinfo import ZoneInfo

    for agent_id, row in rows.items():
        for offset, name in row.items():
            day = monday + timedelta(days=offset)
            start, end = template_span(templates[name], day, ZoneInfo("Europe/Moscow"))
            db.add(
                RosterEntry(
                    version_id=version.id,
                    agent_id=agent_id,
                    work_date=day,
                    template_id=templates[name].id,
                    code=name,
                    starts_at=start,
                    ends_at=end,
                )
            )
    db.commit()
    return version


def test_the_instance_reads_agents_templates_need_time_off_and_the_week_before(
    db: Session, center: Center
) -> None:
    seed_week(db, center)
    db.add(
        TimeOffRequest(
            agent_id=center.agent_id,
            first_day=MONDAY + timedelta(days=2),
            last_day=MONDAY + timedelta(days=3),
            state="approved",
        )
    )
    sunday = MONDAY - timedelta(days=1)
    db.add(
        Shift(
            agent_id=center.operator_agent_id,
            work_date=sunday,
            starts_at=local(sunday, 14),
            ends_at=local(MONDAY, 0),
            source="manual",
        )
    )
    db.commit()
    instance = build_instance(team_week(db, center))
    assert [s.name for s in instance.shifts] == ["Early", "Late", "Night"]
    assert instance.shifts[0].start == 28 and instance.shifts[0].length == 36
    need = instance.requirement[0]
    assert len(need) == 7 * 96 and need[31] == 0 and need[32] == 1 and need[79] == 1
    assert need[80] == 0 and sum(need) == 7 * 48
    agents = {a.id: a for a in instance.agents}
    assert len(agents) == 3 and agents[str(center.agent_id)].weekly_minutes == 2400
    assert [t.day for t in agents[str(center.agent_id)].time_off] == [2, 3]
    before = agents[str(center.operator_agent_id)]
    assert before.days_worked_before == 1 and before.last_end == 0


def test_other_teams_shifts_lower_what_the_team_is_needed_for(db: Session, center: Center) -> None:
    seed_week(db, center)
    other_team = Team(site_id=center.site_id, name="Bravo")
    db.add(other_team)
    db.flush()
    helper = Agent(
        site_id=center.site_id,
        team_id=other_team.id,
        code="B001",
        display_name="Helper",
        contracted_weekly_hours=40,
    )
    db.add(helper)
    db.flush()
    db.add(
        Shift(
            agent_id=helper.id,
            work_date=MONDAY,
            starts_at=local(MONDAY, 8),
            ends_at=local(MONDAY, 12),
            source="manual",
        )
    )
    db.commit()
    week = team_week(db, center)
    assert week.site_need[32] == 1 and week.need[32] == 0 and week.need[48] == 1


def independent_violations(entries: list[RosterEntry], time_off: dict[int, set[date]]) -> list[str]:
    """Rest, one shift a day, time off and days in a row, checked without the app's code."""
    problems = []
    by_agent: dict[int, list[RosterEntry]] = {}
    for entry in entries:
        by_agent.setdefault(entry.agent_id, []).append(entry)
    for agent_id, rows in by_agent.items():
        dates = [r.work_date for r in rows]
        if len(dates) != len(set(dates)):
            problems.append(f"{agent_id}: two shifts a day")
        rows.sort(key=lambda r: r.starts_at)
        for one, two in itertools.pairwise(rows):
            if two.starts_at - one.ends_at < REST:
                problems.append(f"{agent_id}: rest {one.work_date} -> {two.work_date}")
        for row in rows:
            if row.work_date in time_off.get(agent_id, set()):
                problems.append(f"{agent_id}: works on time off {row.work_date}")
        if len(set(dates)) > 6:
            problems.append(f"{agent_id}: 7 days in a row")
    return problems


def test_the_generate_job_stores_a_draft_that_keeps_the_rules(
    app: FastAPI, db: Session, center: Center
) -> None:
    seed_week(db, center)
    wednesday = MONDAY + timedelta(days=2)
    db.add(
        TimeOffRequest(
            agent_id=center.agent_id, first_day=wednesday, last_day=wednesday, state="approved"
        )
    )
    db.commit()
    site, team = db.get(Site, center.site_id), db.get(Team, center.team_id)
    assert site is not None and team is not None
    job = enqueue(
        db,
        kind=generate.GENERATE_KIND,
        params=generate.job_params(site=site, team=team, monday=MONDAY, time_limit_seconds=3),
        user=None,
        site_id=site.id,
    )
    db.commit()
    assert Worker(app.state.sessionmaker).run_once()
    db.expire_all()
    done = db.get(Job, job.id)
    assert done is not None and done.status == "done", done and done.error
    assert done.result is not None and done.result["status"] in ("OPTIMAL", "FEASIBLE")
    version = db.scalar(select(RosterVersion).where(RosterVersion.job_id == job.id))
    assert version is not None and version.status == "draft" and version.number == 1
    assert version.id == done.result["version_id"]
    entries = list(db.scalars(select(RosterEntry).where(RosterEntry.version_id == version.id)))
    assert entries, "the roster has shifts"
    assert independent_violations(entries, {center.agent_id: {wednesday}}) == []
    for agent_id in (center.agent_id, center.operator_agent_id, center.other_operator_agent_id):
        minutes = sum(
            (e.ends_at - e.starts_at) / timedelta(minutes=1)
            for e in entries
            if e.agent_id == agent_id
        )
        credit = 480 if agent_id == center.agent_id else 0
        assert abs(minutes + credit - 2400) <= 240, (agent_id, minutes)
    explanations = version.result["explanations"]
    assert str(center.agent_id) in explanations and explanations[str(center.agent_id)]
    said = version.result["explained"][str(center.agent_id)]  # the same, as codes and figures
    assert len(said) == len(explanations[str(center.agent_id)]) and said[0]["code"] == "works"
    assert version.result["noted"][0]["code"] in ("proven_optimal", "time_limit")


def test_generation_without_templates_fails_with_a_reason(
    app: FastAPI, db: Session, center: Center
) -> None:
    site, team = db.get(Site, center.site_id), db.get(Team, center.team_id)
    assert site is not None and team is not None
    job = enqueue(
        db,
        kind=generate.GENERATE_KIND,
        params=generate.job_params(site=site, team=team, monday=MONDAY, time_limit_seconds=1),
        user=None,
        site_id=site.id,
    )
    db.commit()
    Worker(app.state.sessionmaker).run_once()
    db.expire_all()
    failed = db.get(Job, job.id)
    assert failed is not None and failed.status == "failed"
    assert "no active shift templates" in (failed.error or "")


def _cell(
    client: TestClient, version: RosterVersion, agent_id: int, offset: int, shift: str
) -> tuple[int, str]:
    day = (version.week_start + timedelta(days=offset)).isoformat()
    response = client.post(
        f"/rosters/{version.id}/cell/{agent_id}/{day}",
        data={"shift": shift},
        headers={"HX-Request": "true"},
    )
    if response.status_code == 200:
        assert response.headers["HX-Trigger"] == "rosterChanged"
    return response.status_code, response.text


def test_a_hand_edit_is_checked_against_every_rule_at_once(
    db: Session, center: Center, as_role: Clients
) -> None:
    ids = seed_week(db, center)
    vera = center.agent_id
    version = draft(
        db, center, {vera: {0: "Early", 1: "Late", 3: "Early", 4: "Early", 5: "Early", 6: "Early"}}
    )
    db.add(
        TimeOffRequest(
            agent_id=center.operator_agent_id, first_day=MONDAY, last_day=MONDAY, state="approved"
        )
    )
    db.commit()
    client = as_role("supervisor")

    status, html = _cell(client, version, vera, 2, str(ids["Early"]))  # 7 h after Tue's Late
    assert status == 422
    assert 'data-rule="rest"' in html and "Rest between shifts" in html
    assert 'data-rule="consecutive"' in html and "7 working days in a row" in html
    assert "Refused" in html

    status, html = _cell(client, version, center.operator_agent_id, 0, str(ids["Early"]))
    assert status == 422 and 'data-rule="time_off"' in html

    status, html = _cell(client, version, vera, 2, "nonsense")
    assert status == 422 and "Choose one of the options" in html

    status, html = _cell(client, version, vera, 1, "off")  # Tue off: no rule broken
    assert status == 200 and "Roster of Vera Smirnova" in html
    status, html = _cell(client, version, vera, 2, str(ids["Early"]))
    assert status == 200 and "Early" in html
    db.expire_all()
    row = {
        e.work_date: e.code
        for e in db.scalars(
            select(RosterEntry).where(
                RosterEntry.version_id == version.id, RosterEntry.agent_id == vera
            )
        )
    }
    assert MONDAY + timedelta(days=1) not in row and row[MONDAY + timedelta(days=2)] == "Early"
    assert (
        db.scalar(
            select(AuditEntry).where(
                AuditEntry.entity == "roster_entries", AuditEntry.action == "create"
            )
        )
        is not None
    )


def test_hours_off_the_contract_only_warn(db: Session, center: Center, as_role: Clients) -> None:
    ids = seed_week(db, center)
    version = draft(db, center, {center.agent_id: {0: "Early"}})
    status, html = _cell(as_role("supervisor"), version, center.agent_id, 1, str(ids["Early"]))
    assert status == 200 and 'data-rule="hours"' in html


def test_publish_writes_the_shifts_and_archives_the_previous_version(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center)
    vera, anna = center.agent_id, center.operator_agent_id
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    db.add_all(
        [
            Shift(
                agent_id=vera,
                work_date=tuesday,
                starts_at=local(tuesday, 9),
                ends_at=local(tuesday, 18),
                source="roster",
            ),  # the roster says off: goes
            Shift(
                agent_id=anna,
                work_date=tuesday,
                starts_at=local(tuesday, 9),
                ends_at=local(tuesday, 18),
                source="manual",
            ),  # off in the roster: stays
            Shift(
                agent_id=anna,
                work_date=wednesday,
                starts_at=local(wednesday, 9),
                ends_at=local(wednesday, 18),
                source="manual",
            ),  # the roster's shift wins
        ]
    )
    db.commit()
    first = draft(db, center, {vera: {0: "Early"}, anna: {2: "Late"}})
    client = as_role("supervisor")
    response = client.post(f"/rosters/{first.id}/publish", follow_redirects=False)
    assert response.status_code == 303
    db.expire_all()
    shifts = {(s.agent_id, s.work_date): s for s in db.scalars(select(Shift))}
    assert set(shifts) == {(vera, MONDAY), (anna, tuesday), (anna, wednesday)}
    assert shifts[vera, MONDAY].source == "roster"
    assert shifts[vera, MONDAY].starts_at == local(MONDAY, 7)
    assert shifts[anna, tuesday].source == "manual"
    assert shifts[anna, wednesday].starts_at == local(wednesday, 14)
    assert shifts[anna, wednesday].source == "roster"
    assert db.get(RosterVersion, first.id).status == "published"  # type: ignore[union-attr]

    second = draft(db, center, {vera: {1: "Early"}})
    assert client.post(f"/rosters/{second.id}/publish", follow_redirects=False).status_code == 303
    db.expire_all()
    assert db.get(RosterVersion, first.id).status == "archived"  # type: ignore[union-attr]
    left = {(s.agent_id, s.work_date) for s in db.scalars(select(Shift))}
    assert left == {(vera, tuesday), (anna, tuesday)}
    audit = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "roster_versions"))
    assert {"publish", "archive"} <= set(audit)
    # a published version is not edited in place
    assert _cell(client, second, vera, 3, "off")[0] == 404


def test_compare_highlights_the_days_that_differ(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center)
    vera = center.agent_id
    one = draft(db, center, {vera: {0: "Early", 1: "Early"}})
    two = draft(db, center, {vera: {0: "Early", 1: "Late", 2: "Early"}})
    response = as_role("manager").get(f"/rosters/compare?left={one.id}&right={two.id}")
    assert response.status_code == 200
    assert response.text.count('class="differ"') == 2
    assert "2 days differ" in response.text
    assert "Early → Late" in response.text


def test_the_rosters_page_shows_the_grid_coverage_and_explanations(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center)
    version = draft(db, center, {center.agent_id: {0: "Early"}})
    version.result = {"explanations": {str(center.agent_id): ["Vera works 1 day, 9 h"]}}
    db.commit()
    client = as_role("supervisor")
    response = client.get(f"/rosters?week={MONDAY.isoformat()}")
    assert response.status_code == 200
    html = response.text
    assert 'id="roster-grid"' in html and "Vera Smirnova" in html and "Generate" in html
    assert "Vera works 1 day, 9 h" in html and "9 h of 40 h" in html
    assert 'id="roster-days"' in html and 'id="roster-strip"' in html
    # Monday: 12 agent-hours needed, 9 planned (07:00-16:00 covers 08:00-16:00 = 8 of them)
    monday_row = html.split('id="roster-days"')[1].split("</tr>")[1]
    assert "<td>12.0</td><td>9.0</td><td>4.0</td>" in monday_row
    assert as_role("operator").get("/rosters").status_code == 403


def test_generate_route_queues_one_job_per_team_week(
    db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center)
    client = as_role("supervisor")
    form = {"site_id": center.site_id, "team_id": center.team_id, "week": MONDAY.isoformat()}
    first = client.post("/rosters/generate", data=form)
    second = client.post("/rosters/generate", data=form)
    assert first.status_code == second.status_code == 200
    assert "Waiting for a worker" in first.text
    db.expire_all()
    assert len(list(db.scalars(select(Job).where(Job.kind == "rosters.generate")))) == 1


@pytest.mark.parametrize("state", [RequestState.PENDING, RequestState.REFUSED])
def test_only_approved_time_off_counts(db: Session, center: Center, state: RequestState) -> None:
    seed_week(db, center)
    db.add(
        TimeOffRequest(
            agent_id=center.agent_id, first_day=MONDAY, last_day=MONDAY, state=state.value
        )
    )
    db.commit()
    assert team_week(db, center).time_off == {}


def test_an_infeasible_week_is_explained_on_the_page(
    app: FastAPI, db: Session, center: Center, as_role: Clients
) -> None:
    seed_week(db, center)
    vera = db.get(Agent, center.agent_id)
    assert vera is not None
    vera.contracted_weekly_hours = 100  # seven 10-hour shifts at most: 70 h
    db.commit()
    client = as_role("supervisor")
    form = {"site_id": center.site_id, "team_id": center.team_id, "week": MONDAY.isoformat()}
    assert client.post("/rosters/generate", data=form).status_code == 200
    job = db.scalar(select(Job).where(Job.kind == "rosters.generate"))
    assert job is not None
    job.params = {**job.params, "time_limit_seconds": 3}
    db.commit()
    assert Worker(app.state.sessionmaker).run_once()
    db.expire_all()
    assert db.get(Job, job.id).status == "done"  # type: ignore[union-attr]
    assert db.scalar(select(RosterVersion)) is None
    html = client.get(f"/rosters/body?week={MONDAY.isoformat()}").text
    box = html.split('id="roster-infeasible"')[1].split("</div>")[0]
    assert "INFEASIBLE" in box and "Vera Smirnova (A003)" in box and "at least 96 h" in box
