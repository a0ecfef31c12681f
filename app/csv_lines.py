"""An uploaded CSV file read line by line, every bad line named (line, column, reason).

The header is line 1, as an editor numbers it; blank lines are passed over. An importer
checks every line before it writes anything, so a file with one bad line changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from app.i18n import _


@dataclass(frozen=True)
class LineError:
    """What is wrong with one line of the file (line 1 is the header, 0 the whole file)."""

    line: int
    column: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """How the import went: errors (then nothing was written) or counts of changes."""

    errors: tuple[LineError, ...] = ()
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class CsvLines:
    """The lines after the header, numbered, and the errors the importer finds in them."""

    def __init__(self, reader: Iterator[list[str]]) -> None:
        self._reader = reader
        self.errors: list[LineError] = []

    def error(self, line: int, column: str, reason: str) -> None:
        self.errors.append(LineError(line, column, reason))

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """Each line that is not blank, with its number; a line csv cannot read ends them."""
        number = 1
        try:
            for number, cells in enumerate(self._reader, start=2):
                if any(c.strip() for c in cells):
                    yield number, cells
        except csv.Error as exc:  # e.g. a field longer than the csv module accepts
            self.errors.append(_unreadable(number + 1, exc))


def open_csv(
    content: bytes, *, columns: Sequence[str], max_bytes: int, too_large: str
) -> CsvLines | LineError:
    """The file's lines once its size, encoding and header (`columns`, in order) are right."""
    if len(content) > max_bytes:
        return LineError(0, "", too_large)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return LineError(0, "", _("The file is not UTF-8 text."))
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        return _unreadable(1, exc)
    if header != list(columns):
        expected = ",".join(columns)
        return LineError(1, "", _("The header must be: {expected}").format(expected=expected))
    return CsvLines(reader)


def _unreadable(number: int, exc: csv.Error) -> LineError:
    reason = _("Not readable as CSV ({detail}); the lines after it were not checked.")
    return LineError(number, "", reason.format(detail=exc))
