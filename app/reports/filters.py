"""The report's filters from the query string: site, period, dimension and a range of local days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.auth.scope import id_param, sites_and_teams
from app.i18n import N_, _
from app.models import Site, User
from app.reports.service import DIMENSIONS, PERIODS

PERIOD_LABELS = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
DIMENSION_LABELS = {
    "all": N_("All calls"),
    "queue": N_("Queue"),
    "team": N_("Team"),
    "agent": N_("Agent"),
}
MAX_DAYS = 731  # two years per report: enough to compare a year with the last


@dataclass
class Filters:
    """What the report shows; `errors` by field when the query string had bad values."""

    sites: list[Site]
    site: Site
    period: str
    dimension: str
    first: date
    last: date
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def query(self) -> str:
        """The filters as a query string (for the export links)."""
        return (
            f"site_id={self.site.id}&period={self.period}&dimension={self.dimension}"
            f"&first={self.first.isoformat()}&last={self.last.isoformat()}"
        )


def _day(values: Mapping[str, Any], name: str, default: date, errors: dict[str, str]) -> date:
    raw = str(values.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("A date as YYYY-MM-DD, please.")
        return default


def read_filters(db: Session, *, user: User, values: Mapping[str, Any]) -> Filters:
    """The filters asked for, defaults where absent, errors where unreadable (404: site unseen)."""
    choice = sites_and_teams(db, user, id_param(values.get("site_id")))
    sites, site = choice.sites, choice.site
    today = datetime.now(ZoneInfo(site.timezone)).date()
    errors: dict[str, str] = {}
    period = str(values.get("period") or "week")
    if period not in PERIODS:
        errors["period"], period = _("Choose day, week or month."), "week"
    dimension = str(values.get("dimension") or "queue")
    if dimension not in DIMENSIONS:
        errors["dimension"], dimension = _("Choose a queue, team or agent."), "queue"
    last = _day(values, "last", today, errors)
    first = _day(values, "first", last - timedelta(days=12 * 7 - 1), errors)
    if first > last:
        errors["first"] = _("The first day must not be after the last.")
        first = last
    elif (last - first).days >= MAX_DAYS:
        errors["first"] = _("At most {n} days per report.").format(n=MAX_DAYS)
        first = last - timedelta(days=MAX_DAYS - 1)
    raw = {k: str(v) for k, v in values.items() if isinstance(v, str)}
    return Filters(sites, site, period, dimension, first, last, raw, errors)
