"""How the Floor names agent states, scheduled activities and alerts (translated when shown)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent

from app.i18n import N_, _, current_locale
from kpi.alerts import AlertKind

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


class StoredAlert(Protocol):
    """What an alert's words are made of: its rule (kind), subject and figures."""

    @property
    def kind(self) -> str: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def value(self) -> float: ...
    @property
    def limit(self) -> float: ...
    @property
    def message(self) -> str: ...


def alert_text(alert: StoredAlert, names: Mapping[str, str] | None = None) -> str:
    """The alert in the current language, from its rule and figures (numbers as the locale
    writes them); the stored English text for a rule this version does not know. An agent
    is named by `names` (code to name) with the code beside, or by the code alone."""
    locale = current_locale.get()

    def number(n: float, pattern: str = "#,##0.##") -> str:
        return format_decimal(n, pattern, locale=locale)

    if alert.subject is None:
        queue = _("all queues")
    else:
        queue = _("queue %(queue)s") % {"queue": alert.subject}
    value, limit = alert.value, alert.limit
    match alert.kind:
        case AlertKind.SERVICE_LEVEL:
            text = _("%(queue)s: service level %(value)s this interval, target %(limit)s")
            figures = {
                "value": format_percent(value, locale=locale),
                "limit": format_percent(limit, locale=locale),
            }
        case AlertKind.CALLS_WAITING:
            text = _("%(queue)s: %(value)s calls waiting, limit %(limit)s")
            figures = {"value": number(value, "#,##0"), "limit": number(limit)}
        case AlertKind.LONGEST_WAIT:
            text = _("%(queue)s: a call has waited %(value)s s, limit %(limit)s s")
            figures = {"value": number(value, "#,##0"), "limit": number(limit)}
        case AlertKind.OUT_OF_ADHERENCE:
            text = _("%(agent)s: out of adherence for %(value)s min, limit %(limit)s min")
            figures = {"value": number(value, "#,##0"), "limit": number(limit)}
            code = alert.subject or "?"
            name = (names or {}).get(code)
            return text % ({"agent": f"{name} ({code})" if name else code} | figures)
        case _:
            return alert.message
    return text % ({"queue": queue} | figures)


def unit_texts(
    timezone: str, names: Mapping[str, str] | None = None
) -> dict[str, Callable[..., str]]:
    """The Floor templates' formatters, translated once per render (2,000 rows use them);
    `names` (agent code to name) names the agents in alerts."""
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
        "alert_text": partial(alert_text, names=names),
    }
