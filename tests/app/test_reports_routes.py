"""The Reports page, its CSV and XLSX exports, and the KPI read API (token or session)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.events import tokens
from app.models import Site
from kpi.definitions import call_figures
from kpi.records import CallRecord
from tests.app.conftest import Center
from tests.app.reports_data import store

DAY = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # a Monday, 12:00 in Moscow
QUERY = "period=day&dimension=queue&first=2026-10-05&last=2026-10-06"


def _calls() -> list[CallRecord]:
    s = timedelta(seconds=1)
    return [
        CallRecord("r1", "Retail", DAY, DAY + 12 * s, DAY + 200 * s, None, "A001"),
        CallRecord("r2", "Retail", DAY + 60 * s, DAY + 90 * s, DAY + 150 * s, None, "A002"),
        CallRecord("r3", "Retail", DAY + 120 * s, abandoned_at=DAY + 123 * s),
        CallRecord("r4", "Retail", DAY + 180 * s, abandoned_at=DAY + 240 * s),
        CallRecord(
            "p1", "Premium", DAY + 86400 * s, DAY + 86405 * s, DAY + 86500 * s, None, "A003"
        ),
    ]


@pytest.fixture
def stored(db: Session, center: Center) -> list[CallRecord]:
    calls = _calls()
    store(db, site_id=center.site_id, calls=calls)
    return calls


def test_manager_sees_the_table_and_the_chart(
    as_role: Callable[[str], TestClient], stored: list[CallRecord]
) -> None:
    page = as_role("manager").get(f"/reports?{QUERY}")
    assert page.status_code == 200
    assert 'id="report-table"' in page.text and 'id="report-chart"' in page.text
    assert "<td>Retail</td>" in page.text and "<td>Premium</td>" in page.text
    retail = call_figures(stored[:4])
    assert retail.service_level == pytest.approx(1 / 3)  # r1 in target of 3 (r3 short)
    assert "33.3%" in page.text and "2026-10-06" in page.text
    by_team = as_role("manager").get(f"/reports/report?{QUERY.replace('queue', 'team')}")
    assert by_team.status_code == 200 and "<td>Alpha</td>" in by_team.text
    assert by_team.headers["HX-Push-Url"].startswith("/reports?")


def test_bad_filters_are_named_beside_their_fields(
    as_role: Callable[[str], TestClient], center: Center
) -> None:
    response = as_role("manager").get("/reports?period=year&first=2026-13-01")
    assert response.status_code == 422
    assert 'id="error-period"' in response.text and 'id="error-first"' in response.text
    assert 'value="2026-13-01"' in response.text


def test_csv_export_has_one_row_per_day_and_queue(
    as_role: Callable[[str], TestClient], stored: list[CallRecord]
) -> None:
    response = as_role("manager").get(f"/reports/export.csv?{QUERY}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["period"], r["queue"], r["offered"]) for r in rows] == [
        ("2026-10-05", "Retail", "4"),
        ("2026-10-06", "Premium", "1"),
    ]
    assert float(rows[0]["service_level"]) == pytest.approx(1 / 3)
    assert float(rows[0]["asa_seconds"]) == pytest.approx(21.0)
    assert rows[0]["short_abandons"] == "1"


def test_xlsx_export_holds_numbers_with_formats(
    as_role: Callable[[str], TestClient], stored: list[CallRecord]
) -> None:
    response = as_role("manager").get(f"/reports/export.xlsx?{QUERY}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["period", "queue", "offered"]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert row["period"].value.date() == date(2026, 10, 5)
    assert row["period"].number_format == "yyyy-mm-dd"
    assert row["offered"].value == 4
    assert row["service_level"].value == pytest.approx(1 / 3)
    assert row["service_level"].number_format == "0.0%"
    assert row["aht_seconds"].value == pytest.approx((188 + 60) / 2)
    assert row["aht_seconds"].number_format == "0.0"
    assert sheet.max_row == 3


def test_a_supervisor_reports_on_their_own_site_only(
    as_role: Callable[[str], TestClient], center: Center, stored: list[CallRecord]
) -> None:
    supervisor = as_role("supervisor")
    for url in ("/reports", "/reports/report", "/reports/export.csv"):
        assert supervisor.get(f"{url}?site_id={center.other_site_id}&{QUERY}").status_code == 404
    own = supervisor.get(f"/reports?{QUERY}")
    assert own.status_code == 200
    assert "Novosibirsk" not in own.text and "<td>Retail</td>" in own.text
    assert "Retail" in supervisor.get(f"/reports/export.csv?{QUERY}").text
    assert as_role("operator").get("/reports").status_code == 403


def test_kpi_api_with_a_token_and_with_a_session(
    app: object, db: Session, as_role: Callable[[str], TestClient], center: Center,
    stored: list[CallRecord],
) -> None:  # fmt: skip
    site = db.get_one(Site, center.site_id)
    _, raw = tokens.issue_token(db, user=None, site=site, label="wallboard")
    db.commit()
    params = {"start": "2026-10-05T00:00:00+03:00", "end": "2026-10-07T00:00:00+03:00"}
    client = as_role("manager")
    token = {"Authorization": f"Bearer {raw}"}
    body = client.get("/api/v1/kpis/intervals", params=params, headers=token).json()
    first = body["intervals"][:2]
    assert [(r["start"], r["queue"]) for r in first] == [
        ("2026-10-05T12:00:00+03:00", None),
        ("2026-10-05T12:00:00+03:00", "Retail"),
    ]
    assert first[1]["offered"] == 4 and first[1]["short_abandons"] == 1
    assert first[1]["service_level"] == pytest.approx(1 / 3)
    strict = client.get(
        "/api/v1/kpis/intervals", params=params | {"sl_seconds": "10"}, headers=token
    ).json()
    assert strict["intervals"][1]["answered_in_target"] == 0
    premium = client.get(
        "/api/v1/kpis/intervals",
        params=params | {"queue": "Premium", "site_id": str(center.site_id)},
    ).json()
    assert [r["queue"] for r in premium["intervals"]] == ["Premium"]
    assert as_role("operator").get("/api/v1/kpis/intervals", params=params).status_code == 403
    with TestClient(app) as anonymous:  # type: ignore[arg-type]
        assert anonymous.get("/api/v1/kpis/intervals", params=params).status_code == 401
        bad = anonymous.get("/api/v1/kpis/intervals", params={"start": "x"}, headers=token)
        assert bad.status_code == 422 and set(bad.json()["errors"]) == {"start", "end"}


@pytest.mark.parametrize(
    ("query", "field"),
    [  # the first three overflowed the day arithmetic (a 500); NaN and -inf were taken
        ({"start": "0001-01-01T00:00:00+03:00", "end": "0001-01-05T00:00:00+03:00"}, "start"),
        ({"start": "9999-12-28T00:00:00Z", "end": "9999-12-31T23:00:00-05:00"}, "end"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2036-01-01T00:00:00Z"}, "end"),
        ({"sl_seconds": "nan"}, "sl_seconds"),
        ({"short_abandon_seconds": "-inf"}, "short_abandon_seconds"),
    ],
)
def test_kpi_api_refuses_extremes_naming_the_parameter(
    app: object, db: Session, center: Center, query: dict[str, str], field: str
) -> None:
    site = db.get_one(Site, center.site_id)
    _, raw = tokens.issue_token(db, user=None, site=site, label="wallboard")
    db.commit()
    params = {"start": "2026-10-05T00:00:00+03:00", "end": "2026-10-07T00:00:00+03:00"} | query
    with TestClient(app) as client:  # type: ignore[arg-type]
        response = client.get(
            "/api/v1/kpis/intervals", params=params, headers={"Authorization": f"Bearer {raw}"}
        )
    assert response.status_code == 422 and list(response.json()["errors"]) == [field]
