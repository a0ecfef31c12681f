"""How the Floor names agent states and scheduled activities (translated when shown)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from app.i18n import N_, _

STATE_LABELS = {
    "logged_out": N_("Logged out"),
    "available": N_("Available"),
    "on_call": N_("On call"),
    "wrap_up": N_("Wrap-up"),
    "break": N_("Break"),
    "lunch": N_("Lunch"),
    "meeting": N_("Meeting"),
    "training": N_("Training"),
    "other": N_("Other"),
}
ACTIVITY_LABELS = {
    "phone": N_("Phones"),
    "break": N_("Break"),
    "lunch": N_("Lunch"),
    "meeting": N_("Meeting"),
    "training": N_("Training"),
    "other": N_("Other"),
}


def minutes_text(minutes: float) -> str:
    """A whole number of minutes with its unit, in the current language ("12 min")."""
    return _("%(n)d min") % {"n": minutes}


def seconds_text(seconds: float | None) -> str:
    """Whole seconds with their unit, in the current language ("35 s"); a dash for none."""
    return "—" if seconds is None else _("%(n).0f s") % {"n": seconds}


def hours_text(hours: float) -> str:
    """Hours with their unit, in the current language ("1.5 h")."""
    return _("%(n)g h") % {"n": hours}


def unit_texts(timezone: str) -> dict[str, Callable[..., str]]:
    """The Floor templates' formatters, translated once per render (2,000 rows use them)."""
    minute, second = _("%(n)d min"), _("%(n).0f s")
    zone = ZoneInfo(timezone)
    states = {key: _(label) for key, label in STATE_LABELS.items()}
    activities = {key: _(label) for key, label in ACTIVITY_LABELS.items()}
    return {
        "minutes_text": lambda minutes: minute % {"n": minutes},
        "seconds_text": lambda seconds: "—" if seconds is None else second % {"n": seconds},
        # hours and minutes read the same in both languages: no need for Babel per alert
        "clock": lambda moment: moment.astimezone(zone).strftime("%H:%M"),
        "state_name": states.__getitem__,
        "activity_name": activities.__getitem__,
    }
