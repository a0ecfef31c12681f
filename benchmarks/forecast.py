"""Forecast backtest on the Anonymous Bank calls (Technion SEE lab, 1999), 30-minute intervals.

Run: `.venv/bin/python benchmarks/forecast.py [--data DIR]`.
October 1999 is cut into weeks from its first day (Friday): week 1 = Oct 1-7, week 2 = 8-14,
week 3 = 15-21, week 4 = 22-28, week 5 = 29-31 (3 days). Each of weeks 2-5 is forecast from the
October days before it ("Oct"), and again with January 1999 added in front as older history
("Jan+Oct"; February-September are not in the data, so January is eight months stale). For
all queues together and for the PS queue (regular private customers, two thirds of the calls)
it prints WAPE and bias (in %) of the seasonal-naive baseline (same weekday last week) and of
smena's seasonal_baseline, exponential_smoothing and auto (the method chosen by a backtest on
the history the forecast sees), per week and over weeks 2-5 together, and the time the
forecasts took (ms, weeks 2-5 together; auto's includes its own backtests). A last row per
history gives the same figures for the AHT forecast, intervals weighted by their actual calls.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from kpi.anonymous_bank import parse_bank_calls, to_call_record
from kpi.records import seconds_between
from scheduling.forecast import METHODS, Choice, History, bias, forecast, history_from_calls, wape

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "anonymous_bank"
SITE = ZoneInfo("Asia/Jerusalem")
INTERVAL_MINUTES = 30
OCTOBER = date(1999, 10, 1)
WEEKS = [(OCTOBER + timedelta(days=7 * k), 7 if k < 4 else 3) for k in range(1, 5)]
CHOICES: tuple[Choice, ...] = (*METHODS, "auto")
LABELS = {
    "seasonal_naive": "seasonal naive (baseline)",
    "seasonal_baseline": "seasonal_baseline",
    "exponential_smoothing": "exponential_smoothing",
    "auto": "auto",
}
AHT_LABEL = "AHT (calls-weighted)"
SHORT = {"seasonal_naive": "naive", "seasonal_baseline": "base", "exponential_smoothing": "ES"}
Call = tuple[str, datetime, float | None]  # queue, offered at (local clock), handle seconds


def load(path: Path) -> tuple[set[date], list[Call]]:
    """The file's recorded days and its offered calls."""
    rows = parse_bank_calls(path.read_text())
    days = {row.day for row in rows}
    calls: list[Call] = []
    for row in rows:
        record = to_call_record(row, tz=SITE)
        if record is None or record.offered_at.date() not in days:
            continue  # not offered, or offered after midnight on a day the file does not hold
        handle = None
        if record.answered_at is not None and record.ended_at is not None:
            handle = seconds_between(record.answered_at, record.ended_at)
        calls.append((record.queue, record.offered_at.replace(tzinfo=None), handle))
    return days, calls


def history(
    name: str, days: set[date], calls: Iterable[Call], keep: Callable[[str], bool]
) -> History:
    picked = ((offered, handle) for queue, offered, handle in calls if keep(queue))
    return history_from_calls(name, INTERVAL_MINUTES, days, picked)


def joined(older: History, newer: History) -> History:
    """Two histories of one queue as one (the gap between them stays unrecorded)."""
    return History(
        newer.queue, newer.interval_minutes, older.days + newer.days,
        np.vstack([older.calls, newer.calls]), np.vstack([older.aht_seconds, newer.aht_seconds]),
    )  # fmt: skip


@dataclass
class Row:
    series: str
    variant: str
    label: str
    cells: list[str] = field(default_factory=list)
    seconds: float | None = 0.0


def run(
    series: str, variant: str, full: History, older: History | None, method: Choice
) -> list[Row]:
    """The method's row; with auto, also the AHT forecast's row (AHT does not depend on it)."""
    row, aht_row = Row(series, variant, LABELS[method]), Row(series, variant, AHT_LABEL)
    forecasts, actuals, aht_forecasts, aht_actuals = [], [], [], []
    for start, length in WEEKS:
        train = full.before(start)
        if older is not None:
            train = joined(older, train)
        began = time.perf_counter()
        result = forecast(train, length, method)
        assert row.seconds is not None
        row.seconds += time.perf_counter() - began
        first = full.days.index(start)
        actual, aht = full.calls[first : first + length], full.aht_seconds[first : first + length]
        forecasts.append(result.calls)
        actuals.append(actual)
        picked = f" {SHORT[result.method]}" if method == "auto" else ""
        row.cells.append(f"{cell(result.calls, actual)}{picked}")
        weights = np.where(aht > 0, actual, 0.0)  # calls-weighted, intervals with an AHT
        aht_forecasts.append(weights * result.aht_seconds)
        aht_actuals.append(weights * aht)
        aht_row.cells.append(cell(aht_forecasts[-1], aht_actuals[-1]))
    row.cells.append(cell(np.concatenate(forecasts), np.concatenate(actuals)))
    aht_row.cells.append(cell(np.concatenate(aht_forecasts), np.concatenate(aht_actuals)))
    aht_row.seconds = None
    return [row, aht_row] if method == "auto" else [row]


def cell(predicted: np.ndarray, actual: np.ndarray) -> str:
    return f"{100 * wape(predicted, actual):5.1f} ({100 * bias(predicted, actual):+5.1f})"


def print_table(rows: list[Row]) -> None:
    header = ["series", "history", "method",
              *(f"week {k + 2} from {start:%b %d}" for k, (start, _) in enumerate(WEEKS)),
              "weeks 2-5", "ms"]  # fmt: skip
    table = [header] + [
        [
            r.series,
            r.variant,
            r.label,
            *r.cells,
            "" if r.seconds is None else f"{1000 * r.seconds:.0f}",
        ]
        for r in rows
    ]
    widths = [max(len(line[k]) for line in table) for k in range(len(header))]
    for line in table:
        print(
            "  ".join(
                c.ljust(w) if k < 3 else c.rjust(w)
                for k, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    began = time.perf_counter()
    october_days, october = load(args.data / "october.txt")
    january_days, january = load(args.data / "january.txt")
    print(
        f"Loaded {len(october):,} October and {len(january):,} January offered calls "
        f"in {time.perf_counter() - began:.1f} s"
    )
    print("Cells: WAPE % (bias %, + = forecast too high) of calls per interval; auto also names")
    print("the method it picked. The AHT row: the same figures for AHT, each interval weighted by")
    print("its actual calls (the AHT forecast is the same whatever the method).")
    rows: list[Row] = []
    for series, keep in (("all queues", lambda q: True), ("PS", lambda q: q == "PS")):
        full = history(series, october_days, october, keep)
        older = history(series, january_days, january, keep)
        for variant, extra in (("Oct", None), ("Jan+Oct", older)):
            for method in CHOICES:
                rows.extend(run(series, variant, full, extra, method))
    print_table(rows)
    print(f"Total {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
