"""The week grid: agents by seven days, a day's shift saved in place in UTC, refused, removed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Agent, AuditEntry, Shift, Site
from tests.app.conftest import MONDAY, Center
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


@pytest.fixture
def supervisor(center: Center, as_role: Clients) -> TestClient:
    return as_role("supervisor")


def _shift(db: Session, agent_id: int, day: date) -> Shift | None:
    db.expire_all()
    return db.scalar(select(Shift).where(Shift.agent_id == agent_id, Shift.work_date == day))


def _audit(db: Session) -> list[tuple[str, object, object]]:
    db.expire_all()
    rows = db.scalars(
        select(AuditEntry).where(AuditEntry.entity == "shifts").order_by(AuditEntry.id)
    )
    return [(r.action, r.before, r.after) for r in rows]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_week_grid_shows_each_active_agent_by_seven_days(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    db.add(
        Agent(
            site_id=center.site_id,
            code="A009",
            display_name="Gone Away",
            active=False,
            contracted_weekly_hours=0,
        )
    )
    db.add(
        Agent(
            site_id=center.site_id,
            code="A010",
            display_name="Lev Popov",
            contracted_weekly_hours=20,
        )
    )
    db.commit()
    wednesday = MONDAY + timedelta(days=2)
    page = supervisor.get("/shifts", params={"week": wednesday.isoformat()})
    assert page.status_code == 200
    html = page.text
    assert "week of 2026-11-30" in html
    days = [(MONDAY + timedelta(days=i)).isoformat() for i in range(7)]
    for name in ("Anna Ivanova", "Boris Petrov", "Vera Smirnova", "Lev Popov"):
        assert name in html
    assert "Gone Away" not in html
    cells = re.findall(r'<td class="shift-cell" id="cell-(\d+)-([\d-]+)"', html)
    assert len(cells) == 4 * 7
    assert sorted({day for _agent, day in cells}) == days
    team = supervisor.get("/shifts", params={"week": MONDAY, "team_id": center.team_id}).text
    assert "Lev Popov" not in team  # no team
    assert len(re.findall(r'<td class="shift-cell"', team)) == 3 * 7


def test_a_day_is_saved_in_utc_overnight_into_the_next_day_and_removed(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    url = f"/shifts/cell/{center.agent_id}/{MONDAY}"
    assert 'name="start"' in supervisor.get(f"{url}/edit").text
    saved = supervisor.post(url, data={"start": "09:00", "end": "18:00"})
    assert saved.status_code == 200
    assert "09:00–18:00" in saved.text and 'name="start"' not in saved.text
    shift = _shift(db, center.agent_id, MONDAY)
    assert shift is not None
    # Moscow is UTC+3 all year
    assert (shift.starts_at, shift.ends_at) == (utc(2026, 11, 30, 6), utc(2026, 11, 30, 15))
    assert shift.source == "manual"
    overnight = supervisor.post(url, data={"start": "22:00", "end": "07:00"})
    assert overnight.status_code == 200 and "22:00–07:00" in overnight.text
    shift = _shift(db, center.agent_id, MONDAY)
    assert shift is not None
    assert (shift.starts_at, shift.ends_at) == (utc(2026, 11, 30, 19), utc(2026, 12, 1, 4))
    assert supervisor.post(url, data={"start": "22:00", "end": "07:00"}).status_code == 200
    sixteen = supervisor.post(
        f"/shifts/cell/{center.agent_id}/{MONDAY + timedelta(days=1)}",
        data={"start": "06:00", "end": "22:00"},
    )
    assert sixteen.status_code == 200  # exactly the most a shift may last
    audit = _audit(db)
    assert [a[0] for a in audit] == ["create", "update", "create"]  # the repeat logged nothing
    _action, before, after = audit[1]
    assert before["starts_at"].startswith("2026-11-30T06:00")  # type: ignore[index]
    assert after["starts_at"].startswith("2026-11-30T19:00")  # type: ignore[index]
    assert after["ends_at"].startswith("2026-12-01T04:00")  # type: ignore[index]
    grid = supervisor.get("/shifts", params={"week": MONDAY}).text
    assert "22:00–07:00" in grid and "06:00–22:00" in grid
    assert "Remove" in supervisor.get(f"{url}/edit").text
    removed = supervisor.post(f"{url}/delete")
    assert removed.status_code == 200
    assert "22:00" not in removed.text and '<span class="muted">+</span>' in removed.text
    assert _shift(db, center.agent_id, MONDAY) is None
    assert supervisor.post(f"{url}/delete").status_code == 200  # nothing left: no change
    audit = _audit(db)
    assert [a[0] for a in audit] == ["create", "update", "create", "delete"]
    assert audit[3][1]["starts_at"].startswith("2026-11-30T19:00")  # type: ignore[index]
    assert audit[3][2] is None


def test_a_bad_day_is_422_keeps_what_was_typed_and_changes_nothing(
    supervisor: TestClient, center: Center, db: Session
) -> None:
    url = f"/shifts/cell/{center.agent_id}/{MONDAY}"
    assert supervisor.post(url, data={"start": "09:00", "end": "18:00"}).status_code == 200
    too_long = supervisor.post(url, data={"start": "06:00", "end": "22:01"})
    assert too_long.status_code == 422
    assert "A shift lasts at most 16 hours." in too_long.text
    assert 'value="22:01"' in too_long.text and 'aria-invalid="true"' in too_long.text
    for start, end in (("9am", "18:00"), ("09:00", "25:00"), ("", "18:00"), ("09:60", "18:00")):
        bad = supervisor.post(url, data={"start": start, "end": end})
        assert bad.status_code == 422, (start, end)
        assert "Enter the start and end as HH:MM." in bad.text
    assert 'value="9am"' in supervisor.post(url, data={"start": "9am", "end": "18"}).text
    last_day = supervisor.post(
        f"/shifts/cell/{center.agent_id}/9999-12-31", data={"start": "22:00", "end": "07:00"}
    )
    assert last_day.status_code == 422 and "This day is out of range." in last_day.text
    # a time skipped by a clock change does not exist
    db.get(Site, center.site_id).timezone = "Europe/Berlin"  # type: ignore[union-attr]
    db.commit()
    skipped = supervisor.post(
        f"/shifts/cell/{center.agent_id}/2027-03-28", data={"start": "02:30", "end": "10:00"}
    )
    assert skipped.status_code == 422
    assert "does not exist" in skipped.text
    shift = _shift(db, center.agent_id, MONDAY)
    assert shift is not None and shift.starts_at == utc(2026, 11, 30, 6)
    assert db.scalar(select(func.count()).select_from(Shift)) == 1
    assert len(_audit(db)) == 1
