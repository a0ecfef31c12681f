"""The schedule CSV import: all lines or none, every bad line named, a repeat changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Agent, AuditEntry, Shift, Site
from app.shifts.importer import import_schedule
from app.shifts.service import set_shift
from tests.app.conftest import Center
from tests.app.csv_upload import bad_lines, english, upload  # noqa: F401  (english: a fixture)
from tests.app.quick_passwords import quicken_passwords

Clients = Callable[[str], TestClient]

GOOD = (
    "agent,date,start,end\n"
    "A001,2026-11-30,09:00,18:00\n"
    "A002,2026-11-30,22:00,07:00\n"
    "\n"
    "A003,2026-12-01,08:00,17:00\n"
)
# every kind of bad line once, after a good one; (line, column, words of the reason)
BAD = (
    "agent,date,start,end\n"
    "A001,2026-11-30,09:00,18:00\n"
    "Z999,2026-11-30,09:00,18:00\n"
    "A002,2026-13-01,09:00,18:00\n"
    "A002,2026-12-01,9am,18:00\n"
    "A002,2026-12-02,09:00\n"
    "A001,2026-11-30,10:00,19:00\n"
    "A003,2026-12-01,06:00,23:00\n"
    "A003,2026-12-02,09:00,25:00\n"
    "N001,2026-12-03,09:00,18:00\n"
)
BAD_LINES = [
    ("3", "agent", "No active agent with code “Z999” at this site."),
    ("4", "date", "Not a date (YYYY-MM-DD): “2026-13-01”."),
    ("5", "start", "Not a time (HH:MM): “9am”."),
    ("6", "—", "Expected 4 columns, found 3."),
    ("7", "date", "This agent already has a shift on this day (line 2)."),
    ("8", "end", "A shift lasts at most 16 hours."),
    ("9", "end", "Not a time (HH:MM): “25:00”."),
    ("10", "agent", "No active agent with code “N001” at this site."),
]


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    return center


def _shifts(db: Session) -> list[tuple[int, date, datetime, datetime, str]]:
    db.expire_all()
    rows = db.scalars(select(Shift).order_by(Shift.agent_id, Shift.work_date))
    return [(s.agent_id, s.work_date, s.starts_at, s.ends_at, s.source) for s in rows]


def _audit_rows(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_a_valid_file_imports_and_the_same_file_again_changes_nothing(
    center: Center, db: Session, as_role: Clients
) -> None:
    site, vera = db.get(Site, center.site_id), db.get(Agent, center.agent_id)
    anna = db.get(Agent, center.operator_agent_id)
    assert site is not None and vera is not None and anna is not None
    for agent, day, start, end in (
        (anna, date(2026, 11, 30), time(9), time(18)),  # as in the file
        (vera, date(2026, 12, 1), time(10), time(19)),  # to be changed
    ):
        set_shift(db, user=None, agent=agent, site=site, day=day, start=start, end=end)
    db.commit()
    client = as_role("supervisor")
    token = client.headers.pop("X-CSRF-Token")  # as a browser sends it: a form field
    response = client.post(
        "/shifts/import",
        data={"site_id": str(center.site_id), "csrf_token": token},
        files={"file": ("week.csv", GOOD.encode(), "text/csv")},
    )
    assert response.status_code == 200
    assert "week.csv imported: 1 new, 1 changed, 1 unchanged." in response.text
    first = _shifts(db)
    assert len(first) == 3
    boris = next(s for s in first if s[0] == center.other_operator_agent_id)
    assert boris[1:] == (
        date(2026, 11, 30),
        datetime(2026, 11, 30, 19, tzinfo=UTC),
        datetime(2026, 12, 1, 4, tzinfo=UTC),
        "import",
    )
    vera_shift = next(s for s in first if s[0] == center.agent_id)
    assert vera_shift[2] == datetime(2026, 12, 1, 5, tzinfo=UTC)
    audit = _audit_rows(db)
    assert audit == 2 + 2  # the two set up above, one new and one changed
    again = client.post(
        "/shifts/import",
        data={"site_id": str(center.site_id), "csrf_token": token},
        files={"file": ("week.csv", GOOD.encode(), "text/csv")},
    )
    assert "week.csv imported: 0 new, 0 changed, 3 unchanged." in again.text
    assert _shifts(db) == first
    assert _audit_rows(db) == audit


def test_a_file_with_bad_lines_is_refused_whole_and_every_bad_line_is_named(
    center: Center, db: Session, as_role: Clients
) -> None:
    db.add(
        Agent(
            site_id=center.other_site_id,
            code="N001",
            display_name="Nikolai Orlov",
            contracted_weekly_hours=40,
        )
    )
    db.commit()
    client = as_role("manager")
    result = upload(client, "/shifts/import", center.site_id, BAD, "week.csv")
    assert result.startswith("422 ")
    assert "week.csv was not imported: 8 problem(s). Nothing was changed." in result
    assert bad_lines(result) == BAD_LINES
    assert _shifts(db) == []
    assert _audit_rows(db) == 0


@pytest.mark.usefixtures("english")
def test_a_file_that_is_not_the_expected_csv_is_refused_with_the_reason(
    center: Center, db: Session, as_role: Clients
) -> None:
    site = db.get(Site, center.site_id)
    assert site is not None

    def errors(content: bytes) -> list[tuple[int, str, str]]:
        result = import_schedule(db, user=None, site=site, content=content)
        return [(e.line, e.column, e.reason) for e in result.errors]

    assert errors(b"who,day,from,to\nA001,2026-11-30,09:00,18:00\n") == [
        (1, "", "The header must be: agent,date,start,end")
    ]
    assert errors("agent,date,start,end\nA001,2026-11-30,09:00,18:00\n".encode("utf-16")) == [
        (0, "", "The file is not UTF-8 text.")
    ]
    assert errors("agent,date,start,end\nА001,2026-11-30,09:00,18:00\n".encode("cp1251")) == [
        (0, "", "The file is not UTF-8 text.")
    ]
    assert errors(b"agent,date,start,end\n") == [(2, "", "The file has no shifts.")]
    edges = b"agent,date,start,end\nA001,9999-12-31,22:00,07:00\nA002,0001-01-01,00:30,08:00\n"
    assert errors(edges) == [
        (2, "date", "Not a date (YYYY-MM-DD): “9999-12-31”."),
        (3, "date", "Not a date (YYYY-MM-DD): “0001-01-01”."),
    ]
    assert errors(b"") == [(1, "", "The header must be: agent,date,start,end")]
    bom = "\ufeffAgent, Date ,start,end\r\nA001,2026-11-30,09:00,18:00\r\n".encode()
    assert errors(bom) == []
    huge = b"agent,date,start,end\nA001,2026-11-30,09:00,18:00\nA002," + b"x" * 200_000 + b"\n"
    assert errors(huge) == [
        (
            3,
            "",
            "Not readable as CSV (field larger than field limit (131072)); "
            "the lines after it were not checked.",
        )
    ]
    db.rollback()
    assert _shifts(db) == []
    header = upload(as_role("supervisor"), "/shifts/import", center.site_id, "who,day\n", "w.csv")
    assert header.startswith("422 ") and "The header must be: agent,date,start,end" in header
    assert _shifts(db) == []  # no file, another site, no CSRF token: test_csv_import_pages
