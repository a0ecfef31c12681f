"""The CSV reader both importers share: header, numbering, blank lines, unreadable lines."""

from __future__ import annotations

import pytest

from app.csv_lines import CsvLines, LineError, open_csv
from tests.app.csv_upload import english  # noqa: F401  (a fixture)

COLUMNS = ("agent", "date")
pytestmark = pytest.mark.usefixtures("english")


def _open(text: str | bytes, max_bytes: int = 1000) -> CsvLines | LineError:
    content = text.encode() if isinstance(text, str) else text
    return open_csv(content, columns=COLUMNS, max_bytes=max_bytes, too_large="too large")


def test_lines_are_numbered_as_an_editor_shows_them_and_blank_ones_passed_over() -> None:
    lines = _open("\ufeffAgent , DATE\nA1,2026-12-01\n\n , \nA2,2026-12-02\n")
    assert isinstance(lines, CsvLines)
    assert list(lines) == [(2, ["A1", "2026-12-01"]), (5, ["A2", "2026-12-02"])]
    assert lines.errors == []


def test_the_whole_file_is_refused_for_its_size_encoding_or_header() -> None:
    assert _open("agent,date\n", max_bytes=5) == LineError(0, "", "too large")
    assert _open(b"agent,date\n\xff\n") == LineError(0, "", "The file is not UTF-8 text.")
    assert _open("date,agent\n") == LineError(1, "", "The header must be: agent,date")
    assert _open("") == LineError(1, "", "The header must be: agent,date")


def test_a_line_csv_cannot_read_ends_the_file_with_its_number() -> None:
    lines = _open("agent,date\nA1,2026-12-01\n" + "x" * 140_000 + ",d\nA2,2026-12-02\n", 10**6)
    assert isinstance(lines, CsvLines)
    assert list(lines) == [(2, ["A1", "2026-12-01"])]
    (error,) = lines.errors
    assert (error.line, error.column) == (3, "")
    assert error.reason.startswith("Not readable as CSV (field larger than field limit")
    lines.error(4, "date", "checked by the importer")
    assert lines.errors[-1] == LineError(4, "date", "checked by the importer")
