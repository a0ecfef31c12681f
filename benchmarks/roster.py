"""Benchmark of the roster (scheduling/roster.py) on generated instances of growing size.

For each instance: status, objective, bound, gap, wall time, shortage, the objective of the
greedy start, and the hard-rule violations the independent validator of the tests finds in
the roster (must be 0); the validator also recomputes every figure and the objective.

    .venv/bin/python benchmarks/roster.py [--quick] [--only NAME] [--workers N]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scheduling.roster import Params, parse_instance, roster_to_json, solve
from scheduling.roster_bound import relax
from scheduling.roster_domain import facts, penalties
from scheduling.roster_greedy import greedy_plan

ROOT = Path(__file__).resolve().parent.parent
Doc = dict[str, Any]
SLOT = 15
PER_DAY = 1440 // SLOT
SHIFTS = [  # name, start hour, hours
    ("E6", 6, 8), ("E7", 7, 8), ("D8", 8, 8), ("D10", 10, 8), ("M12", 12, 8),
    ("L13", 13, 8), ("L14", 14, 8), ("P9", 9, 4), ("P17", 17, 4),
]


@dataclass(frozen=True)
class Case:
    name: str
    agents: int
    days: int
    queues: int
    time_limit: float
    seed: int


def shifts() -> list[Doc]:
    return [{"name": n, "start": h * PER_DAY // 24, "length": length * PER_DAY // 24}
            for n, h, length in SHIFTS]


def curve(days: int, scale: float, rng: np.random.Generator) -> list[int]:
    """Agents needed per slot: morning and afternoon peaks 07:00-22:00, quieter weekends."""
    hours = np.arange(PER_DAY) * SLOT / 60
    shape = np.exp(-(((hours - 10.5) / 2.5) ** 2)) + 0.8 * np.exp(-(((hours - 16) / 2.8) ** 2))
    shape = np.where((hours >= 7) & (hours < 22), shape + 0.25, 0.0)
    need: list[int] = []
    for day in range(days):
        factor = 1.0 if day % 7 < 5 else 0.6
        need.extend(int(v) for v in rng.poisson(scale * factor * shape))
    return need


def agent(index: int, days: int, queues: list[str], rng: np.random.Generator) -> Doc:
    full = rng.random() < 0.7
    weekly = 2400 if full else 1200
    doc: Doc = {"id": f"a{index:03d}", "name": f"Agent {index}", "weekly_minutes": weekly,
                "tolerance_minutes": 240}
    if len(queues) > 1:
        doc["skills"] = list(queues) if rng.random() < 0.25 else [queues[index % len(queues)]]
    leave = [d for d in range(days) if rng.random() < 0.04]
    doc["time_off"] = [{"day": d, "credit_minutes": weekly // 5} for d in leave]
    if rng.random() < 0.2:
        day = int(rng.integers(days))
        if day not in leave:
            doc["unavailable"] = [{"day": day, "from": 0, "to": 12 * PER_DAY // 24}]
    wishes: list[Doc] = []
    for week in range(0, days, 7):
        if rng.random() < 0.3:
            wishes.append({"kind": "day_off", "day": min(days - 1, week + int(rng.integers(7)))})
    if rng.random() < 0.1:
        wishes.append({"kind": "avoid", "shift": "L14"})
    doc["wishes"] = wishes
    doc["history"] = {"days_worked": int(rng.integers(0, 6)), "last_end": -int(rng.integers(8, 40))}
    return doc


def instance(case: Case) -> Doc:
    rng = np.random.default_rng(case.seed)
    queues = ["sales", "support", "billing"][: case.queues]
    agents = [agent(i, case.days, queues, rng) for i in range(case.agents)]
    capacity = sum(a["weekly_minutes"] for a in agents) / 60 * case.days / 7  # agent-hours
    hours = np.arange(PER_DAY) * SLOT / 60
    shape = np.exp(-(((hours - 10.5) / 2.5) ** 2)) + 0.8 * np.exp(-(((hours - 16) / 2.8) ** 2))
    shape = np.where((hours >= 7) & (hours < 22), shape + 0.25, 0.0)
    weekly_shape_hours = float(shape.sum()) * SLOT / 60 * (5 + 2 * 0.6) / 7 * case.days
    scale = 0.92 * capacity / weekly_shape_hours / len(queues)
    requirement = {q: curve(case.days, scale, rng) for q in queues}
    return {"slot_minutes": SLOT, "days": case.days, "first_weekday": 0, "shifts": shifts(),
            "requirement": requirement if len(queues) > 1 else requirement[queues[0]],
            "rules": {"min_rest_minutes": 660, "max_consecutive_days": 6,
                      "max_shifts_per_week": 5},
            "agents": agents}


def cases(quick: bool) -> list[Case]:
    if quick:
        return [Case("20x1w", 20, 7, 1, 5, 1), Case("100x1w", 100, 7, 2, 15, 2),
                Case("300x2w", 300, 14, 2, 30, 3)]
    return [
        Case("20x1w", 20, 7, 1, 10, 1),
        Case("100x1w", 100, 7, 2, 30, 2),
        Case("300x2w", 300, 14, 2, 60, 3),
        Case("500x31d", 500, 31, 2, 180, 4),  # a long month: four weeks and three days
    ]


def load_validator() -> Any:
    path = ROOT / "tests" / "scheduling" / "test_roster_validator.py"
    spec = importlib.util.spec_from_file_location("roster_validator", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller cases, shorter limits")
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    validator = load_validator()
    print(f"python {sys.version.split()[0]}, workers {args.workers}")
    header = (f"{'case':8} {'vars':>7} {'limit':>5} {'status':9} {'objective':>10} {'bound':>10} "
              f"{'gap%':>6} {'time_s':>7} {'short':>6} {'greedy':>10} {'viol':>4}")
    print(header)
    for case in cases(args.quick):
        if args.only and args.only not in case.name:
            continue
        print(run(case, args.workers, validator), flush=True)
    print("\nvars: agent x day x shift x queue choices offered; short: agent-slots short;")
    print("greedy: objective of the greedy start; viol: hard-rule violations found by the")
    print("validator of the tests (which also recomputes every figure and the objective).")


def run(case: Case, workers: int, validator: Any) -> str:
    doc = instance(case)
    parsed = parse_instance(doc)
    known = facts(parsed)
    relaxation = relax(parsed, known, case.time_limit)
    board, _ = greedy_plan(parsed, known, relaxation.class_of, relaxation.targets)
    greedy = sum(t.cost for t in penalties(parsed, board.plan))
    choices = sum(int(m.sum()) * len(a.skills) for m, a in zip(known.offered, parsed.agents,
                                                               strict=True))
    started = time.perf_counter()
    result = roster_to_json(solve(parsed, Params(case.time_limit, workers, 0)))
    wall = time.perf_counter() - started
    found = validator.violations(doc, result) if result["agents"] else ["no roster"]
    validator.check_figures(doc, result)
    objective, bound = result["objective"], result["bound"]
    gap = f"{100 * result['gap']:.2f}" if bound is not None else "-"
    return (f"{case.name:8} {choices:7d} {case.time_limit:5g} {result['status']:9} "
            f"{objective!s:>10} {bound!s:>10} {gap:>6} {wall:7.1f} "
            f"{result['shortage_total']!s:>6} {greedy:10d} {len(found):4d}")


if __name__ == "__main__":
    main()
