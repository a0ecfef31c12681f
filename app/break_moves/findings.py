"""The move check's findings: stored as JSON with instants, shown in words in the site's time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.i18n import N_, _, local_time
from app.models import PlannedBreak, Shift
from scheduling.break_move import Finding

MESSAGES = {
    "window": N_("{name} would start at {value}; its window is {start}–{end}."),
    "min_work": N_("Work from {start} to {end} would last {value} min; at least {limit} min."),
    "max_work": N_("Work from {start} to {end} would last {value} min; at most {limit} min."),
    "cap": N_("From {start} to {end}, {value} people would be on a break; at most {limit}."),
    "coverage": N_("From {start} to {end}, {value} would be on the phones; {limit} needed."),
    "requirement_unknown": N_("No staffing plan covers this time, so coverage cannot be checked."),
    "inside_shift": N_("The break would not lie inside your shift."),
    "overlap": N_("The break would overlap another of your breaks."),
}
CLOCKS = {"window": ("start", "end", "value"), "default": ("start", "end")}


def as_json(finding: Finding, shift: Shift, brk: PlannedBreak) -> dict[str, Any]:
    """A finding with its minutes as instants (the window's bounds too) and the break's name."""

    def at(minute: int) -> str:
        return (shift.starts_at + timedelta(minutes=minute)).isoformat()

    window = finding.rule == "window"
    return {
        "rule": finding.rule,
        "break": brk.break_type.name,
        "start": at(finding.start),
        "end": at(finding.end),
        "value": at(finding.value) if window else finding.value,
        "limit": finding.limit,
    }


def describe(finding: dict[str, Any], timezone: str) -> str:
    """A stored finding in words, times in the site's zone."""
    rule = str(finding.get("rule", ""))
    values: dict[str, Any] = dict(finding) | {"name": finding.get("break", "")}
    for key in CLOCKS["window" if rule == "window" else "default"]:
        values[key] = local_time(datetime.fromisoformat(str(finding[key])), timezone)
    return _(MESSAGES.get(rule, MESSAGES["overlap"])).format(**values)
