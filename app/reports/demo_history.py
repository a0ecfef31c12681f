"""Demo call history: the Anonymous Bank's January and October calls, as the demo site's calls.

The two months of 1999 (../shared/data/anonymous_bank, beside the repository) are laid end to
end and moved so that they end yesterday, clock times kept in the site's zone; the bank's
call types become the demo's queues and its agents (servers) the demo's agents A001..A080,
the same way on every run. Without the files, the demo has no call history (a note says so).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.events.registry import agent_ids, queue_ids
from app.events.store import bulk_insert
from app.models import Agent, Call, Site
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


def read_bank_months(zone: ZoneInfo) -> Future[list[list[CallRecord]] | None]:
    """bank_months(zone), read in a thread: its parsing (1-2 s of Python) can then overlap the
    demo seed's password hashing and break optimising, which run in C without the GIL."""
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-calls")
    future = reader.submit(lambda: bank_months(zone))  # late-bound: tests replace bank_months
    reader.shutdown(wait=False)
    return future


def demo_calls(
    months: list[list[CallRecord]], *, yesterday: date, agents: int = DEMO_AGENTS
) -> list[CallRecord]:
    """The months end to end, ending yesterday, on the demo's queues and its `agents` agents."""
    shifts, agent_of = _moves(months, yesterday=yesterday, agents=agents)
    return [
        _moved(call, shift, agent_of)
        for month, shift in zip(months, shifts, strict=True)
        for call in month
    ]


def _moves(
    months: list[list[CallRecord]], *, yesterday: date, agents: int
) -> tuple[list[timedelta], dict[str, str]]:
    """How far each month moves (wall-clock days), and the demo agent of each bank server."""
    servers = sorted({call.agent for month in months for call in month if call.agent})
    agent_of = {name: f"A{index % agents + 1:03d}" for index, name in enumerate(servers)}
    days = [sorted({c.offered_at.date() for c in month}) for month in months]
    first = yesterday - timedelta(days=sum(len(month_days) for month_days in days) - 1)
    shifts = []
    for month_days in days:
        shifts.append(first - month_days[0] if month_days else timedelta(0))
        first += timedelta(days=len(month_days))
    return shifts, agent_of


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


def seed_call_history(
    db: Session,
    *,
    site: Site,
    today: date,
    months: Future[list[list[CallRecord]] | None] | None = None,
) -> int:
    """Store the bank's two months as the calls of a new site, ending yesterday; the count.

    The same calls as demo_calls(), written straight to the table in one bulk insert (COPY
    on PostgreSQL): the site is new, so there is nothing to compare them with, and the bank's
    records were checked when they were read. `months`: read_bank_months() started earlier.
    """
    read = months.result() if months is not None else bank_months(ZoneInfo(site.timezone))
    if read is None:
        print(f"Demo: no call history (the Anonymous Bank files are not in {BANK_DIR}).")
        return 0
    count = db.scalar(select(func.count()).select_from(Agent).where(Agent.site_id == site.id))
    yesterday = today - timedelta(days=1)
    shifts, agent_of = _moves(read, yesterday=yesterday, agents=count or DEMO_AGENTS)
    queues = queue_ids(db, site_id=site.id, names=set(QUEUE_OF_TYPE.values()))
    agents = agent_ids(db, site_id=site.id, codes=set(agent_of.values()))
    rows = [
        _row(call, shift, site_id=site.id, queue_id=queues, agent_id=agents, agent_of=agent_of)
        for month, shift in zip(read, shifts, strict=True)
        for call in month
    ]
    bulk_insert(db, Call.__table__, rows)  # type: ignore[arg-type]
    return len(rows)


def _row(
    call: CallRecord,
    shift: timedelta,
    *,
    site_id: int,
    queue_id: dict[str, int],
    agent_id: dict[str, int],
    agent_of: dict[str, str],
) -> dict[str, object]:
    """The `calls` row of one bank call moved by `shift` (as _moved() moves it)."""
    return {
        "site_id": site_id,
        "call_id": f"bank-{call.call_id}",
        "queue_id": queue_id[QUEUE_OF_TYPE.get(call.queue, "Retail")],
        "offered_at": call.offered_at + shift,
        "answered_at": None if call.answered_at is None else call.answered_at + shift,
        "ended_at": None if call.ended_at is None else call.ended_at + shift,
        "abandoned_at": None if call.abandoned_at is None else call.abandoned_at + shift,
        "agent_id": agent_id[agent_of[call.agent]] if call.agent else None,
        "source": "cdr",
    }
