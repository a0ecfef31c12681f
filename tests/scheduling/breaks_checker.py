"""An independent checker of break plans (specs/breaks.md), on the raw JSON of instance and plan.

It shares no code with scheduling/: it re-reads the instance, recomputes every hard rule slot
by slot, and recomputes the objective, so a plan is judged by the contract, not by the solver.
"""

from __future__ import annotations

import itertools
from typing import Any

Doc = dict[str, Any]


def starts_of(doc: Doc, plan: Doc) -> dict[str, dict[str, int]]:
    """agent id -> break name -> start, from the plan's `breaks`."""
    starts: dict[str, dict[str, int]] = {a["id"]: {} for a in doc["agents"]}
    for entry in plan["breaks"]:
        assert entry["agent"] in starts, f"unknown agent {entry['agent']}"
        assert entry["name"] not in starts[entry["agent"]], f"break listed twice: {entry}"
        starts[entry["agent"]][entry["name"]] = entry["start"]
    return starts


def violations(doc: Doc, plan: Doc) -> list[str]:
    """Every hard rule the plan breaks, in words; empty when the plan is valid."""
    starts = starts_of(doc, plan)
    found: list[str] = []
    for agent in doc["agents"]:
        found += agent_violations(doc, agent, starts[agent["id"]])
    cap = doc.get("max_on_break")
    if cap is not None:
        caps = cap if isinstance(cap, list) else [cap] * doc["slots"]
        for slot, count in enumerate(on_break(doc, starts)):
            if count > caps[slot]:
                found.append(f"slot {slot}: {count} on a break, cap {caps[slot]}")
    return found


def agent_violations(doc: Doc, agent: Doc, starts: dict[str, int]) -> list[str]:
    who = agent["id"]
    begin, end = agent["shift"]
    rules = doc.get("rules") or {}
    min_work = rules.get("min_work") or 0
    max_work = rules.get("max_work")
    not_before = doc.get("not_before") or 0
    fixed = agent.get("fixed") or {}
    found = []
    names = [b["name"] for b in agent["breaks"]]
    if sorted(starts) != sorted(names):
        return [f"{who}: plan has breaks {sorted(starts)}, instance {sorted(names)}"]
    for brk in agent["breaks"]:
        start, name = starts[brk["name"]], brk["name"]
        if not brk["earliest"] <= start <= brk["latest"]:
            found.append(f"{who} {name} at {start} outside window")
        if start < begin or start + brk["length"] > end:
            found.append(f"{who} {name} at {start} not inside shift")
        if name in fixed and start != fixed[name]:
            found.append(f"{who} {name} at {start}, fixed at {fixed[name]}")
        if name not in fixed and start < not_before:
            found.append(f"{who} {name} at {start} before not_before {not_before}")
    # Stretches of work: shift start -> first break -> ... -> last break -> shift end.
    edges = [begin]
    for brk in agent["breaks"]:
        edges += [starts[brk["name"]], starts[brk["name"]] + brk["length"]]
    edges.append(end)
    for i in range(0, len(edges), 2):
        work = edges[i + 1] - edges[i]
        if work < 0:
            found.append(f"{who}: breaks out of order or overlapping near slot {edges[i]}")
        if work < min_work:
            found.append(f"{who}: stretch {edges[i]}-{edges[i + 1]} shorter than min_work")
        if max_work is not None and work > max_work:
            found.append(f"{who}: stretch {edges[i]}-{edges[i + 1]} longer than max_work")
    return found


def on_break(doc: Doc, starts: dict[str, dict[str, int]]) -> list[int]:
    """Agents on a break per slot."""
    counts = [0] * doc["slots"]
    for agent in doc["agents"]:
        for brk in agent["breaks"]:
            start = starts[agent["id"]][brk["name"]]
            for slot in range(start, start + brk["length"]):
                counts[slot] += 1
    return counts


def shortage(doc: Doc, starts: dict[str, dict[str, int]]) -> list[int]:
    """short(s) = max(0, requirement[s] - agents on shift and not on a break)."""
    working = [0] * doc["slots"]
    for agent in doc["agents"]:
        for slot in range(*agent["shift"]):
            working[slot] += 1
    breaks = on_break(doc, starts)
    return [
        max(0, r - (w - b)) for r, w, b in zip(doc["requirement"], working, breaks, strict=True)
    ]


def objective(doc: Doc, starts: dict[str, dict[str, int]]) -> int:
    """Sum over slots of short(s)^2."""
    return sum(s * s for s in shortage(doc, starts))


def check(doc: Doc, plan: Doc) -> int:
    """Assert that a plan is valid and its figures true; returns the recomputed objective."""
    if plan["status"] in ("INFEASIBLE", "UNKNOWN"):
        assert plan["objective"] is None and plan["breaks"] == []
        return -1
    assert plan["status"] in ("OPTIMAL", "FEASIBLE"), plan["status"]
    problems = violations(doc, plan)
    assert not problems, problems[:10]
    starts = starts_of(doc, plan)
    short = shortage(doc, starts)
    value = sum(s * s for s in short)
    assert plan["objective"] == value, (plan["objective"], value)
    assert plan["shortage_total"] == sum(short)
    assert plan["shortage_peak"] == max(short, default=0)
    assert plan["bound"] is not None and plan["bound"] <= value
    if plan["status"] == "OPTIMAL":
        assert plan["bound"] == value
    assert plan["infeasible_agents"] == []
    return value


def agent_plans(doc: Doc, agent: Doc) -> list[dict[str, int]]:
    """Every combination of starts of the agent's breaks that keeps the agent's own rules."""
    names = [b["name"] for b in agent["breaks"]]
    windows = [range(b["earliest"], b["latest"] + 1) for b in agent["breaks"]]
    plans = [dict(zip(names, starts, strict=True)) for starts in itertools.product(*windows)]
    return [p for p in plans if not agent_violations(doc, agent, p)]


def brute_force(doc: Doc) -> int | None:
    """The least objective over every plan that keeps every hard rule, or None if none does."""
    choices = [agent_plans(doc, agent) for agent in doc["agents"]]
    best = None
    for combo in itertools.product(*choices):
        plan = {
            "breaks": [
                {"agent": a["id"], "name": name, "start": start}
                for a, starts in zip(doc["agents"], combo, strict=True)
                for name, start in starts.items()
            ]
        }
        if violations(doc, plan):
            continue
        value = objective(doc, starts_of(doc, plan))
        best = value if best is None else min(best, value)
    return best
