"""Call records in: the CDR import (service, upload page, CLI), queue_log CLI, tokens screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import Result

from app.events.imports import import_cdr
from app.events.service import calls_between, states_between
from app.models import ApiToken, AuditEntry, Call, Queue, Site
from kpi.records import AgentState
from tests.app.conftest import Center
from tests.app.csv_upload import bad_lines, upload
from tests.app.test_cli import smena  # noqa: F401  (the fixture)

HEADER = "call_id,queue,offered_at,answered_at,ended_at,abandoned_at,agent,extra\n"
GOOD = HEADER + (
    "c1,Retail,2026-12-01T12:00:00+03:00,2026-12-01T12:00:15+03:00,2026-12-01T12:03:00+03:00,,A003,x\n"
    "c2,Loans,2026-12-01T12:01:00+03:00,,,2026-12-01T12:01:04+03:00,,\n"
    "c3,Retail,2026-12-01T12:02:00+03:00,2026-12-01T12:02:01+03:00,,,,\n"
)
BAD = HEADER + (
    "c1,Retail,2026-12-01T12:00:00+03:00,2026-12-01T12:00:15+03:00,,,A003,\n"
    "c9,Retail,yesterday,,,,,\n"
    "c8,Retail,2026-12-01T12:00:00+03:00,2026-12-01T11:00:00+03:00,,,,\n"
    "c1,Retail,2026-12-01T12:00:00+03:00,,,,,\n"
)
DAY = datetime(2026, 12, 1, tzinfo=UTC)
Run = Callable[..., Result]


def site(db: Session, center: Center) -> Site:
    found = db.get(Site, center.site_id)
    assert found is not None
    return found


def stored_calls(db: Session, center: Center) -> list:  # type: ignore[type-arg]
    db.rollback()
    return calls_between(db, site_id=center.site_id, start=DAY, end=DAY + timedelta(days=1))


def test_a_good_file_is_stored_and_a_repeat_adds_nothing(db: Session, center: Center) -> None:
    result = import_cdr(db, site=site(db, center), content=GOOD.encode())
    assert (result.errors, result.created, result.duplicates) == ((), 3, 0)
    db.commit()
    calls = {c.call_id: c for c in stored_calls(db, center)}
    assert calls["c1"].agent == "A003" and calls["c1"].ended_at == datetime(
        2026, 12, 1, 9, 3, tzinfo=UTC
    )
    assert calls["c2"].abandoned_at is not None and calls["c3"].ended_at is None
    assert db.scalar(select(Queue.found_in_feed).where(Queue.name == "Loans")) is True
    again = import_cdr(db, site=site(db, center), content=GOOD.encode())
    assert (again.errors, again.created, again.duplicates) == ((), 0, 3)
    db.commit()
    assert len(stored_calls(db, center)) == 3


def test_a_bad_file_is_refused_whole_with_every_bad_row(db: Session, center: Center) -> None:
    result = import_cdr(db, site=site(db, center), content=BAD.encode())
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "offered_at"), (4, "answered_at"), (5, "call_id"),
    ]  # fmt: skip
    missing = import_cdr(db, site=site(db, center), content=b"call_id,queue,offered_at\n")
    assert {e.column for e in missing.errors} == {
        "answered_at",
        "ended_at",
        "abandoned_at",
        "agent",
    }
    assert (
        import_cdr(db, site=site(db, center), content=b"\xff\xfe").errors[0].reason
        == "not UTF-8 text"
    )
    db.commit()
    assert db.scalar(select(func.count()).select_from(Call)) == 0


def test_a_row_contradicting_a_stored_call_refuses_the_file(db: Session, center: Center) -> None:
    import_cdr(db, site=site(db, center), content=GOOD.encode())
    db.commit()
    changed = GOOD.replace("12:03:00", "12:04:00") + "c4,Retail,2026-12-01T13:00:00+03:00,,,,,\n"
    result = import_cdr(db, site=site(db, center), content=changed.encode())
    assert [(e.line, e.column) for e in result.errors] == [(2, "call_id")]
    db.rollback()
    assert {c.call_id for c in stored_calls(db, center)} == {"c1", "c2", "c3"}


def test_the_upload_page(as_role, db: Session, center: Center) -> None:  # type: ignore[no-untyped-def]
    client = as_role("supervisor")
    page = client.get("/calls/import")
    assert page.status_code == 200 and "call_id,queue,offered_at" in page.text
    bad = upload(client, "/calls/import", center.site_id, BAD, "bad.csv")
    assert bad.startswith("422 ") and [line for line, _, _ in bad_lines(bad)] == ["3", "4", "5"]
    good = upload(client, "/calls/import", center.site_id, GOOD, "good.csv")
    assert good.startswith("200 ") and "good.csv imported: 3 new calls, 0 already known." in good
    assert len(stored_calls(db, center)) == 3  # the page's refusals: test_csv_import_pages


def test_the_api_tokens_screen(as_role, db: Session, center: Center) -> None:  # type: ignore[no-untyped-def]
    admin = as_role("admin")
    refused = admin.post("/admin/api-tokens", data={"site_id": str(center.site_id), "label": ""})
    assert refused.status_code == 422 and "Required." in refused.text
    issued = admin.post(
        "/admin/api-tokens", data={"site_id": str(center.site_id), "label": "Avaya"}
    )
    assert issued.status_code == 200
    raw = issued.text.split('id="new-token-value">')[1].split("<")[0]
    assert raw.startswith("smena_") and raw not in admin.get("/admin/api-tokens").text
    api = {"Authorization": f"Bearer {raw}"}
    assert admin.post("/api/v1/events", json=[], headers=api).status_code == 200
    db.rollback()
    token = db.scalar(select(ApiToken).where(ApiToken.label == "Avaya"))
    assert token is not None
    revoked = admin.post(f"/admin/api-tokens/{token.id}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert admin.post("/api/v1/events", json=[], headers=api).status_code == 401
    db.rollback()
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "api_tokens")).all()
    assert sorted(actions) == ["create", "update"]
    assert as_role("manager").get("/admin/api-tokens").status_code == 403


QUEUE_LOG = (
    "1764579600|NONE|NONE|SIP/7|AGENTLOGIN|\n"
    "1764579610|77.1|Retail|NONE|ENTERQUEUE||5551|1\n"
    "1764579620|77.1|Retail|SIP/7|CONNECT|10|77.2|1\n"
    "1764579700|77.1|Retail|SIP/7|COMPLETECALLER|10|80|1\n"
)


def test_the_commands(smena: Run, tmp_path: Path, db: Session, center: Center) -> None:  # noqa: F811
    assert smena("site", "create", "Kazan", "--timezone", "Europe/Moscow").exit_code == 0
    assert smena("site", "create", "Kazan", "--timezone", "Europe/Moscow").exit_code == 2
    assert "unknown time zone" in smena("site", "create", "X", "--timezone", "Mars/Base").output
    made = smena("api-token", "create", "--site", "Kazan", "Genesys")
    assert made.exit_code == 0 and made.output.startswith("smena_")
    cdr, bad, log = tmp_path / "c.csv", tmp_path / "b.csv", tmp_path / "queue_log"
    cdr.write_text(GOOD)
    bad.write_text(BAD)
    log.write_text(QUEUE_LOG + "soon|1|q|x|CONNECT\n")
    assert "3 new calls" in smena("import", "cdr", "--site", "Kazan", str(cdr)).output
    refused = smena("import", "cdr", "--site", "Kazan", str(bad))
    assert refused.exit_code == 2
    assert f"error: {bad}:3: offered_at: not an ISO 8601 timestamp" in refused.output
    refused = smena("import", "queue-log", "--site", "Kazan", str(log))
    assert refused.exit_code == 2 and f"error: {log}:5: epoch:" in refused.output
    log.write_text(QUEUE_LOG)
    done = smena("import", "queue-log", "--site", "Kazan", str(log))
    assert done.exit_code == 0 and "1 new calls" in done.output and "3 agent-state" in done.output
    assert "0 new calls" in smena("import", "queue-log", "--site", "Kazan", str(log)).output
    db.rollback()
    kazan = db.scalar(select(Site).where(Site.name == "Kazan"))
    assert kazan is not None
    start = datetime(2025, 12, 1, tzinfo=UTC)
    states = states_between(db, site_id=kazan.id, start=start, end=start + timedelta(days=1))
    assert [(s.state, s.end is None) for s in states] == [
        (AgentState.AVAILABLE, False), (AgentState.ON_CALL, False), (AgentState.AVAILABLE, True),
    ]  # fmt: skip


def test_times_and_names_the_store_cannot_hold_are_bad_lines(
    smena: Run,  # noqa: F811
    tmp_path: Path,
    db: Session,
    center: Center,
) -> None:
    year_one = tmp_path / "year_one.csv"  # crashed the SQLite store with an OverflowError
    year_one.write_text(HEADER + "c1,Retail,0001-01-01T00:00:00+03:00,,,,,\n")
    refused = smena("import", "cdr", "--site", "Moscow", str(year_one))
    assert refused.exit_code == 2
    assert f"error: {year_one}:2: offered_at: outside the times a record can hold" in (
        refused.output
    )
    rows = HEADER + (
        "c2,Retail,2026-12-01T12:00:00+16:00,,,,,\n"  # an offset PostgreSQL refuses
        f"{'c' * 129},Retail,2026-12-01T12:00:00+03:00,,,,,\n"  # longer than the store's column
        "c4,Ret\x00ail,2026-12-01T12:00:00+03:00,,,,,\n"  # PostgreSQL keeps no NUL
        "c5,Retail,9999-12-31T23:00:00-05:00,,,,,\n"
    )
    result = import_cdr(db, site=site(db, center), content=rows.encode())
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "offered_at"), (3, "call_id"), (4, "queue"), (5, "offered_at"),
    ]  # fmt: skip
    log = tmp_path / "queue_log"
    log.write_text(f"1764579600|NONE|NONE|{'S' * 65}|AGENTLOGIN|\n")
    refused = smena("import", "queue-log", "--site", "Moscow", str(log))
    assert refused.exit_code == 2 and f"error: {log}:1: agent: at most 64 characters" in (
        refused.output
    )
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Call)) == 0
