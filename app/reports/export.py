"""The report as CSV (plain numbers, full precision) and as XLSX (numbers with display formats)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from app.i18n import _
from app.reports.service import Report, ReportRow

COUNTS = ("offered", "answered", "abandoned", "short_abandons", "answered_in_target")
RATES = ("service_level", "abandon_rate")
SECONDS = ("asa_seconds", "aht_seconds")
FIGURES = (*COUNTS, *RATES, *SECONDS)


def headers(report: Report) -> list[str]:
    """Column names: period, the dimension (unless all calls), then the figures' field names."""
    return ["period", *([report.dimension] if report.dimension != "all" else []), *FIGURES]


def _cells(report: Report, row: ReportRow) -> list[object]:
    key = [row.label] if report.dimension != "all" else []
    return [row.period, *key, *(getattr(row.figures, name) for name in FIGURES)]


def _rows(report: Report) -> Sequence[ReportRow]:
    return report.rows


def as_csv(report: Report) -> str:
    """The table as CSV: ISO dates, rates as fractions, seconds unrounded, empty for none."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(report))
    for row in _rows(report):
        writer.writerow(
            [
                "" if value is None else value.isoformat() if hasattr(value, "isoformat") else value
                for value in _cells(report, row)
            ]
        )
    return out.getvalue()


def as_xlsx(report: Report) -> bytes:
    """The table as an XLSX workbook: dates as dates, rates as percentages, seconds to 0.1."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("KPIs")
    sheet.append(headers(report))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = {name: "0.0%" for name in RATES} | {name: "0.0" for name in SECONDS}
    columns = headers(report)
    for row in _rows(report):
        sheet.append(_cells(report, row))
        for index, name in enumerate(columns):
            cell = sheet.cell(row=sheet.max_row, column=index + 1)
            if name == "period":
                cell.number_format = "yyyy-mm-dd"
            elif name in formats:
                cell.number_format = formats[name]
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 12
    if report.dimension != "all":
        sheet.column_dimensions["B"].width = 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
