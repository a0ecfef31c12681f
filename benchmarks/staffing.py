"""Staffing: smena against pyworkforce (peer), both checked against an exact reference.

Run in the benchmark environment: `.venv-bench/bin/python benchmarks/staffing.py`.
For every case it prints the agents each library asks for, whether that is the smallest
count meeting the targets (by the 50-digit reference in tests/scheduling), the largest
relative error of the reported figures against the reference at that count, and the
time each library takes (smena: best of several runs; pyworkforce: one run in a child
process, given up after --timeout seconds). Then it times a day of 96 intervals x 20 queues
(smena: median and best of --repeats runs), in both models; the peer's Erlang A, which
takes up to seconds a case, on every --peer-every-th interval of that day, beside smena on
the same cases.
Without pyworkforce installed it says so and reports smena alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "scheduling"))
from test_staffing_reference import (
    Exact,
    erlang_a_at,
    erlang_c_at,
    erlang_c_staffing,
)

from scheduling.staffing import StaffingCase, solve

try:
    import pyworkforce
    from pyworkforce.queuing import ErlangA, ErlangC
except ImportError as missing:
    PEER: str | None = None
    PEER_MISSING = str(missing)
else:
    PEER = f"pyworkforce {getattr(pyworkforce, '__version__', '')}".strip()
    PEER_MISSING = ""

FIGURES = ("service_level", "asa_seconds", "probability_wait", "occupancy", "abandon_rate")
LARGE_FOR_CHAIN = 200.0  # Erlangs: above this the reference uses the closed form


def case(name: str, calls: float, **fields: Any) -> StaffingCase:
    base: dict[str, Any] = {"id": name, "calls": calls, "interval_minutes": 30,
                            "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 20}
    return StaffingCase(**(base | fields))


ERLANG_C = [
    case("zero volume", 0),
    case("0.1 E", 1),
    case("spec example", 100, max_occupancy=0.85, shrinkage=0.3),
    case("10 E, SL 0.999999 in 1 s", 100, service_level=0.999999, answer_seconds=1),
    case("100 E, 90/15", 1000, service_level=0.9, answer_seconds=15),
    case("1,000 E, 80/20", 10_000),
    case("1,000 E, Pw <= 1e-9", 10_000, service_level=1 - 1e-9, answer_seconds=0),
    case("999.99999 E, SL 1e-6", 9999.9999, service_level=1e-6),  # N - a = 1e-5
    case("10,000 E, 80/20", 100_000),
    case("50,000 E, 80/20", 500_000),
    case("50,000 E, SL 0.999999 in 1 s", 500_000, service_level=0.999999, answer_seconds=1),
    case("50,000 E, occupancy <= 0.9", 500_000, service_level=0.5, max_occupancy=0.9),
]
ERLANG_A = [
    case("zero volume, patience 60 s", 0, patience_seconds=60),
    case("1 E, patience 60 s", 10, patience_seconds=60),
    case("10 E, patience 120 s", 100, patience_seconds=120),
    case("10 E, patience 30 s, 90/20", 100, patience_seconds=30, service_level=0.9),
    case("100 E, patience 300 s", 1000, patience_seconds=300),
    case("100 E, patience 300 s, SL 1e-6", 1000, patience_seconds=300, service_level=1e-6),
    case("1,000 E, patience 120 s", 10_000, patience_seconds=120),
    case("50,000 E, patience 120 s", 500_000, patience_seconds=120),
    case("50,000 E, patience 1 h", 500_000, patience_seconds=3600),
]


def best_time(run: Callable[[], object], repeats: int = 7) -> float:
    """Best of `repeats` wall-clock runs, in seconds (the machine may be shared)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def relative_error(got: dict[str, float | None], exact: Exact, names: tuple[str, ...]) -> float:
    worst = 0.0
    for name in names:
        value, want = got.get(name), float(getattr(exact, name))
        if value is None:
            continue
        worst = max(worst, abs(value - want) / abs(want) if want else abs(value))
    return worst


# The peer, in a child process so that a run that never ends can be stopped.


def _peer_run(c: StaffingCase, out: Any) -> None:
    try:
        start = time.perf_counter()
        result = _peer_call(c)
        out.put((result, time.perf_counter() - start))
    except Exception as error:  # the peer refuses some inputs: report, do not stop
        reason = str(error).split(",")[0].replace("must be a positive number", "must be > 0")
        out.put(({"error": f"refused: {reason}"}, 0.0))


def _peer_call(c: StaffingCase) -> dict[str, Any]:
    common = {"transactions": c.calls, "aht": c.aht_seconds / 60, "asa": c.answer_seconds / 60,
              "interval": c.interval_minutes, "shrinkage": c.shrinkage}
    occupancy = c.max_occupancy or 1.0
    if c.patience_seconds is None:
        got = ErlangC(**common).required_positions(c.service_level, occupancy)
        return {"agents": got["raw_positions"], "positions": got["positions"],
                "service_level": got["service_level"], "occupancy": got["occupancy"],
                "probability_wait": got["waiting_probability"]}
    peer = ErlangA(**common, patience=c.patience_seconds / 60)
    got = peer.required_positions(c.service_level, occupancy)
    return {"agents": got["raw_positions"], "positions": got["positions"],
            "service_level": got["service_level"], "occupancy": got["occupancy"],
            "probability_wait": got["waiting_probability"],
            "abandon_rate": got["abandonment_probability"]}


def peer(c: StaffingCase, timeout: float) -> tuple[dict[str, Any], float]:
    if PEER is None:
        return {"error": "not installed"}, 0.0
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    child = context.Process(target=_peer_run, args=(c, out), daemon=True)
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return {"error": f"gave up after {timeout:.0f} s"}, timeout
    result, seconds = out.get()
    return result, seconds


# The table.


def reference(c: StaffingCase, n: int) -> Exact:
    if c.patience_seconds is None:
        return erlang_c_at(c, n)
    tagged = "chain" if c.traffic_erlangs <= LARGE_FOR_CHAIN else "closed_form"
    return erlang_a_at(c, n, tagged=tagged)


def smallest(c: StaffingCase, n: int) -> str:
    """Whether n is the smallest count meeting the targets, by the reference."""
    if c.traffic_erlangs == 0:
        return "yes" if n == 0 else "NO"
    if c.patience_seconds is None:
        allowed, _ = erlang_c_staffing(c)  # the smallest, and its neighbour on a 1e-12 tie
        return "yes" if n in allowed else f"NO ({allowed[-1]})"
    return "yes" if meets(c, n) and not meets(c, n - 1) else "NO"


def meets(c: StaffingCase, n: int) -> bool:
    if n <= 0:
        return False
    exact = reference(c, n)
    return bool(exact.service_level >= c.service_level
                and exact.occupancy <= (c.max_occupancy or 1.0) * (1 + 1e-12))


def row(c: StaffingCase, timeout: float) -> list[str]:
    [mine] = solve([c])
    mine_time = best_time(lambda: solve([c]))
    mine_ok = smallest(c, mine.agents)
    names = FIGURES if c.patience_seconds is not None else FIGURES[:4]
    exact = reference(c, mine.agents) if mine.agents else None
    mine_err = relative_error(dataclasses.asdict(mine), exact, names) if exact else 0.0
    theirs, their_time = peer(c, timeout)
    cells = [c.id, f"{c.traffic_erlangs:,.4g}", f"{mine.agents}/{mine.positions}", mine_ok,
             f"{mine_err:.1e}", f"{mine_time * 1e3:.2f}"]
    if "error" in theirs:
        return [*cells, "  " + theirs["error"], "", "", "", ""]
    n = int(theirs["agents"])
    their_ok = smallest(c, n)
    their_err = relative_error(theirs, reference(c, n), names) if n else 0.0
    ratio = their_time / mine_time if mine_time else float("nan")
    shown = f"{ratio:,.1f}x" if ratio < 10 else f"{ratio:,.0f}x"
    return [*cells, f"{n}/{theirs['positions']}", their_ok, f"{their_err:.1e}",
            f"{their_time * 1e3:.1f}", shown]


HEADER = ["case", "traffic E", "agents/pos", "fewest?", "max rel err", "ms",
          "agents/pos", "fewest?", "max rel err", "ms", "peer/smena"]


def print_table(title: str, rows: list[list[str]]) -> None:
    widths = [max(len(r[k]) for r in [HEADER, *rows] if r[7] or k < 6)  # refusals overflow
              for k in range(len(HEADER))]
    print(f"\n{title}")
    mine = sum(widths[2:6]) + 2 * 3
    print(" " * (sum(widths[:2]) + 2) + "  " + "smena".center(mine, "-") + "  "
          + (PEER or "peer").center(sum(widths[6:]) + 2 * 4, "-"))
    for r in [HEADER, *rows]:
        print("  ".join(cell.rjust(w) if k else cell.ljust(w)
                        for k, (cell, w) in enumerate(zip(r, widths, strict=True))).rstrip())


def day(seed: int, *, patience: bool) -> list[StaffingCase]:
    """96 quarter-hours x 20 queues: a daily volume curve, handle times and patience per queue."""
    rng = np.random.default_rng(seed)
    curve = np.exp(-((np.arange(96) - 50) / 18.0) ** 2)
    cases = []
    for queue in range(20):
        peak, aht = rng.uniform(20, 600), rng.uniform(120, 600)
        patience_s = rng.uniform(60, 900) if patience else None
        for slot in range(96):
            cases.append(case(f"q{queue}-{slot}", float(peak * curve[slot]),
                              interval_minutes=15, aht_seconds=float(aht),
                              service_level=0.8, answer_seconds=20, max_occupancy=0.9,
                              shrinkage=0.3,
                              patience_seconds=None if patience_s is None else float(patience_s)))
    return cases


def median_time(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and best of `repeats` wall-clock runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def peer_total(cases: list[StaffingCase], timeout: float) -> tuple[float, int, str]:
    """The peer's time for the cases one by one (each in a child, as in the table), how many
    it answered, and the first refusal or time-out."""
    seconds, answered, trouble = 0.0, 0, ""
    for c in cases:
        result, spent = peer(c, timeout)
        seconds += spent
        if "error" in result:
            trouble = trouble or f"{c.id}: {result['error']}"
        else:
            answered += 1
    return seconds, answered, trouble


def day_report(timeout: float, repeats: int, peer_every: int) -> None:
    print(f"\nA day of 96 intervals x 20 queues (1,920 cases): median (best) of {repeats} runs")
    for label, patience in (("Erlang C", False), ("Erlang A", True)):
        cases = day(11, patience=patience)
        busiest = max(c.traffic_erlangs for c in cases)
        solve(cases)  # warm up
        median, best = median_time(lambda cases=cases: solve(cases), repeats)
        line = (f"  {label} (up to {busiest:.0f} Erlangs): smena {median * 1e3:.1f} ms"
                f" ({best * 1e3:.1f})")
        if PEER is not None and not patience:
            start = time.perf_counter()
            for c in cases:
                if c.calls > 0:
                    _peer_call(c)
            peer_seconds = time.perf_counter() - start
            line += (f"; {PEER} {peer_seconds * 1e3:,.0f} ms (one run, zero-volume intervals "
                     f"skipped: it refuses them), ratio {peer_seconds / median:,.0f}x")
        print(line)
        if PEER is not None and patience:
            # the peer's Erlang A takes up to seconds a case: every n-th interval of each queue
            some = [c for k, c in enumerate(cases) if k % peer_every == 0 and c.calls > 0]
            mine, _ = median_time(lambda some=some: solve(some), repeats)
            theirs, answered, trouble = peer_total(some, timeout)
            print(f"  Erlang A, 1 interval in {peer_every} ({len(some)} cases): smena "
                  f"{mine * 1e3:.1f} ms; {PEER} {theirs:,.1f} s (one run, {answered} answered"
                  + (f"; {trouble}" if trouble else "") + f"), ratio {theirs / mine:,.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="per peer case, seconds")
    parser.add_argument("--repeats", type=int, default=15, help="runs of each day timing")
    parser.add_argument("--peer-every", type=int, default=16,
                        help="the peer's Erlang A day: every n-th interval of each queue")
    parser.add_argument("--day-only", action="store_true", help="skip the tables")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}; peer: "
          + (PEER or f"not importable ({PEER_MISSING}): smena's figures only"))
    print("fewest? = the smallest agent count meeting the targets, by the exact reference;"
          " max rel err over SL, ASA, Pw, occupancy (and abandon rate) at the count given;"
          " agents/pos = agents on the phones / positions after shrinkage")
    print("pyworkforce's ASA is left out: its Erlang C reports none, its Erlang A averages"
          " the wait over all callers, those who hang up included")
    if not args.day_only:
        print_table("Erlang C", [row(c, args.timeout) for c in ERLANG_C])
        print_table("Erlang A (M/M/N+M)", [row(c, args.timeout) for c in ERLANG_A])
    day_report(args.timeout, args.repeats, args.peer_every)


if __name__ == "__main__":
    main()
