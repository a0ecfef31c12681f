"""Demo call history: the Anonymous Bank's January and October calls, as the demo site's calls.

The two months of 1999 (../shared/data/anonymous_bank, beside the repository) are laid end to
end and moved so that they end yesterday, clock times kept in the site's zone; the bank's
call types become the demo's queues and its agents (servers) the demo's agents A001..A080,
the same way on every run. Without the files, the demo has no call history (a note says so).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Agent, Site
from kpi.anonymous_bank import bank_call_records
from kpi.records import CallRecord

BANK_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "anonymous_bank"
MONTHS = ("january.txt", "october.txt")
QUEUE_OF_TYPE = {
    "PS": "Retail", "PE": "Retail", "NW": "Premium", "TT": "Premium",
    "IN": "Internet", "NE": "Brokerage",
}  # fmt: skip
DEMO_AGENTS = 80


def bank_months(zone: ZoneInfo, bank_dir: Path = BANK_DIR) -> list[list[CallRecord]] | None:
    """Each month's offered calls, in the site's zone; None when a file is missing."""
    paths = [bank_dir / name for name in MONTHS]
    if not all(path.is_file() for path in paths):
        return None
    return [list(bank_call_records(path.read_text(), tz=zone)) for path in paths]


def demo_calls(
    months: list[list[CallRecord]], *, yesterday: date, agents: int = DEMO_AGENTS
) -> list[CallRecord]:
    """The months end to end, ending yesterday, on the demo's queues and its `agents` agents."""
    servers = sorted({call.agent for month in months for call in month if call.agent})
    agent_of = {name: f"A{index % agents + 1:03d}" for index, name in enumerate(servers)}
    days = [sorted({c.offered_at.date() for c in month}) for month in months]
    total = sum(len(month_days) for month_days in days)
    first = yesterday - timedelta(days=total - 1)
    moved: list[CallRecord] = []
    for month, month_days in zip(months, days, strict=True):
        shift = first - month_days[0]
        for call in month:
            moved.append(_moved(call, shift, agent_of))
        first += timedelta(days=len(month_days))
    return moved


def _moved(call: CallRecord, shift: timedelta, agent_of: dict[str, str]) -> CallRecord:
    def at(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment + shift  # wall-clock days in the site's zone

    return replace(
        call,
        call_id=f"bank-{call.call_id}",
        queue=QUEUE_OF_TYPE.get(call.queue, "Retail"),
        offered_at=call.offered_at + shift,
        answered_at=at(call.answered_at),
        ended_at=at(call.ended_at),
        abandoned_at=at(call.abandoned_at),
        agent=agent_of.get(call.agent) if call.agent else None,
    )


def seed_call_history(db: Session, *, site: Site, today: date) -> int:
    """Store the bank's two months as the site's calls ending yesterday; the count stored."""
    from app.events.imports import store_calls

    months = bank_months(ZoneInfo(site.timezone))
    if months is None:
        print(f"Demo: no call history (the Anonymous Bank files are not in {BANK_DIR}).")
        return 0
    agents = db.scalar(select(func.count()).select_from(Agent).where(Agent.site_id == site.id))
    calls = demo_calls(months, yesterday=today - timedelta(days=1), agents=agents or DEMO_AGENTS)
    result = store_calls(db, site=site, calls=calls, lines={}, source="cdr")
    return result.created
