"""Benchmark of break scheduling (specs/breaks.md) on generated instances.

For each instance: smena's status, objective, bound, gap and time; the objective of two naive
plans (every break in the middle of its window; agents staggered one slot apart); and, where
the instance fits its model, pyworkforce's BreakScheduler. Every plan is checked against the
hard rules by the independent checker of the tests.

    .venv-bench/bin/python benchmarks/breaks.py [--only NAME] [--time-limit S] [--workers N]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from scheduling.breaks import AgentReason, Params, parse_instance, plan_to_json, solve
from scheduling.breaks_windows import start_ranges

ROOT = Path(__file__).resolve().parent.parent
Doc = dict[str, Any]

# Break templates by shift length (slots of 5 min): (name, length, earliest, latest) from
# the shift start; windows up to 3 hours.
TEMPLATES: dict[int, list[tuple[str, int, int, int]]] = {
    72: [("break1", 3, 18, 36), ("break2", 3, 42, 60)],
    96: [("break1", 3, 18, 36), ("lunch", 6, 36, 60), ("break2", 3, 63, 84)],
    120: [
        ("break1", 3, 18, 36),
        ("lunch", 6, 42, 66),
        ("break2", 3, 72, 90),
        ("break3", 3, 96, 108),
    ],
    144: [
        ("break1", 3, 18, 36),
        ("lunch", 6, 42, 72),
        ("break2", 3, 78, 96),
        ("dinner", 6, 96, 120),
        ("break3", 3, 120, 132),
    ],
}
# A 12-hour shift with eight short screen breaks and a lunch: nine breaks.
SCREEN_BREAKS = (
    [("screen1", 2, 8, 20)]
    + [(f"screen{i}", 2, 12 * i - 6, 12 * i + 6) for i in range(2, 5)]
    + [("lunch", 6, 50, 74)]
    + [(f"screen{i}", 2, 12 * i + 2, 12 * i + 14) for i in range(5, 9)]
)


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], Doc]
    time_limit: float

    @cached_property
    def doc(self) -> Doc:
        return self.make()


def demand_curve(slots: int, rng: np.random.Generator) -> np.ndarray:
    """Relative demand over the day: a morning and an afternoon peak, quiet at night."""
    hours = (np.arange(slots) * 5 / 60) % 24
    curve = (
        0.15
        + np.exp(-(((hours - 10.5) / 2.2) ** 2))
        + 0.85 * np.exp(-(((hours - 15.5) / 2.5) ** 2))
    )
    return curve * rng.uniform(0.95, 1.05, size=slots)


def generate(
    agents: int,
    *,
    seed: int,
    slots: int = 288,
    tightness: float = 0.9,
    screen_share: float = 0.0,
    jitter: int = 3,
    rules: bool = True,
    lengths: tuple[int, ...] = (72, 96, 96, 96, 120, 144),
) -> Doc:
    """Shifts drawn where demand is, breaks from templates, requirement near the staffing."""
    rng = np.random.default_rng(seed)
    curve = demand_curve(slots, rng)
    docs = []
    for i in range(agents):
        length = int(rng.choice(np.array(lengths))) if rng.random() >= screen_share else 144
        starts = np.arange(0, slots - length + 1, 3)
        weights = np.array([curve[s : s + length].mean() for s in starts]) ** 2
        start = int(rng.choice(starts, p=weights / weights.sum()))
        template = (
            SCREEN_BREAKS
            if length == 144 and screen_share and rng.random() < 0.7
            else TEMPLATES[length]
        )
        breaks = []
        for name, blen, early, late in template:
            shift_by = int(rng.integers(-jitter, jitter + 1)) if jitter else 0
            breaks.append(
                {
                    "name": name,
                    "length": blen,
                    "earliest": start + early + shift_by,
                    "latest": start + late + shift_by,
                }
            )
        docs.append({"id": f"a{i:04d}", "shift": [start, start + length], "breaks": breaks})
    on_shift = np.zeros(slots, dtype=int)
    for d in docs:
        on_shift[d["shift"][0] : d["shift"][1]] += 1
    noise = rng.uniform(tightness - 0.05, tightness + 0.05, size=slots)
    requirement = np.floor(on_shift * noise).astype(int)
    doc: Doc = {
        "slot_minutes": 5,
        "slots": slots,
        "requirement": requirement.tolist(),
        "agents": docs,
    }
    if rules:
        doc["rules"] = {"min_work": 6, "max_work": 30 if screen_share == 0 else 36}
    return doc


def fix_some(doc: Doc, share: float, seed: int) -> Doc:
    """Fix one break of a share of the agents where a naive plan puts it (set by hand)."""
    rng = np.random.default_rng(seed)
    plan = naive_starts(doc, staggered=True)
    for agent, starts in zip(doc["agents"], plan, strict=True):
        if agent["breaks"] and rng.random() < share:
            k = int(rng.integers(len(agent["breaks"])))
            agent["fixed"] = {agent["breaks"][k]["name"]: starts[k]}
    return doc


def replan(doc: Doc, now: int, *, seed: int, time_limit: float) -> Doc:
    """The rest of the day: breaks of this morning's plan that started before `now` are kept,
    and the afternoon requirement has gone up since the morning."""
    plan = plan_to_json(
        solve(parse_instance(doc), Params(time_limit_seconds=time_limit, seed=seed))
    )
    taken = {(b["agent"], b["name"]): b["start"] for b in plan["breaks"]}
    for agent in doc["agents"]:
        fixed = {
            b["name"]: taken[(agent["id"], b["name"])]
            for b in agent["breaks"]
            if taken[(agent["id"], b["name"])] < now
        }
        if fixed:
            agent["fixed"] = fixed
    rng = np.random.default_rng(seed)
    bump = rng.uniform(0.98, 1.08, size=doc["slots"] - now)
    doc["requirement"][now:] = [
        int(r * b) for r, b in zip(doc["requirement"][now:], bump, strict=True)
    ]
    doc["not_before"] = now
    return doc


def with_caps(doc: Doc, share: float) -> Doc:
    """A cap per slot: at most `share` of the agents on shift, at least one, on a break."""
    on_shift = np.zeros(doc["slots"], dtype=int)
    for d in doc["agents"]:
        on_shift[d["shift"][0] : d["shift"][1]] += 1
    doc["max_on_break"] = [max(1, math.ceil(share * n)) for n in on_shift]
    return doc


def break_some(doc: Doc) -> Doc:
    """Three agents whose own rules cannot hold: an empty window, a fixed break outside its
    window, and windows too far apart for max_work."""
    a, b, c = doc["agents"][:3]
    a["breaks"][0]["latest"] = a["breaks"][0]["earliest"] - 2
    b["fixed"] = {b["breaks"][0]["name"]: b["breaks"][0]["latest"] + 4}
    end, last = c["shift"][1], c["breaks"][-1]
    last["earliest"], last["latest"] = end - last["length"] - 9, end - last["length"] - 6
    c["breaks"][-2]["earliest"], c["breaks"][-2]["latest"] = end - 66, end - 60
    return doc


def naive_starts(doc: Doc, *, staggered: bool) -> list[list[int]]:
    """Each break in the middle of its window, or agents staggered one slot apart per window;
    moved only as far as the agent's own rules need."""
    instance = parse_instance(doc)
    rules = doc.get("rules") or {}
    min_work, max_work = rules.get("min_work") or 0, rules.get("max_work") or 10**9
    seen: dict[tuple[int, int], int] = {}
    plans = []
    for agent in instance.agents:
        ranges = start_ranges(agent, instance)
        assert not isinstance(ranges, AgentReason), ranges
        starts: list[int] = []
        for k, (brk, rng) in enumerate(zip(agent.breaks, ranges, strict=True)):
            lo, hi = rng.lo, rng.hi
            if k:
                lo = max(lo, starts[-1] + agent.breaks[k - 1].length + min_work)
                hi = min(hi, starts[-1] + agent.breaks[k - 1].length + max_work)
            if staggered:
                turn = seen.get((brk.earliest, brk.latest), 0)
                seen[(brk.earliest, brk.latest)] = turn + 1
                want = brk.earliest + turn % (brk.latest - brk.earliest + 1)
            else:
                want = (brk.earliest + brk.latest) // 2
            starts.append(min(max(want, lo), hi))
        plans.append(starts)
    return plans


def as_plan(doc: Doc, starts: list[list[int]]) -> Doc:
    """A plan JSON for given starts, with the objective recomputed by the checker."""
    breaks = [
        {"agent": a["id"], "name": b["name"], "start": s}
        for a, agent_starts in zip(doc["agents"], starts, strict=True)
        for b, s in zip(a["breaks"], agent_starts, strict=True)
    ]
    return {"status": "FEASIBLE", "breaks": breaks}


def load_checker() -> Any:
    path = ROOT / "tests" / "scheduling" / "breaks_checker.py"
    spec = importlib.util.spec_from_file_location("breaks_checker", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pyworkforce_misfit(doc: Doc) -> str | None:
    """Why the instance does not fit pyworkforce's BreakScheduler, or None when it does."""
    if doc.get("not_before"):
        return "no re-planning (not_before) in its model"
    if any(a.get("fixed") for a in doc["agents"]):
        return "no fixed breaks in its model"
    rules = doc.get("rules") or {}
    if rules.get("min_work") or rules.get("max_work") is not None:
        return "no min_work/max_work in its model"
    shapes = {_shape(a) for a in doc["agents"]}
    if len(shapes) != 1:
        return "its windows are offsets from shift start and end shared by all agents"
    breaks = doc["agents"][0]["breaks"]
    if any(b["earliest"] < a["latest"] for a, b in itertools.pairwise(breaks)):
        return "overlapping windows: it does not keep the order of breaks"
    return None


def _shape(agent: Doc) -> tuple[tuple[str, int, int, int], ...]:
    start, end = agent["shift"]
    return tuple(
        (b["name"], b["length"], b["earliest"] - start, end - b["latest"] - b["length"])
        for b in agent["breaks"]
    )


def run_pyworkforce(doc: Doc, time_limit: float, workers: int) -> tuple[str, Doc | None, float]:
    """pyworkforce's BreakScheduler on the instance: status, plan (our JSON), seconds."""
    from pyworkforce.breaks import BreakScheduler

    slots = doc["slots"]
    groups: dict[str, list[Doc]] = {}
    for agent in doc["agents"]:
        groups.setdefault(f"{agent['shift'][0]}-{agent['shift'][1]}", []).append(agent)
    coverage = {
        name: [int(members[0]["shift"][0] <= p < members[0]["shift"][1]) for p in range(slots)]
        for name, members in groups.items()
    }
    scheduled = [sum(coverage[n][p] * len(m) for n, m in groups.items()) for p in range(slots)]
    cap = doc.get("max_on_break")
    caps = cap if isinstance(cap, list) else [cap if cap is not None else 10**9] * slots
    floor = [
        max(min(r, n), n - c) for r, n, c in zip(doc["requirement"], scheduled, caps, strict=True)
    ]
    shape = _shape(doc["agents"][0])
    breaks = [
        {
            "name": name,
            "duration_periods": length,
            "min_start_after": after,
            "max_end_before": before,
        }
        for name, length, after, before in shape
    ]
    started = time.perf_counter()
    scheduler = BreakScheduler(
        num_days=1,
        periods=slots,
        shifts_coverage=coverage,
        scheduled_resources={n: [len(m)] for n, m in groups.items()},
        breaks=breaks,
        min_coverage=[floor],
        max_search_time=time_limit,
        num_search_workers=workers,
    )
    result = scheduler.solve()
    seconds = time.perf_counter() - started
    if result["status"] not in ("OPTIMAL", "FEASIBLE"):
        return result["status"], None, seconds
    plan = [
        {
            "agent": groups[e["shift"]][e["slot"]]["id"],
            "name": e["break_name"],
            "start": e["start_period"],
        }
        for e in result["break_schedule"]
    ]
    return result["status"], {"status": "FEASIBLE", "breaks": plan}, seconds


def cases(time_limit: float) -> list[Case]:
    """The benchmark instances, from 30 to 1,000 agents."""
    return [
        Case("plain-30", lambda: generate(30, seed=11), time_limit),
        Case("plain-100", lambda: generate(100, seed=12), time_limit),
        Case("plain-400", lambda: generate(400, seed=13), time_limit),
        Case("plain-1000", lambda: generate(1000, seed=14), time_limit),
        Case(
            "36h-2to9breaks-400",
            lambda: generate(400, seed=15, slots=432, screen_share=0.4),
            time_limit,
        ),
        Case(
            "36h-2to9breaks-1000",
            lambda: generate(1000, seed=31, slots=432, screen_share=0.4),
            time_limit,
        ),
        Case("fixed20%-300", lambda: fix_some(generate(300, seed=16), 0.2, 16), time_limit),
        Case("caps13%-300", lambda: with_caps(generate(300, seed=17), 0.13), time_limit),
        Case("caps10%-300", lambda: with_caps(generate(300, seed=17), 0.10), time_limit),
        Case("replan-300", lambda: replan(generate(300, seed=18), 150, seed=18, time_limit=3), 2.0),
        Case(
            "pwf-fit-100",
            lambda: generate(100, seed=19, lengths=(96,), jitter=0, rules=False, tightness=0.86),
            time_limit,
        ),
        Case(
            "pwf-fit-400",
            lambda: generate(400, seed=20, lengths=(96,), jitter=0, rules=False),
            time_limit,
        ),
        Case("bad-agents-200", lambda: break_some(generate(200, seed=21)), time_limit),
        Case("cap1-40", lambda: {**generate(40, seed=22), "max_on_break": 1}, time_limit),
        Case("cap-under-fixed-100", lambda: cap_under_fixed(generate(100, seed=23)), time_limit),
    ]


def cap_under_fixed(doc: Doc) -> Doc:
    """Every agent has a fixed break, and the cap at the busiest moment is one below them."""
    doc = with_caps(fix_some(doc, 1.0, 23), 0.1)
    held = [0] * doc["slots"]
    for agent in doc["agents"]:
        for brk in agent["breaks"]:
            start = agent.get("fixed", {}).get(brk["name"])
            for slot in range(start, start + brk["length"]) if start is not None else ():
                held[slot] += 1
    busiest = max(range(len(held)), key=held.__getitem__)
    doc["max_on_break"][busiest] = held[busiest] - 1
    return doc


COLUMNS = [  # (title, width)
    ("case", -22),
    ("agents", 6),
    ("slots", 5),
    ("limit", 5),
    ("status", -10),
    ("objective", 9),
    ("bound", 9),
    ("gap%", 6),
    ("secs", 6),
    ("valid", -5),
    ("mid", 9),
    ("stagger", 9),
]
REFERENCE_COLUMNS = [("best", 9), ("vs best%", 8)]


def line(values: list[Any], columns: list[tuple[str, int]]) -> str:
    """Values in fixed-width columns; a negative width aligns left."""
    return " ".join(
        f"{_text(v):<{-w}}" if w < 0 else f"{_text(v):>{w}}"
        for v, (_, w) in zip(values, columns, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reference", type=float, default=0.0, help="seconds for a best-known")
    args = parser.parse_args()
    checker = load_checker()
    have_pyworkforce = importlib.util.find_spec("pyworkforce") is not None
    found = "installed" if have_pyworkforce else "not installed"
    print(f"python {sys.version.split()[0]}, workers {args.workers}, pyworkforce {found}")
    columns = COLUMNS + (REFERENCE_COLUMNS if args.reference else [])
    print(line([title for title, _ in columns], columns))
    notes = []
    for case in cases(args.time_limit):
        if args.only and args.only not in case.name:
            continue
        values, case_notes = run_case(case, checker, args, have_pyworkforce)
        print(line(values, columns), flush=True)
        notes += case_notes
    print()
    print("valid: the independent checker of the tests accepted the plan and its figures.")
    print("mid / stagger: naive plans (* = breaks a hard rule, e.g. the cap).")
    for note in notes:
        print(note)


def run_case(
    case: Case, checker: Any, args: argparse.Namespace, have_pyworkforce: bool
) -> tuple[list[Any], list[str]]:
    doc = case.doc
    instance = parse_instance(doc)
    params = Params(time_limit_seconds=case.time_limit, workers=args.workers)
    started = time.perf_counter()
    plan = plan_to_json(solve(instance, params))
    wall = time.perf_counter() - started
    checker.check(doc, plan)
    objective, bound = plan["objective"], plan["bound"]
    gap = (
        f"{100 * (objective - bound) / objective:.2f}" if objective and bound is not None else None
    )
    naive: list[Any] = [None, None]
    notes = []
    if plan["status"] == "INFEASIBLE":
        named = "; ".join(f"{a['agent']}: {a['reason']}" for a in plan["infeasible_agents"])
        notes.append(
            f"{case.name}: INFEASIBLE: {plan.get('reason')}" + (f" [{named}]" if named else "")
        )
    else:
        naive = [naive_objective(doc, checker, staggered=flag) for flag in (False, True)]
        notes.append(pyworkforce_note(case, checker, args, have_pyworkforce))
    values = [case.name, len(doc["agents"]), doc["slots"], f"{case.time_limit:g}", plan["status"]]
    values += [objective, bound, gap, f"{wall:.2f}", "yes", *naive]
    if args.reference:
        values += reference(instance, doc, plan, checker, args)
    return values, notes


def naive_objective(doc: Doc, checker: Any, *, staggered: bool) -> str:
    plan = as_plan(doc, naive_starts(doc, staggered=staggered))
    value = checker.objective(doc, checker.starts_of(doc, plan))
    return f"{value}{'*' if checker.violations(doc, plan) else ''}"


def reference(
    instance: Any, doc: Doc, plan: Doc, checker: Any, args: argparse.Namespace
) -> list[Any]:
    """The best objective known after a long solve too, and how far the plan is from it."""
    if plan["status"] not in ("OPTIMAL", "FEASIBLE"):
        return [None, None]
    params = Params(time_limit_seconds=args.reference, workers=args.workers, seed=1)
    long_plan = plan_to_json(solve(instance, params))
    checker.check(doc, long_plan)
    best = min(plan["objective"], long_plan["objective"])
    return [best, f"{100 * (plan['objective'] - best) / best if best else 0.0:.2f}"]


def pyworkforce_note(
    case: Case, checker: Any, args: argparse.Namespace, have_pyworkforce: bool
) -> str:
    misfit = pyworkforce_misfit(case.doc)
    if misfit:
        return f"{case.name}: pyworkforce: does not fit ({misfit})"
    if not have_pyworkforce:
        return f"{case.name}: pyworkforce: fits, but not installed here"
    status, plan, seconds = run_pyworkforce(case.doc, case.time_limit, args.workers)
    if plan is None:
        why = "its coverage is a hard floor, it has no objective"
        return f"{case.name}: pyworkforce: {status} in {seconds:.2f} s ({why})"
    value = checker.objective(case.doc, checker.starts_of(case.doc, plan))
    broken = checker.violations(case.doc, plan)
    validity = "valid" if not broken else f"breaks {len(broken)} hard rules, e.g. {broken[0]}"
    return f"{case.name}: pyworkforce: {status}, objective {value}, {seconds:.2f} s, {validity}"


def _text(value: Any) -> str:
    return "-" if value is None else str(value)


if __name__ == "__main__":
    main()
