"""Reading the break rules forms: minutes typed as H:MM, and every rule checked beside its field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.forms import Form
from app.i18n import _
from app.models import BreakRule, BreakType, Site, Team

DAY_MINUTES = 24 * 60
MAX_BREAK_MINUTES = 240
MAX_COUNT = 10


def hours_minutes(minutes: int | None) -> str:
    """Minutes as H:MM (90 -> 1:30); empty for None."""
    if minutes is None:
        return ""
    return f"{minutes // 60}:{minutes % 60:02d}"


def read_duration(form: Form, name: str, *, minimum: int = 0, maximum: int = DAY_MINUTES) -> int:
    """A length typed as H:MM (or whole minutes) in [minimum, maximum]; -1 when invalid."""
    raw = form.values.get(name, "").strip()
    hours, sep, minutes = raw.partition(":")
    if not raw:
        form.error(name, _("Required."))
        return -1
    if not (hours.isdigit() and (minutes.isdigit() and len(minutes) == 2 if sep else True)):
        form.error(name, _("Enter hours and minutes as H:MM, e.g. 1:30."))
        return -1
    value = int(hours) * 60 + int(minutes) if sep else int(hours)
    if sep and int(minutes) >= 60:
        form.error(name, _("Enter hours and minutes as H:MM, e.g. 1:30."))
    elif value < minimum:
        form.error(name, _("At least {n}.").format(n=hours_minutes(minimum)))
    elif value > maximum:
        form.error(name, _("At most {n}.").format(n=hours_minutes(maximum)))
    return value


def read_type(form: Form, db: Session, site: Site, obj: BreakType | None) -> dict[str, Any]:
    """Name (unique in the site), length in minutes, paid or not."""
    name = form.text("name", max_length=64)
    others = select(BreakType.id).where(BreakType.site_id == site.id, BreakType.name == name)
    if obj is not None:
        others = others.where(BreakType.id != obj.id)
    if name and "name" not in form.errors and db.scalar(others) is not None:
        form.error("name", _("This site already has a break type with this name."))
    length = form.integer("length_minutes", minimum=1, maximum=MAX_BREAK_MINUTES)
    return {"name": name, "length_minutes": length, "paid": form.checkbox("paid")}


def read_rule(
    form: Form, db: Session, site: Site, team: Team | None, obj: BreakRule | None
) -> dict[str, Any]:
    """A rule: its break type, shift length range, count and window, each checked."""
    types = {
        str(t.id): t
        for t in db.scalars(select(BreakType).where(BreakType.site_id == site.id, BreakType.active))
    }
    break_type = types.get(form.choice("break_type_id", types))
    low = read_duration(form, "min_shift_minutes", minimum=1)
    high = read_duration(form, "max_shift_minutes", minimum=1)
    count = form.integer("count", minimum=1, maximum=MAX_COUNT)
    opens = read_duration(form, "window_start_minutes")
    closes = read_duration(form, "window_end_minutes")
    if form.ok and high < low:
        form.error("max_shift_minutes", _("Not shorter than the shortest shift of the range."))
    if form.ok and closes < opens:
        form.error("window_end_minutes", _("The window cannot close before it opens."))
    if form.ok and break_type is not None and count is not None:
        _check_fit(form, break_type, low, count, opens, closes)
    if form.ok and break_type is not None:
        _check_no_overlap(form, db, site, team, obj, break_type, low, high)
    return {
        "site_id": site.id,
        "team_id": team.id if team else None,
        "break_type_id": break_type.id if break_type else None,
        "min_shift_minutes": low,
        "max_shift_minutes": high,
        "count": count,
        "window_start_minutes": opens,
        "window_end_minutes": closes,
    }


def _check_fit(
    form: Form, break_type: BreakType, low: int, count: int, opens: int, closes: int
) -> None:
    """The window lies inside the shortest shift, and `count` breaks fit in it one after another."""
    length = break_type.length_minutes
    if closes + length > low:
        form.error(
            "window_end_minutes",
            _("A {length}-minute break starting at {closes} ends after a {low} shift.").format(
                length=length, closes=hours_minutes(closes), low=hours_minutes(low)
            ),
        )
    elif count * length > closes - opens + length:
        form.error(
            "count",
            _(
                "{count} breaks of {length} minutes do not fit in the window {opens}–{closes}."
            ).format(
                count=count, length=length, opens=hours_minutes(opens), closes=hours_minutes(closes)
            ),
        )


def _check_no_overlap(
    form: Form,
    db: Session,
    site: Site,
    team: Team | None,
    obj: BreakRule | None,
    break_type: BreakType,
    low: int,
    high: int,
) -> None:
    """Two rules of one type in one scope must not both cover a shift length."""
    query = select(BreakRule).where(
        BreakRule.site_id == site.id,
        BreakRule.team_id.is_(None) if team is None else BreakRule.team_id == team.id,
        BreakRule.break_type_id == break_type.id,
        BreakRule.min_shift_minutes <= high,
        BreakRule.max_shift_minutes >= low,
    )
    if obj is not None:
        query = query.where(BreakRule.id != obj.id)
    clash = db.scalars(query).first()
    if clash is not None:
        form.error(
            "min_shift_minutes",
            _("Another rule for {name} covers shifts of {low}–{high}.").format(
                name=break_type.name,
                low=hours_minutes(clash.min_shift_minutes),
                high=hours_minutes(clash.max_shift_minutes),
            ),
        )


def read_policy(form: Form) -> dict[str, Any]:
    """The shortest and longest stretch of work (H:MM) and the cap on people on a break."""
    low = read_duration(form, "min_work_minutes")
    high = read_duration(form, "max_work_minutes", minimum=1)
    cap = form.integer("max_on_break", minimum=1, maximum=10_000)
    if form.ok and high < low:
        form.error("max_work_minutes", _("Not shorter than the shortest stretch."))
    return {"min_work_minutes": low, "max_work_minutes": high, "max_on_break": cap}


def type_values(obj: BreakType) -> dict[str, str]:
    return {
        "name": obj.name,
        "length_minutes": str(obj.length_minutes),
        "paid": "on" if obj.paid else "",
    }


def rule_values(obj: BreakRule) -> dict[str, str]:
    return {
        "break_type_id": str(obj.break_type_id),
        "min_shift_minutes": hours_minutes(obj.min_shift_minutes),
        "max_shift_minutes": hours_minutes(obj.max_shift_minutes),
        "count": str(obj.count),
        "window_start_minutes": hours_minutes(obj.window_start_minutes),
        "window_end_minutes": hours_minutes(obj.window_end_minutes),
    }
