"""Interval history from stored calls: a month of a large site's calls rebuilt (PostgreSQL).

Run: `.venv/bin/python benchmarks/history_from_calls.py [--calls N] [--postgres URL]`.

A site of 20 queues and 500 agents (Europe/Berlin, so October has the clocks going back)
gets N calls (default 1,000,000) offered in October 2025, written by COPY into a scratch
PostgreSQL database (created here, dropped at the end) the way benchmarks/kpi_reports.py
writes its year. Then October's 30-minute interval history is rebuilt from them
(app.planning.from_calls.rebuild_history: sums grouped in SQL, rows replaced per queue-day),
first into an empty history and then again over itself; the rows are checked against the
number of calls.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime

import numpy as np
from kpi_reports import POSTGRES, _chunk_lines, _year_site  # a sibling script
from scratch import postgres_url  # a sibling module
from sqlalchemy import func, select

from app.db import make_engine, make_sessionmaker, transaction
from app.migrate import upgrade
from app.models import IntervalHistory, Site
from app.planning.from_calls import rebuild_history

FIRST, LAST = date(2025, 10, 1), date(2025, 10, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--calls", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"History from calls benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with postgres_url(args.postgres, "smena_bench_kpi_") as url:
        engine = make_engine(url)
        upgrade(engine)
        factory = make_sessionmaker(engine)
        with transaction(factory) as db:
            site, queues, agents = _year_site(db)
            site_id = site.id
        started = time.perf_counter()
        raw = engine.raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        columns = "site_id, queue_id, call_id, offered_at, answered_at, ended_at, abandoned_at"
        rng = np.random.default_rng(2025)
        month_start = np.datetime64("2025-09-30T22:00:00")  # Berlin's October 1st, 00:00
        month_seconds = 31 * 86400 + 3600  # the day the clocks go back is 25 hours long
        with driver.cursor() as cursor:
            data = _chunk_lines(
                rng, 0, args.calls, site_id, queues, agents, month_start, 0.0, month_seconds
            )
            with cursor.copy(f"COPY calls ({columns}, agent_id, source) FROM STDIN") as copy:
                copy.write(data)
            cursor.execute("ANALYZE calls")
        driver.commit()
        raw.close()
        print(f"{args.calls:,} calls in October written in {time.perf_counter() - started:.0f} s")
        for label in ("into an empty history", "again, over itself"):
            with transaction(factory) as db:
                site = db.get_one(Site, site_id)
                started = time.perf_counter()
                result = rebuild_history(db, site=site, first=FIRST, last=LAST)
                seconds = time.perf_counter() - started
                calls = db.scalar(select(func.sum(IntervalHistory.calls)))
            assert calls == args.calls, (calls, args.calls)
            print(
                f"October rebuilt {label}: {seconds:.2f} s ({result.intervals:,} intervals, "
                f"{result.queue_days} queue-days; every call counted once)"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
