"""The three CSV upload pages (schedule, interval history, call records) behave alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Base
from app.models import Call, IntervalHistory, Shift, User
from tests.app.conftest import Center
from tests.app.csv_upload import bad_lines, upload
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]
CDR_HEADER = "call_id,queue,offered_at,answered_at,ended_at,abandoned_at,agent\n"


@dataclass(frozen=True)
class Screen:
    url: str
    model: type[Base]  # the rows an import writes
    good: str  # one row
    imported: str  # the words that say so
    bad: str  # one bad row, at line 2
    bad_line: tuple[str, str, str]
    fields: dict[str, str] = field(default_factory=dict)


PAGES = {
    "schedule": Screen(
        "/shifts/import",
        Shift,
        "agent,date,start,end\nA001,2026-11-30,09:00,18:00\n",
        "one.csv imported: 1 new, 0 changed, 0 unchanged.",
        "agent,date,start,end\nZ999,2026-11-30,09:00,18:00\n",
        ("2", "agent", "No active agent with code “Z999” at this site."),
    ),
    "interval history": Screen(
        "/planning/history",
        IntervalHistory,
        "date,interval_start,queue,calls,aht_seconds\n2026-11-16,09:00,Retail,12,180\n",
        "one.csv imported: 1 new, 0 changed, 0 unchanged.",
        "date,interval_start,queue,calls,aht_seconds\n2026-11-16,09:00,Mortgage,12,180\n",
        ("2", "queue", "No active queue named “Mortgage” at this site."),
        {"interval_minutes": "30"},
    ),
    "call records": Screen(
        "/calls/import",
        Call,
        CDR_HEADER + "c1,Retail,2026-12-01T12:00:00+03:00,,,2026-12-01T12:00:04+03:00,\n",
        "one.csv imported: 1 new calls, 0 already known.",
        CDR_HEADER + "c9,Retail,yesterday,,,,\n",
        ("2", "offered_at", "not an ISO 8601 timestamp: 'yesterday'"),
    ),
}


def _rows(db: Session, screen: Screen) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(screen.model)) or 0


@pytest.fixture(params=list(PAGES))
def screen(request: pytest.FixtureRequest) -> Screen:
    return PAGES[request.param]


@pytest.fixture
def supervisor(db: Session, as_role: Clients) -> TestClient:
    quicken_passwords(db)
    return as_role("supervisor")


def _post(client: TestClient, screen: Screen, site_id: int, content: str) -> str:
    return upload(client, screen.url, site_id, content, "one.csv", **screen.fields)


def test_a_bad_file_lists_every_bad_line_and_writes_nothing_then_a_good_one_imports(
    screen: Screen, center: Center, db: Session, supervisor: TestClient
) -> None:
    shown = supervisor.get(screen.url)
    assert shown.status_code == 200 and 'type="file" name="file"' in shown.text
    refused = _post(supervisor, screen, center.site_id, screen.bad)
    assert refused.startswith("422 ")
    assert "one.csv was not imported: 1 problem(s). Nothing was changed." in refused
    assert bad_lines(refused) == [screen.bad_line]
    assert _rows(db, screen) == 0
    imported = _post(supervisor, screen, center.site_id, screen.good)
    assert imported.startswith("200 ") and screen.imported in imported
    assert 'id="import-errors"' not in imported
    assert _rows(db, screen) == 1


def test_no_file_another_site_or_no_csrf_token_is_refused_and_nothing_written(
    screen: Screen, center: Center, db: Session, supervisor: TestClient
) -> None:
    no_file = supervisor.post(screen.url, data={"site_id": str(center.site_id), **screen.fields})
    assert no_file.status_code == 422 and "Choose a CSV file." in no_file.text
    assert 'aria-invalid="true"' in no_file.text  # beside the file field, the form kept
    for site_id in (center.other_site_id, 999_999):  # beyond reach, or no such site: alike
        refused = _post(supervisor, screen, site_id, screen.good)
        assert refused.startswith("404 "), site_id
    unnamed = supervisor.post(screen.url, data=screen.fields, files={"file": ("x.csv", b"")})
    assert unnamed.status_code == 404  # no site named
    del supervisor.headers["X-CSRF-Token"]
    forged = _post(supervisor, screen, center.site_id, screen.good)
    assert forged.startswith("403 ")
    assert _rows(db, screen) == 0


def test_a_viewer_who_sees_no_site_is_told_so(
    screen: Screen, center: Center, db: Session, supervisor: TestClient
) -> None:
    db.get_one(User, center.users["supervisor"]).site_id = None
    db.commit()
    shown = supervisor.get(screen.url)
    assert shown.status_code == 200 and "No site to import into." in shown.text
    assert 'type="file"' not in shown.text
