"""A refused hand move in the supervisor's words: each broken rule named, local times."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.breaks.instance import Horizon
from app.breaks.service import Refusal
from app.i18n import N_, _, local_time

RULE_NAMES = {
    "window": N_("Break window"),
    "shift": N_("Inside the shift"),
    "order": N_("Order of breaks"),
    "min_work": N_("Shortest stretch of work"),
    "max_work": N_("Longest stretch of work"),
    "cap": N_("People on a break at once"),
}


@dataclass(frozen=True)
class Reason:
    """One broken rule: its name and what is wrong."""

    rule: str
    title: str
    message: str


def reasons_of(refusal: Refusal, timezone: str) -> list[Reason]:
    """Each violation of the refusal as a sentence."""
    horizon = refusal.horizon
    step = horizon.slot_minutes

    def clock(slot: int) -> str:
        return local_time(horizon.at(slot), timezone)

    found = []
    for v in refusal.violations:
        if v.rule == "window":
            text = _("{name} may start between {earliest} and {latest}, not at {at}.").format(
                name=v.name, earliest=clock(v.first), latest=clock(v.last), at=clock(v.value)
            )
        elif v.rule == "shift":
            text = _("{name} ({start}–{end}) must lie inside the shift, {begin}–{finish}.").format(
                name=v.name,
                start=clock(v.first),
                end=clock(v.last),
                begin=clock(v.value),
                finish=clock(v.limit),
            )
        elif v.rule == "order":
            text = _("{name} must start after {other} ends at {at}.").format(
                name=v.name, other=v.other, at=clock(v.last)
            )
        elif v.rule in ("min_work", "max_work"):
            message = (
                _("The work from {start} to {end} would last {n} min; at least {limit} min.")
                if v.rule == "min_work"
                else _("The work from {start} to {end} would last {n} min; at most {limit} min.")
            )
            text = message.format(
                start=clock(v.first), end=clock(v.last), n=v.value * step, limit=v.limit * step
            )
        else:
            text = _(
                "From {start} to {end}, {n} agents would be on a break; at most {limit}."
            ).format(start=clock(v.first), end=clock(v.last), n=v.value, limit=v.limit)
        found.append(Reason(v.rule, _(RULE_NAMES[v.rule]), text))
    return found


_SLOTS = re.compile(r"\b(\d+) slots\b")
_WORK = re.compile(r"\b(min_work|max_work)( is)? (\d+)\b")
_SPAN = re.compile(r"\b(window|shift) (\d+)-(\d+)\b")
_CAP_AT = re.compile(r"\bat slot (\d+)\b")
_AT = re.compile(r"(?<!max_on_break )\b(at|by|before|after|is) (\d+)\b(?! min| agents|:)")


def solver_reason(text: str, horizon: Horizon, timezone: str) -> str:
    """The solver's reason (in slots) with slots as local times and lengths as minutes."""
    step = horizon.slot_minutes

    def clock(slot: str) -> str:
        return local_time(horizon.at(int(slot)), timezone)

    text = _SLOTS.sub(lambda m: f"{int(m[1]) * step} min", text)
    text = _WORK.sub(lambda m: f"{m[1]}{m[2] or ''} {int(m[3]) * step} min", text)
    text = _SPAN.sub(lambda m: f"{m[1]} {clock(m[2])}–{clock(m[3])}", text)
    text = _CAP_AT.sub(lambda m: f"at {clock(m[1])}", text)
    return _AT.sub(lambda m: f"{m[1]} {clock(m[2])}", text)
