"""The simulator's demand and handling figures, derived once from the Anonymous Bank data.

`python -m app.simulator.pattern [DATA_DIR]` reads january.txt and october.txt (default
../shared/data/anonymous_bank next to the repository) and rewrites bank_table.py, a few KB,
so the simulator works without the data folder.

Queues: the demo center's four queues take the bank's call types -
Internet = IN, Brokerage = NE, Premium = priority-2 customers of the other types,
Retail = everyone else (PS, PE, NW, TT, AA).
Days: the bank worked Sunday to Thursday and rested Friday and Saturday; its weekdays are
moved one day on (bank Sunday = Monday) so that its working week falls on Monday to Friday.
Service time: lognormal, fitted to log(ser_time) of served calls (ser_time > 0).
Patience: exponential, its mean by the censored estimate: total wait of queued callers /
number of abandons (a served caller's patience was at least their wait).
"""

from __future__ import annotations

import math
import statistics
import sys
import textwrap
from collections import defaultdict
from datetime import UTC, date
from pathlib import Path
from typing import Any

from kpi.anonymous_bank import BankCall, Outcome, parse_bank_calls, to_call_record

INTERVAL_MINUTES = 15
INTERVALS_PER_DAY = 24 * 60 // INTERVAL_MINUTES
QUEUES = ("Retail", "Premium", "Internet", "Brokerage")
FILES = ("january.txt", "october.txt")
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "anonymous_bank"
TABLE_PATH = Path(__file__).with_name("bank_table.py")


def demo_queue(call: BankCall) -> str:
    """The demo center's queue for one of the bank's calls."""
    if call.call_type == "IN":
        return "Internet"
    if call.call_type == "NE":
        return "Brokerage"
    return "Premium" if call.priority == 2 else "Retail"


def derive(data_dir: Path) -> dict[str, object]:
    """The reduced table: mean calls per weekday and interval, queue shares, service, patience."""
    calls = [c for name in FILES for c in parse_bank_calls(data_dir.joinpath(name).read_text())]
    counts: dict[tuple[int, int], int] = defaultdict(int)
    by_queue: dict[tuple[str, int], int] = defaultdict(int)
    days: set[date] = set()
    services: dict[str, list[float]] = defaultdict(list)
    waits: dict[str, float] = defaultdict(float)
    abandons: dict[str, int] = defaultdict(int)
    for call in calls:
        days.add(call.day)
        record = to_call_record(call, tz=UTC)
        if record is None:
            continue
        queue, offered = demo_queue(call), record.offered_at
        weekday = (offered.weekday() + 1) % 7  # bank Sunday (6) -> Monday (0)
        slot = (offered.hour * 60 + offered.minute) // INTERVAL_MINUTES
        counts[weekday, slot] += 1
        by_queue[queue, weekday] += 1
        if call.queued:
            waits[queue] += call.q_seconds
        if call.outcome is Outcome.HANG:
            abandons[queue] += 1
        elif call.ser_seconds > 0:
            services[queue].append(math.log(call.ser_seconds))
    day_count: dict[int, int] = defaultdict(int)
    for day in days:
        day_count[(day.weekday() + 1) % 7] += 1
    calls_table = {
        w: [round(counts[w, s] / day_count[w], 2) for s in range(INTERVALS_PER_DAY)]
        for w in range(7)
    }
    shares = {
        queue: [
            round(by_queue[queue, w] / max(1, sum(by_queue[q, w] for q in QUEUES)), 4)
            for w in range(7)
        ]
        for queue in QUEUES
    }
    service = {
        q: (round(statistics.fmean(services[q]), 4), round(statistics.stdev(services[q]), 4))
        for q in QUEUES
    }
    patience = {q: round(waits[q] / max(1, abandons[q]), 1) for q in QUEUES}
    return {"calls": calls_table, "shares": shares, "service": service, "patience": patience}


def _numbers(values: list[float], indent: str) -> str:
    text = ", ".join(f"{v:g}" for v in values)
    return "\n".join(textwrap.wrap(text, 96 - len(indent), initial_indent=indent,
                                   subsequent_indent=indent))  # fmt: skip


def render(table: dict[str, object]) -> str:
    """bank_table.py's source for a derived table."""
    calls, shares = table["calls"], table["shares"]
    assert isinstance(calls, dict) and isinstance(shares, dict)
    lines = [
        '"""Derived from the Anonymous Bank data by app/simulator/pattern.py; do not edit."""',
        "",
        "# fmt: off",
        "# Mean calls offered per 15-minute interval (96 a day), by weekday (0 = Monday).",
        "CALLS_PER_INTERVAL: dict[int, tuple[float, ...]] = {",
    ]
    for weekday, values in calls.items():
        lines += [f"    {weekday}: (", _numbers(values, " " * 8) + ",", "    ),"]
    lines += ["}", "# Each queue's share of a weekday's calls.",
              "QUEUE_SHARE: dict[str, tuple[float, ...]] = {"]  # fmt: skip
    for queue, values in shares.items():
        numbers = ", ".join(f"{v:g}" for v in values)
        lines.append(f'    "{queue}": ({numbers}),')
    lines += ["}", "# Lognormal talk time: mean and standard deviation of log(seconds).",
              "SERVICE_LOG_SECONDS: dict[str, tuple[float, float]] = {"]  # fmt: skip
    lines += [f'    "{q}": {tuple(v)!r},' for q, v in _items(table["service"])]
    lines += ["}", "# Mean patience of a waiting caller, seconds (exponential).",
              "PATIENCE_MEAN_SECONDS: dict[str, float] = {"]  # fmt: skip
    lines += [f'    "{q}": {v!r},' for q, v in _items(table["patience"])]
    return "\n".join([*lines, "}", "# fmt: on", ""])


def _items(value: object) -> list[tuple[str, Any]]:
    assert isinstance(value, dict)
    return list(value.items())


def main() -> None:
    """Rewrite bank_table.py from the data folder given (or the default one)."""
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA_DIR
    TABLE_PATH.write_text(render(derive(data_dir)))
    print(f"wrote {TABLE_PATH}")


if __name__ == "__main__":
    main()
