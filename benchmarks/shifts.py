"""Benchmark of shift design (specs/shifts.md) on generated instances of growing size.

For each instance: smena's status, objective, bound, gap and time, and the figures of its
design (under, over, distinct shifts, paid hours), each recomputed here from the counts.
Where the instance fits pyworkforce's model (shifts inside one day, days independent, no
distinct-shift term), pyworkforce's MinAbsDifference and MinRequiredResources are run on
the same requirement and candidate shifts, and their coverage and hours set beside ours.

    .venv-bench/bin/python benchmarks/shifts.py [--only NAME] [--time-limit S] [--workers N]
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from scheduling.shifts import Params, design, parse_instance
from scheduling.shifts_domain import candidates

Doc = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    doc: Doc
    time_limit: float
    peer: bool  # fits pyworkforce: non-cyclic, every shift inside its day, no shift weight


def requirement(slot_minutes: int, days: int, peak: float, seed: int) -> list[int]:
    """Agents needed per slot: morning and afternoon peaks, quieter weekend, Poisson noise."""
    rng = np.random.default_rng(seed)
    slots = 1440 // slot_minutes
    hours = np.arange(slots) * slot_minutes / 60
    shape = np.exp(-(((hours - 10.5) / 2.3) ** 2)) + 0.75 * np.exp(-(((hours - 16) / 2.6) ** 2))
    shape = np.where((hours >= 7) & (hours < 22), shape + 0.12, shape * 0.3)
    need = []
    for day in range(days):
        scale = peak * (1.0 if day % 7 < 5 else 0.55)
        need.extend(int(v) for v in rng.poisson(scale * shape))
    return need


def shift_type(name: str, start: tuple[float, float], hours: tuple[float, float], per_hour: int
               ) -> Doc:
    return {"name": name, "start_earliest": int(start[0] * per_hour),
            "start_latest": int(start[1] * per_hour), "length_min": int(hours[0] * per_hour),
            "length_max": int(hours[1] * per_hour)}


def instance(slot_minutes: int, days: int, cyclic: bool, types: list[Doc], shift_weight: float,
             peak: float, seed: int) -> Doc:
    return {"slot_minutes": slot_minutes, "days": days, "cyclic": cyclic,
            "requirement": requirement(slot_minutes, days, peak, seed), "shift_types": types,
            "weights": {"under": 1, "over": 1, "shift": shift_weight},
            "max_agents_per_shift": None}


def cases() -> list[Case]:
    day_types = [((6, 9), (6, 9)), ((11, 14), (6, 9))]  # starts, lengths in hours; end by 23:00
    wide = [((0, 7.75), (4, 10)), ((4, 11.75), (4, 10)), ((8, 15.75), (4, 10)),
            ((12, 19.75), (4, 10)), ((16, 23.75), (4, 10)), ((20, 23.75), (4, 10))]
    spec = [((5, 9), (7, 9)), ((13, 16), (7, 9))]

    def types(windows: list[Any], per_hour: int) -> list[Doc]:
        return [shift_type(f"T{i}", s, h, per_hour) for i, (s, h) in enumerate(windows)]

    return [
        Case("day-60m", instance(60, 1, False, types(day_types, 1), 0, 20, 1), 10, True),
        Case("week-60m", instance(60, 7, False, types(day_types, 1), 0, 30, 2), 10, True),
        Case("week-30m", instance(30, 7, False, types(day_types, 2), 0, 40, 3), 20, True),
        Case("week-15m", instance(15, 7, False, types(day_types, 4), 0, 60, 4), 30, True),
        Case("spec-15m-cyclic", instance(15, 7, True, types(spec, 4), 0, 25, 5), 30, False),
        Case("spec-15m-w20", instance(15, 7, True, types(spec, 4), 20, 25, 5), 30, False),
        Case("wide6-15m", instance(15, 7, True, types(wide, 4), 0, 60, 6), 30, False),
        Case("wide6-15m-w10", instance(15, 7, True, types(wide, 4), 10, 60, 6), 30, False),
        Case("wide6-15m-w50", instance(15, 7, True, types(wide, 4), 50, 200, 7), 30, False),
    ]


def cover(doc: Doc, rows: list[tuple[int, int, list[int]]]) -> np.ndarray:
    """Head count per slot from (start, length, counts per day), by the contract's words."""
    slots = 1440 // doc["slot_minutes"]
    horizon = doc["days"] * slots
    head = np.zeros(horizon, dtype=np.int64)
    for start, length, counts in rows:
        for day, count in enumerate(counts):
            span = day * slots + start + np.arange(length)
            span = span % horizon if doc["cyclic"] else span[span < horizon]
            np.add.at(head, span, count)
    return head


def figures(doc: Doc, rows: list[tuple[int, int, list[int]]]) -> tuple[int, int, int, float]:
    """(under, over, distinct shifts, paid hours) of these rows."""
    gap = np.asarray(doc["requirement"]) - cover(doc, rows)
    hours = sum(n * sum(c) for _, n, c in rows) * doc["slot_minutes"] / 60
    return (int(gap.clip(0).sum()), int((-gap).clip(0).sum()),
            len({(s, n) for s, n, c in rows if any(c)}), hours)


def uncoverable(doc: Doc) -> int:
    """Slots with a requirement that no candidate shift covers on any day."""
    shifts = candidates(parse_instance(doc))
    rows = [(c.start, c.length, [1] * doc["days"]) for c in shifts]
    return int(((cover(doc, rows) == 0) & (np.asarray(doc["requirement"]) > 0)).sum())


def run_smena(case: Case, params: Params) -> tuple[Doc, float]:
    started = time.perf_counter()
    result = design(case.doc, params)
    wall = time.perf_counter() - started
    rows = [(s["start"], s["length"], s["counts"]) for s in result["shifts"]]
    under, over, distinct, _ = figures(case.doc, rows)
    w = case.doc["weights"]
    total = w["under"] * under + w["over"] * over + w["shift"] * distinct
    assert (under, over, distinct) == (result["under"], result["over"], result["distinct_shifts"])
    assert math.isclose(total, result["objective"], rel_tol=1e-6), (total, result["objective"])
    assert result["bound"] <= result["objective"] + 1e-6
    return result, wall


def run_peer(case: Case, kind: str, seconds: float) -> tuple[str, list[Any], float] | None:
    """pyworkforce on the same requirement and candidate shifts, or None if not installed."""
    try:
        from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources
    except ImportError:
        return None
    doc = case.doc
    slots = 1440 // doc["slot_minutes"]
    shifts = candidates(parse_instance(doc))
    coverage = {f"{c.start}+{c.length}": [int(c.start <= p < c.start + c.length)
                                         for p in range(slots)] for c in shifts}
    need = np.asarray(doc["requirement"]).reshape(doc["days"], slots).tolist()
    peak = int(max(doc["requirement"]))
    solver_class = MinAbsDifference if kind == "MinAbsDifference" else MinRequiredResources
    scheduler = solver_class(num_days=doc["days"], periods=slots, shifts_coverage=coverage,
                             required_resources=need, max_period_concurrency=peak * 10 + 10,
                             max_shift_concurrency=peak + 1, max_search_time=seconds,
                             num_search_workers=2)
    started = time.perf_counter()
    solution = scheduler.solve()
    wall = time.perf_counter() - started
    by_shift: dict[str, list[int]] = {}
    for row in solution["resources_shifts"]:
        if row["day"] >= 0:
            by_shift.setdefault(row["shift"], [0] * doc["days"])[row["day"]] = row["resources"]
    rows = [(int(k.split("+")[0]), int(k.split("+")[1]), v) for k, v in by_shift.items()]
    return solution["status"], rows, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the case of this name")
    parser.add_argument("--time-limit", type=float, help="override each case's time limit")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="skip pyworkforce")
    args = parser.parse_args()
    chosen = [c for c in cases() if args.only in (None, c.name)]
    print(f"{'case':16} {'slots':>5} {'cands':>5} {'w_shift':>7} {'status':9} {'objective':>9} "
          f"{'bound':>8} {'gap':>6} {'time_s':>6} {'under':>6} {'over':>6} {'shifts':>6} "
          f"{'hours':>7}")
    peers = []
    for case in chosen:
        limit = args.time_limit or case.time_limit
        result, wall = run_smena(case, Params(time_limit_seconds=limit, workers=args.workers))
        rows = [(s["start"], s["length"], s["counts"]) for s in result["shifts"]]
        hours = figures(case.doc, rows)[3]
        gap = (result["objective"] - result["bound"]) / max(result["objective"], 1e-9)
        print(f"{case.name:16} {len(case.doc['requirement']):5} "
              f"{len(candidates(parse_instance(case.doc))):5} "
              f"{case.doc['weights']['shift']:7g} {result['status']:9} {result['objective']:9g} "
              f"{result['bound']:8g} {gap:6.1%} {wall:6.1f} {result['under']:6} "
              f"{result['over']:6} {result['distinct_shifts']:6} {hours:7.1f}", flush=True)
        if case.peer and not args.no_peer:
            peers.append((case, limit, result, hours, wall))
    if not peers:
        return
    print("\npyworkforce on the same requirement and candidate shifts (days solved together):")
    print(f"{'case':16} {'solver':34} {'status':9} {'under':>6} {'over':>6} {'|diff|':>7} "
          f"{'hours':>7} {'time_s':>6}")
    for case, limit, ours, our_hours, our_wall in peers:
        print(f"{case.name:16} {'smena':34} {ours['status']:9} {ours['under']:6} "
              f"{ours['over']:6} {ours['under'] + ours['over']:7} {our_hours:7.1f} "
              f"{our_wall:6.1f}")
        for kind in ("MinAbsDifference", "MinRequiredResources"):
            peer = run_peer(case, kind, limit)
            if peer is None:
                print("  pyworkforce is not installed (make bench-env): skipped")
                return
            status, rows, wall = peer
            under, over, _, hours = figures(case.doc, rows)
            print(f"{case.name:16} {'pyworkforce ' + kind:34} {status:9} {under:6} {over:6} "
                  f"{under + over:7} {hours:7.1f} {wall:6.1f}", flush=True)
            if status == "INFEASIBLE":
                print(f"{'':16} (cover >= requirement everywhere is impossible: "
                      f"{uncoverable(case.doc)} slots need agents that no shift covers)")


if __name__ == "__main__":
    main()
