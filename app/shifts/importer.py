"""Schedule CSV import (`agent,date,start,end`): all lines or none, every bad line named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.csv_lines import ImportResult, LineError, open_csv
from app.i18n import _
from app.models import Agent, Site, User
from app.shifts.service import check_span, set_shift, shift_on
from app.shifts.timeconv import NonexistentLocalTime, parse_clock, shift_span

COLUMNS = ("agent", "date", "start", "end")
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class _Row:
    line: int
    agent: Agent
    day: date
    start: time
    end: time


def import_schedule(db: Session, *, user: User | None, site: Site, content: bytes) -> ImportResult:
    """Check every line first; write the shifts only when the whole file is valid."""
    rows, errors = _read(db, site, content)
    if errors:
        return ImportResult(errors=tuple(errors))
    created = updated = unchanged = 0
    for row in rows:
        existing = _existing_span(db, row)
        shift, reason = set_shift(
            db,
            user=user,
            agent=row.agent,
            site=site,
            day=row.day,
            start=row.start,
            end=row.end,
            source="import",
        )
        if shift is None:  # cannot happen: every line was checked the same way above
            raise RuntimeError(f"line {row.line}: {reason}")
        if existing is None:
            created += 1
        elif existing == (shift.starts_at, shift.ends_at):
            unchanged += 1
        else:
            updated += 1
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def _existing_span(db: Session, row: _Row) -> tuple[datetime, datetime] | None:
    shift = shift_on(db, agent=row.agent, day=row.day)
    return (shift.starts_at, shift.ends_at) if shift else None


def _read(db: Session, site: Site, content: bytes) -> tuple[list[_Row], list[LineError]]:
    too_large = _("The file is larger than 5 MB.")
    lines = open_csv(content, columns=COLUMNS, max_bytes=MAX_BYTES, too_large=too_large)
    if isinstance(lines, LineError):
        return [], [lines]
    agents = {a.code: a for a in db.scalars(select(Agent).where(Agent.site_id == site.id))}
    zone = ZoneInfo(site.timezone)
    rows: list[_Row] = []
    seen: dict[tuple[str, date], int] = {}
    for number, cells in lines:
        row = _read_line(number, cells, agents, lines.errors, zone)
        if row is None:
            continue
        key = (row.agent.code, row.day)
        if key in seen:
            reason = _("This agent already has a shift on this day (line {line}).")
            lines.error(number, "date", reason.format(line=seen[key]))
            continue
        seen[key] = number
        rows.append(row)
    if not rows and not lines.errors:
        lines.error(2, "", _("The file has no shifts."))
    return rows, lines.errors


def _read_line(
    number: int,
    cells: list[str],
    agents: dict[str, Agent],
    errors: list[LineError],
    zone: ZoneInfo,
) -> _Row | None:
    if len(cells) != len(COLUMNS):
        errors.append(
            LineError(number, "", _("Expected 4 columns, found {n}.").format(n=len(cells)))
        )
        return None
    code, day_text, start_text, end_text = (c.strip() for c in cells)
    found = len(errors)
    agent = agents.get(code)
    if agent is None or not agent.active:
        errors.append(
            LineError(
                number,
                "agent",
                _("No active agent with code “{code}” at this site.").format(code=code),
            )
        )
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        errors.append(
            LineError(
                number, "date", _("Not a date (YYYY-MM-DD): “{value}”.").format(value=day_text)
            )
        )
    clocks: list[time] = []
    for column, value in (("start", start_text), ("end", end_text)):
        try:
            clocks.append(parse_clock(value))
        except ValueError:
            errors.append(
                LineError(number, column, _("Not a time (HH:MM): “{value}”.").format(value=value))
            )
    if len(clocks) == 2 and (reason := check_span(*clocks)):
        errors.append(LineError(number, "end", reason))
    if len(errors) > found or agent is None:
        return None
    try:
        shift_span(day, clocks[0], clocks[1], zone)
    except NonexistentLocalTime:
        errors.append(
            LineError(
                number, "start", _("This time does not exist on that day in the site's time zone.")
            )
        )
        return None
    except OverflowError:  # the first or last days a datetime can hold
        errors.append(
            LineError(
                number, "date", _("Not a date (YYYY-MM-DD): “{value}”.").format(value=day_text)
            )
        )
        return None
    return _Row(number, agent, day, clocks[0], clocks[1])
