"""The targets form: percent and seconds as typed, to `Targets` (fractions) and back; the
days of a rebuild of history from calls."""

from __future__ import annotations

from datetime import date

from app.forms import Form
from app.i18n import _
from app.planning.from_calls import EARLIEST_DAY, LATEST_DAY, LONGEST_REBUILD_DAYS
from app.planning.requirement import Targets

TARGET_FIELDS = ("service_level", "answer_seconds", "max_occupancy", "shrinkage", "patience")


def has_targets(values: dict[str, str]) -> bool:
    """Whether the request carries the targets form (else the defaults apply)."""
    return any(name in values for name in TARGET_FIELDS)


def read_targets(form: Form) -> Targets | None:
    """The targets typed in `form`, or None with `form.errors` beside the fields."""
    service_level = form.number("service_level", minimum=1, maximum=99.9)
    answer_seconds = form.integer("answer_seconds", minimum=0, maximum=3600)
    max_occupancy = _optional(form, "max_occupancy", minimum=1, maximum=100)
    shrinkage = form.number("shrinkage", minimum=0, maximum=95)
    patience = _optional(form, "patience", minimum=1, maximum=3600)
    if not form.ok:
        return None
    assert service_level is not None and answer_seconds is not None and shrinkage is not None
    return Targets(
        service_level=service_level / 100,
        answer_seconds=answer_seconds,
        max_occupancy=None if max_occupancy is None else max_occupancy / 100,
        shrinkage=shrinkage / 100,
        patience_seconds=patience,
    )


def _optional(form: Form, name: str, *, minimum: float, maximum: float) -> float | None:
    if not form.values.get(name, "").strip():
        return None
    return form.number(name, minimum=minimum, maximum=maximum)


def target_values(targets: Targets) -> dict[str, str]:
    """The form's values showing `targets` (percent, seconds)."""
    return {
        "service_level": _percent(targets.service_level),
        "answer_seconds": str(targets.answer_seconds),
        "max_occupancy": "" if targets.max_occupancy is None else _percent(targets.max_occupancy),
        "shrinkage": _percent(targets.shrinkage),
        "patience": "" if targets.patience_seconds is None else f"{targets.patience_seconds:g}",
    }


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100, 6):g}"


def read_rebuild_days(form: Form) -> tuple[date, date] | None:
    """The local days `first`..`last` to rebuild from calls, or None with `form.errors`."""
    first, last = _day(form, "first"), _day(form, "last")
    if first is None or last is None:
        return None
    if last < first:
        form.error("last", _("The last day is before the first."))
    elif (last - first).days >= LONGEST_REBUILD_DAYS:
        form.error("first", _("At most {n} days at a time.").format(n=LONGEST_REBUILD_DAYS))
    return (first, last) if form.ok else None


def _day(form: Form, name: str) -> date | None:
    raw = form.values.get(name, "").strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        form.error(name, _("A date (YYYY-MM-DD), please.") if raw else _("Required."))
        return None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        form.error(name, _("A day from {day} on.").format(day=EARLIEST_DAY.isoformat()))
        return None
    return day
