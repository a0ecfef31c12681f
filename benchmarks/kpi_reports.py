"""KPI report benchmark: a month's interval report over the Anonymous Bank's January, and a
month's reports on a synthetic year of calls for a large site (PostgreSQL).

Run: `.venv/bin/python benchmarks/kpi_reports.py [--year-calls N] [--postgres URL] [--skip-year]`.

1. January 1999 (../shared/data/anonymous_bank/january.txt, ~30,000 offered calls) is stored
   as calls through the importer's path (app.events.imports.store_calls) in a fresh SQLite
   file and a scratch PostgreSQL database (created here, dropped at the end). The month's
   30-minute interval report per queue is timed through app.reports.service.interval_report
   (sums grouped in SQL), against kpi.definitions.interval_figures over the same calls read
   back (calls_between), and the two are checked equal.
2. A synthetic year for a large site (20 queues, 500 agents; default 10 million calls) is
   written by COPY into PostgreSQL; then a month's interval report (30 min, per queue), a
   month's daily report per queue and per team, and the year's monthly report are timed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from scratch import postgres_url, sqlite_url  # a sibling module
from sqlalchemy.orm import Session

from app.db import make_engine, make_sessionmaker, transaction
from app.events.imports import store_calls
from app.events.service import calls_between
from app.migrate import upgrade
from app.models import Agent, Queue, Site, Team
from app.reports.service import interval_report, kpi_report
from kpi.anonymous_bank import bank_call_records
from kpi.definitions import interval_figures

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT.parent / "shared" / "data" / "anonymous_bank" / "january.txt"
BANK_ZONE = ZoneInfo("Asia/Jerusalem")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
INDEXES = {
    "ix_calls_site_id_offered_at": "(site_id, offered_at)",
    "ix_calls_site_id_queue_id_offered_at": "(site_id, queue_id, offered_at)",
}


def timed(action: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median seconds of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def january(url: str, label: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    calls = bank_call_records(BANK.read_text(), tz=BANK_ZONE)
    started = time.perf_counter()
    with transaction(factory) as db:
        site = Site(name="Anonymous Bank", timezone="Asia/Jerusalem")
        db.add(site)
        db.flush()
        result = store_calls(db, site=site, calls=calls, lines={}, source="cdr")
    stored = time.perf_counter() - started
    start, end = datetime(1999, 1, 1, tzinfo=BANK_ZONE), datetime(1999, 2, 1, tzinfo=BANK_ZONE)
    with transaction(factory) as db:
        site = db.get_one(Site, site.id)
        seconds, rows = timed(lambda: interval_report(db, site=site, start=start, end=end))
        read_seconds, read = timed(
            lambda: calls_between(db, site_id=site.id, start=start, end=end), repeat=1
        )
        python_seconds, want = timed(lambda: interval_figures(read, tz=BANK_ZONE), repeat=1)
    assert rows is not None and len(rows) == len(want)
    for row, wanted in zip(rows, want, strict=True):
        assert (row.start, row.queue) == (wanted.start, wanted.queue)
        assert row.figures.offered == wanted.figures.offered
        assert row.figures.answered_in_target == wanted.figures.answered_in_target
    print(
        f"{label:10} January: {result.created:,} calls stored in {stored:.1f} s; "
        f"month's 30-min interval report per queue ({len(rows):,} rows): {seconds * 1000:.0f} ms "
        f"(SQL sums); reading the calls {read_seconds * 1000:.0f} ms + kpi.definitions in "
        f"Python {python_seconds * 1000:.0f} ms; equal"
    )
    engine.dispose()


def _year_site(db: Session) -> tuple[Site, list[int], list[int]]:
    site = Site(name="Large site", timezone="Europe/Berlin")  # DST: two offsets in a year
    db.add(site)
    db.flush()
    teams = [Team(site_id=site.id, name=f"Team {i:02d}") for i in range(25)]
    queues = [Queue(site_id=site.id, name=f"Q{i:02d}") for i in range(20)]
    db.add_all([*teams, *queues])
    db.flush()
    agents = [
        Agent(site_id=site.id, team_id=teams[i % 25].id, code=f"A{i:04d}",
              display_name=f"Agent {i}", contracted_weekly_hours=40)
        for i in range(500)
    ]  # fmt: skip
    db.add_all(agents)
    db.flush()
    return site, [q.id for q in queues], [a.id for a in agents]


def _chunk_lines(
    rng: np.random.Generator, first: int, size: int, site_id: int, queues: list[int],
    agents: list[int], year_start: np.datetime64, first_second: float, span_seconds: float,
) -> bytes:  # fmt: skip
    """`size` calls offered in a span of the year, as COPY text rows, in time order.

    85 % answered (1 % of them still talking), 12 % abandoned, the rest still waiting.
    """
    seconds = np.sort(rng.uniform(first_second, first_second + span_seconds, size))
    offered = year_start + (seconds * 1e6).astype("timedelta64[us]")
    wait = (rng.exponential(20, size) * 1e6).astype("timedelta64[us]")
    talk = (rng.exponential(240, size) * 1e6).astype("timedelta64[us]")
    kind = rng.uniform(0, 1, size)
    left = offered + wait

    def stamps(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        text_values = np.char.add(np.datetime_as_string(values, unit="us"), "+00")
        return np.where(mask, text_values, "\\N")

    answered = stamps(left, kind < 0.85)
    ended = stamps(left + talk, kind < 0.84)
    abandoned = stamps(left, (kind >= 0.85) & (kind < 0.97))
    offered_text = np.char.add(np.datetime_as_string(offered, unit="us"), "+00")
    queue = np.array(queues)[rng.integers(0, len(queues), size)]
    picked = np.array(agents)[rng.integers(0, len(agents), size)].astype(str)
    agent = np.where(kind < 0.85, picked, "\\N")
    lines = [
        f"{site_id}\t{q}\tc{first + i}\t{o}\t{a}\t{e}\t{x}\t{g}\tcdr\n"
        for i, (q, o, a, e, x, g) in enumerate(
            zip(queue, offered_text, answered, ended, abandoned, agent, strict=True)
        )
    ]
    return "".join(lines).encode()


def year(server: str, count: int) -> None:
    with postgres_url(server, "smena_bench_kpi_") as url:
        engine = make_engine(url)
        upgrade(engine)
        factory = make_sessionmaker(engine)
        with transaction(factory) as db:
            site, queues, agents = _year_site(db)
            site_id = site.id
        rng = np.random.default_rng(2026)
        year_start = np.datetime64("2025-01-01T00:00:00")
        columns = "site_id, queue_id, call_id, offered_at, answered_at, ended_at, abandoned_at"
        started = time.perf_counter()
        raw = engine.raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        step = 500_000
        year_seconds = 365 * 86400
        with driver.cursor() as cursor:
            # A bulk load: the secondary indexes are dropped first and built again after.
            for name in INDEXES:
                cursor.execute(f"DROP INDEX {name}")
            cursor.execute("ALTER TABLE calls DROP CONSTRAINT uq_calls_site_id_call_id")
            cursor.execute("SET session_replication_role = replica")  # no per-row FK checks
            for first in range(0, count, step):
                size = min(step, count - first)
                data = _chunk_lines(
                    rng, first, size, site_id, queues, agents, year_start,
                    year_seconds * first / count, year_seconds * size / count,
                )  # fmt: skip
                with cursor.copy(f"COPY calls ({columns}, agent_id, source) FROM STDIN") as copy:
                    copy.write(data)
                driver.commit()
            copied = time.perf_counter() - started
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name, definition in INDEXES.items():
                cursor.execute(f"CREATE INDEX {name} ON calls {definition}")
            unique = "uq_calls_site_id_call_id UNIQUE (site_id, call_id)"
            cursor.execute(f"ALTER TABLE calls ADD CONSTRAINT {unique}")
            cursor.execute("ANALYZE calls")
        driver.commit()
        raw.close()
        indexed = time.perf_counter() - started - copied
        print(f"year      {count:,} calls written by COPY in {copied:.0f} s "
              f"({count / copied:,.0f} calls/s, generating the rows included); "
              f"indexes and unique key built again in {indexed:.0f} s")  # fmt: skip
        with transaction(factory) as db:
            site = db.get_one(Site, site_id)
            zone = ZoneInfo(site.timezone)
            start, end = datetime(2025, 10, 1, tzinfo=zone), datetime(2025, 11, 1, tzinfo=zone)
            cases: list[tuple[str, Callable[[], Any]]] = [
                ("October, 30-min intervals per queue (DST change inside)",
                 lambda: interval_report(db, site=site, start=start, end=end)),
                ("October, per day and queue",
                 lambda: kpi_report(db, site=site, period="day", dimension="queue",
                                    first=date(2025, 10, 1), last=date(2025, 10, 31))),
                ("October, per day and team",
                 lambda: kpi_report(db, site=site, period="day", dimension="team",
                                    first=date(2025, 10, 1), last=date(2025, 10, 31))),
                ("October, per week and agent",
                 lambda: kpi_report(db, site=site, period="week", dimension="agent",
                                    first=date(2025, 10, 1), last=date(2025, 10, 31))),
                ("the year, per month and queue",
                 lambda: kpi_report(db, site=site, period="month", dimension="queue",
                                    first=date(2025, 1, 1), last=date(2025, 12, 31))),
            ]  # fmt: skip
            for label, action in cases:
                seconds, result = timed(action)
                rows = result if isinstance(result, tuple) else result.rows
                print(f"year      {label}: {seconds:.2f} s ({len(rows):,} rows)")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--year-calls", type=int, default=10_000_000)
    parser.add_argument("--skip-year", action="store_true")
    parser.add_argument("--skip-january", action="store_true")
    args = parser.parse_args()
    print(f"KPI reports benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    if args.skip_january:
        pass
    elif BANK.is_file():
        with sqlite_url() as url:
            january(url, "SQLite")
        with postgres_url(args.postgres, "smena_bench_kpi_") as url:
            january(url, "PostgreSQL")
    else:
        print(f"January data not found at {BANK}: skipped")
    if not args.skip_year:
        year(args.postgres, args.year_calls)


if __name__ == "__main__":
    main()
