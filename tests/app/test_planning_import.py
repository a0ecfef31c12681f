"""Interval history upload: all lines or none, every bad line named, a repeat changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry, IntervalHistory, Queue, Site
from app.planning.importer import import_history
from tests.app.conftest import Center
from tests.app.csv_upload import bad_lines, english, upload  # noqa: F401  (english: a fixture)
from tests.app.quick_passwords import quicken_passwords
from tests.app.test_cli import Run, smena  # noqa: F401  (the CLI fixture)

Clients = Callable[[str], TestClient]

GOOD = (
    "date,interval_start,queue,calls,aht_seconds\n"
    "2026-11-16,09:00,Retail,12,180\n"
    "2026-11-16,09:30,Retail,20,200.5\n"
    "\n"
    "2026-11-17,00:00,Retail,0,0\n"
)
BAD = (
    "date,interval_start,queue,calls,aht_seconds\n"
    "2026-11-16,09:00,Retail,12,180\n"
    "2026-11-16,09:00,Mortgage,12,180\n"
    "2026-13-01,09:00,Retail,12,180\n"
    "2026-11-16,9am,Retail,12,180\n"
    "2026-11-16,09:10,Retail,12,180\n"
    "2026-11-16,10:00,Retail,1.5,180\n"
    "2026-11-16,10:30,Retail,12,nan\n"
    "2026-11-16,11:00,Retail,12\n"
    "2026-11-16,09:00,Retail,13,181\n"
    "2026-11-16,11:30,Closed,-1,180\n"
)
BAD_LINES = [
    ("3", "queue", "No active queue named “Mortgage” at this site."),
    ("4", "date", "Not a date (YYYY-MM-DD): “2026-13-01”."),
    ("5", "interval_start", "Not a time (HH:MM): “9am”."),
    ("6", "interval_start", "An interval of 30 minutes starts at a multiple of 30 minutes."),
    ("7", "calls", "A whole number from 0 to 100000: “1.5”."),
    ("8", "aht_seconds", "A number of seconds from 0 to 7200: “nan”."),
    ("9", "—", "Expected 5 columns, found 4."),
    ("10", "interval_start", "This queue already has this interval on this day (line 2)."),
    ("11", "queue", "No active queue named “Closed” at this site."),
    ("11", "calls", "A whole number from 0 to 100000: “-1”."),
]


@pytest.fixture
def center(center: Center, db: Session) -> Center:
    quicken_passwords(db)
    db.add(Queue(site_id=center.site_id, name="Closed", active=False))
    db.commit()
    return center


def _history(db: Session) -> list[tuple[date, time, datetime, int, float, int]]:
    db.expire_all()
    rows = db.scalars(
        select(IntervalHistory).order_by(IntervalHistory.local_date, IntervalHistory.interval_start)
    )
    return [
        (h.local_date, h.interval_start, h.starts_at, h.calls, h.aht_seconds, h.interval_minutes)
        for h in rows
    ]


def _audit_rows(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _upload(client: TestClient, site_id: int, content: str) -> str:
    return upload(
        client, "/planning/history", site_id, content, "history.csv", interval_minutes="30"
    )


def test_a_valid_file_imports_and_the_same_file_again_changes_nothing(
    center: Center, db: Session, as_role: Clients
) -> None:
    client = as_role("supervisor")
    first = _upload(client, center.site_id, GOOD)
    assert first.startswith("200 ")
    assert "history.csv imported: 3 new, 0 changed, 0 unchanged." in first
    rows = _history(db)
    assert rows == [
        (date(2026, 11, 16), time(9), datetime(2026, 11, 16, 6, tzinfo=UTC), 12, 180.0, 30),
        (date(2026, 11, 16), time(9, 30), datetime(2026, 11, 16, 6, 30, tzinfo=UTC), 20, 200.5, 30),
        (date(2026, 11, 17), time(0), datetime(2026, 11, 16, 21, tzinfo=UTC), 0, 0.0, 30),
    ]
    assert _audit_rows(db) == 1
    entry = db.scalar(select(AuditEntry))
    assert entry is not None and entry.action == "import" and entry.user_id is not None
    assert entry.after == {
        "file": "history.csv",
        "created": 3,
        "updated": 0,
        "queues": ["Retail"],
        "from": "2026-11-16",
        "to": "2026-11-17",
    }
    again = _upload(client, center.site_id, GOOD)
    assert "history.csv imported: 0 new, 0 changed, 3 unchanged." in again
    assert _history(db) == rows
    assert _audit_rows(db) == 1
    changed = _upload(client, center.site_id, GOOD.replace(",20,200.5", ",21,200.5"))
    assert "history.csv imported: 0 new, 1 changed, 2 unchanged." in changed
    assert [r[3] for r in _history(db)] == [12, 21, 0]
    assert _audit_rows(db) == 2


def test_a_file_with_bad_lines_is_refused_whole_and_every_bad_line_is_named(
    center: Center, db: Session, as_role: Clients
) -> None:
    result = _upload(as_role("manager"), center.site_id, BAD)
    assert result.startswith("422 ")
    assert "history.csv was not imported: 10 problem(s). Nothing was changed." in result
    assert bad_lines(result) == BAD_LINES
    assert _history(db) == []
    assert _audit_rows(db) == 0


@pytest.mark.usefixtures("english")
def test_a_queue_keeps_one_interval_length_and_odd_files_are_refused(
    center: Center, db: Session
) -> None:
    site = db.get(Site, center.site_id)
    assert site is not None

    def errors(content: str | bytes, interval: int = 30) -> list[tuple[int, str, str]]:
        raw = content.encode() if isinstance(content, str) else content
        result = import_history(db, user=None, site=site, content=raw, interval_minutes=interval)
        return [(e.line, e.column, e.reason) for e in result.errors]

    assert errors(GOOD) == []
    quarter = "date,interval_start,queue,calls,aht_seconds\n2026-11-18,09:15,Retail,3,100\n"
    assert errors(quarter, 15) == [
        (2, "queue", "This queue's history is in intervals of 30 minutes.")
    ]
    assert errors(quarter, 45) == [(0, "", "Intervals of 15, 30 or 60 minutes.")]
    assert errors("day,start,queue,calls,aht\n") == [
        (1, "", "The header must be: date,interval_start,queue,calls,aht_seconds")
    ]
    assert errors("date,interval_start,queue,calls,aht_seconds\n") == [
        (2, "", "The file has no intervals.")
    ]
    assert errors(GOOD.encode("utf-16")) == [(0, "", "The file is not UTF-8 text.")]
    assert (
        errors(
            "\ufeffDate, Interval_Start ,queue,calls,aht_seconds\r\n".encode()
            + b"2026-11-19,10:00,Retail,1,60\r\n"
        )
        == []
    )
    db.rollback()
    assert _history(db) == []  # the upload page's refusals: test_csv_import_pages


def test_smena_import_history_exits_2_naming_file_line_and_column(
    smena: Run,  # noqa: F811
    center: Center,
    db: Session,
    tmp_path: Path,
) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD)
    bad.write_text(BAD)
    refused = smena("import", "history", str(bad), "--site", "Moscow")
    assert refused.exit_code == 2
    assert refused.stdout == ""
    lines = refused.stderr.splitlines()
    assert lines[0] == f"error: {bad}:3: queue: No active queue named “Mortgage” at this site."
    assert lines[6] == f"error: {bad}:9: -: Expected 5 columns, found 4."
    assert len(lines) == len(BAD_LINES)
    assert _history(db) == []
    first = smena("import", "history", str(good), "--site", "Moscow")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "imported: 3 new, 0 changed, 0 unchanged"
    again = smena("import", "history", str(good), "--site", "Moscow")
    assert again.stdout.strip() == "imported: 0 new, 0 changed, 3 unchanged"
    assert len(_history(db)) == 3
    odd = smena("import", "history", str(good), "--site", "Moscow", "--interval-minutes", "20")
    assert odd.exit_code == 2 and odd.stderr == "error: --interval-minutes: must be 15, 30 or 60\n"
    nowhere = smena("import", "history", str(good), "--site", "Atlantis")
    assert nowhere.exit_code == 2 and "--site: no site named 'Atlantis'" in nowhere.stderr


def test_counts_python_will_not_convert_are_bad_lines(
    center: Center,
    db: Session,
    english: None,  # noqa: F811
) -> None:
    site = db.get(Site, center.site_id)
    assert site is not None
    content = (  # "²" is a digit to str.isdigit; 5,000 digits are past int()'s limit
        "date,interval_start,queue,calls,aht_seconds\n"
        "2026-11-16,09:00,Retail,²,180\n"
        f"2026-11-16,09:30,Retail,{'9' * 5000},180\n"
    )
    result = import_history(db, user=None, site=site, content=content.encode())
    assert [(e.line, e.column) for e in result.errors] == [(2, "calls"), (3, "calls")]
    assert _history(db) == []
