"""Rule findings of a roster row in the supervisor's words."""

from __future__ import annotations

from dataclasses import dataclass

from babel.dates import format_date

from app.i18n import N_, _, current_locale
from app.rosters.instance import TOLERANCE_MINUTES
from app.rosters.rules import Finding

RULE_NAMES = {
    "rest": N_("Rest between shifts"),
    "overlap": N_("One shift at a time"),
    "consecutive": N_("Days in a row"),
    "time_off": N_("Time off"),
    "hours": N_("Contract hours"),
}
STATUS_NAMES = (N_("draft"), N_("published"), N_("archived"))
STATE_NAMES = (N_("pending"), N_("approved"), N_("refused"))


@dataclass(frozen=True)
class Reason:
    """A broken rule: its name and what is wrong, in words."""

    rule: str
    name: str
    text: str


def _day(value: object) -> str:
    return format_date(value, "EEE d MMM", locale=current_locale.get())  # type: ignore[arg-type]


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g}"


def reason_of(finding: Finding) -> Reason:
    """One finding in words."""
    first, last = finding.days[0], finding.days[-1]
    if finding.rule == "rest":
        text = _(
            "Only {rest} h between the shift of {first} and the shift of {last}; "
            "at least {limit} h are needed."
        ).format(
            rest=_hours(finding.value),
            first=_day(first),
            last=_day(last),
            limit=_hours(finding.limit),
        )
    elif finding.rule == "overlap":
        text = _("The shift of {first} and the shift of {last} overlap.").format(
            first=_day(first), last=_day(last)
        )
    elif finding.rule == "consecutive":
        text = _("{n} working days in a row from {first} to {last}; at most {limit}.").format(
            n=finding.value, first=_day(first), last=_day(last), limit=finding.limit
        )
    elif finding.rule == "time_off":
        text = _("Approved time off on {day}.").format(day=_day(first))
    else:
        text = _(
            "{worked} h this week with time off counted; the contract is {limit} h "
            "(± {tolerance} h)."
        ).format(
            worked=_hours(finding.value),
            limit=_hours(finding.limit),
            tolerance=_hours(TOLERANCE_MINUTES),
        )
    return Reason(finding.rule, _(RULE_NAMES[finding.rule]), text)


def reasons_of(findings: list[Finding]) -> list[Reason]:
    return [reason_of(f) for f in findings]
