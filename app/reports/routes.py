"""The Reports page: KPIs per period and queue, team or agent; a chart; CSV and XLSX export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.guards import Db, allow
from app.models import User
from app.reports import export, service
from app.reports.chart import build_chart
from app.reports.filters import DIMENSION_LABELS, PERIOD_LABELS, Filters, read_filters
from app.web import STAFF, render

router = APIRouter()
Reader = Annotated[User, Depends(allow(*STAFF))]


def _report(db: Session, filters: Filters) -> service.Report:
    return service.kpi_report(
        db, site=filters.site, period=filters.period, dimension=filters.dimension,
        first=filters.first, last=filters.last,
    )  # fmt: skip


def _show(request: Request, db: Session, user: User, template: str) -> Response:
    filters = read_filters(db, user=user, values=request.query_params)
    report = _report(db, filters)
    context = {
        "f": filters,
        "report": report,
        "chart": build_chart(report.totals),
        "periods": PERIOD_LABELS,
        "dimensions": DIMENSION_LABELS,
    }
    status = 422 if filters.errors else 200
    headers = {"Vary": "HX-Request"}
    if template.endswith("_report.html") and not filters.errors:
        headers["HX-Push-Url"] = request.app.url_path_for("reports_page") + "?" + filters.query()
    return render(request, template, context, status_code=status, headers=headers)


@router.get("/reports", name="reports_page")
def page(request: Request, db: Db, user: Reader) -> Response:
    return _show(request, db, user, "reports/page.html")


@router.get("/reports/report", name="reports_report")
def report_fragment(request: Request, db: Db, user: Reader) -> Response:
    return _show(request, db, user, "reports/_report.html")


def _download(filters: Filters, suffix: str) -> str:
    return (
        f'attachment; filename="kpi-{filters.site.id}-{filters.period}-{filters.dimension}-'
        f'{filters.first.isoformat()}-{filters.last.isoformat()}.{suffix}"'
    )


@router.get("/reports/export.csv", name="reports_csv")
def export_csv(request: Request, db: Db, user: Reader) -> Response:
    filters = read_filters(db, user=user, values=request.query_params)
    body = export.as_csv(_report(db, filters))
    headers = {"Content-Disposition": _download(filters, "csv")}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/reports/export.xlsx", name="reports_xlsx")
def export_xlsx(request: Request, db: Db, user: Reader) -> Response:
    filters = read_filters(db, user=user, values=request.query_params)
    body = export.as_xlsx(_report(db, filters))
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body, media_type=media, headers={"Content-Disposition": _download(filters, "xlsx")}
    )
