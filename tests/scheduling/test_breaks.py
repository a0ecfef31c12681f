"""Break scheduling (specs/breaks.md): every plan is judged by the independent checker.

The checker (breaks_checker.py) reads only the instance and the plan as JSON. Optimality and
infeasibility are judged against brute force over every start of every break.
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from breaks_checker import agent_plans, brute_force, check

from scheduling.breaks import Params, parse_instance, plan_to_json, solve

Doc = dict[str, Any]
QUICK = Params(time_limit_seconds=1.0, workers=2, seed=0)


def solved(doc: Doc, params: Params = QUICK) -> Doc:
    """The plan for `doc` as JSON, after the checker accepted it."""
    plan = plan_to_json(solve(parse_instance(doc), params))
    check(doc, plan)
    return plan


def spec_example() -> Doc:
    """The instance of specs/breaks.md, with eleven more agents like a17 and a full day."""
    agents: list[Doc] = [
        {
            "id": "a17" if i == 0 else f"b{i}",
            "shift": [96, 192],
            "breaks": [
                {"name": "break1", "length": 3, "earliest": 108, "latest": 126},
                {"name": "lunch", "length": 6, "earliest": 132, "latest": 156},
                {"name": "break2", "length": 3, "earliest": 162, "latest": 180},
            ],
        }
        for i in range(12)
    ]
    agents[0]["fixed"] = {"break1": 110}
    requirement = [0, 0, 3, 4] + [0] * 92 + [10] * 96 + [0] * 96
    return {
        "slot_minutes": 5,
        "slots": 288,
        "requirement": requirement,
        "max_on_break": 4,
        "not_before": 0,
        "rules": {"min_work": 6, "max_work": 30},
        "agents": agents,
    }


def random_doc(rng: random.Random, agents: int, slots: int, *, extras: bool = True) -> Doc:
    """A small random instance, mostly feasible; with `extras`, sometimes work rules, a cap,
    not_before, fixed breaks, and now and then an agent with a window that cannot be kept."""
    docs: list[Doc] = []
    for i in range(agents):
        length = rng.randint(slots // 3, slots // 2)
        start = rng.randint(0, slots - length)
        count = rng.randint(1, 2)
        breaks: list[Doc] = []
        for k in range(count):
            middle = start + (k + 1) * length // (count + 1)
            earliest = middle - rng.randint(0, 2)
            blen = rng.randint(1, 2)
            breaks.append(
                {
                    "name": f"b{k}",
                    "length": blen,
                    "earliest": earliest,
                    "latest": earliest + rng.randint(0, 3),
                }
            )
        if extras and rng.random() < 0.05:
            breaks[0]["latest"] = breaks[0]["earliest"] - 1
        docs.append({"id": f"a{i}", "shift": [start, start + length], "breaks": breaks})
    on_shift = [sum(a["shift"][0] <= s < a["shift"][1] for a in docs) for s in range(slots)]
    doc: Doc = {
        "slot_minutes": 15,
        "slots": slots,
        "requirement": [min(n, round(n * rng.uniform(0.75, 1.05))) for n in on_shift],
        "agents": docs,
    }
    if extras and rng.random() < 0.5:
        doc["rules"] = {
            "min_work": rng.randint(0, 1),
            "max_work": rng.randint(slots // 4, slots // 2),
        }
    if extras and rng.random() < 0.3:
        doc["max_on_break"] = rng.randint(1, 3)
    if extras and rng.random() < 0.3:
        doc["not_before"] = rng.randint(0, slots // 4)
    if extras:
        for agent in docs:
            if agent["breaks"] and rng.random() < 0.2:
                brk = rng.choice(agent["breaks"])
                if brk["earliest"] <= brk["latest"]:
                    agent["fixed"] = {brk["name"]: rng.randint(brk["earliest"], brk["latest"])}
    return doc


# --- the contract's example ---------------------------------------------------------------


def test_spec_example_gives_a_valid_plan_that_keeps_the_fixed_break() -> None:
    plan = solved(spec_example(), Params(time_limit_seconds=5.0))
    assert plan["status"] == "OPTIMAL"
    assert {"agent": "a17", "name": "break1", "start": 110} in plan["breaks"]
    assert len(plan["breaks"]) == 36
    assert set(plan) >= {
        "status",
        "objective",
        "bound",
        "shortage_total",
        "shortage_peak",
        "solve_seconds",
        "breaks",
        "infeasible_agents",
    }


def test_short_slots_say_how_short_and_why() -> None:
    doc = spec_example()
    doc["requirement"][2] = 3  # nobody is on shift at slot 2
    plan = solved(doc, Params(time_limit_seconds=5.0))
    first = plan["short_slots"][0]
    assert first == {
        "slot": 2,
        "short": 3,
        "required": 3,
        "on_shift": 0,
        "on_break": 0,
        "why": "only 0 on shift for 3 needed",
    }
    lunch = [s for s in plan["short_slots"] if s["on_break"]]
    assert lunch and all(s["on_break"] + s["required"] > s["on_shift"] for s in lunch)
    assert sum(s["short"] for s in plan["short_slots"]) == plan["shortage_total"]


# --- every plan keeps every hard rule -------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_random_instances_give_valid_plans_or_name_the_infeasible_agents(seed: int) -> None:
    rng = random.Random(seed)
    doc = random_doc(rng, agents=rng.randint(2, 12), slots=rng.choice([32, 48, 64]))
    plan = solved(doc, Params(time_limit_seconds=0.5, seed=seed))
    hopeless = {a["id"] for a in doc["agents"] if not agent_plans(doc, a)}
    named = {a["agent"] for a in plan["infeasible_agents"]}
    assert named == hopeless
    if not hopeless:
        assert plan["status"] in ("OPTIMAL", "FEASIBLE", "INFEASIBLE")
    if plan["status"] == "INFEASIBLE" and not hopeless:
        assert "max_on_break" in plan["reason"]


@pytest.mark.parametrize("seed", range(25))
def test_tiny_instances_are_solved_to_the_brute_force_optimum(seed: int) -> None:
    rng = random.Random(100 + seed)
    doc = random_doc(rng, agents=3, slots=24)
    best = brute_force(doc)
    plan = solved(doc, Params(time_limit_seconds=5.0, seed=seed))
    if best is None:
        assert plan["status"] == "INFEASIBLE"
    else:
        assert plan["status"] == "OPTIMAL"
        assert plan["objective"] == best == plan["bound"]


def test_a_proven_optimum_returns_before_the_time_limit() -> None:
    started = time.perf_counter()
    plan = solved(spec_example(), Params(time_limit_seconds=30.0))
    assert plan["status"] == "OPTIMAL"
    assert time.perf_counter() - started < 10


def test_the_time_limit_holds_on_a_larger_instance() -> None:
    rng = random.Random(7)
    doc = random_doc(rng, agents=400, slots=96, extras=False)
    started = time.perf_counter()
    plan = solved(doc, Params(time_limit_seconds=1.0))
    assert time.perf_counter() - started < 2.0
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")


# --- fixed breaks and re-planning -------------------------------------------------------------


def test_fixed_breaks_are_kept_even_where_they_hurt() -> None:
    doc = spec_example()
    for agent in doc["agents"][:4]:
        agent["fixed"] = {"lunch": 140}
    doc["max_on_break"] = 4
    plan = solved(doc)
    lunches = {b["agent"]: b["start"] for b in plan["breaks"] if b["name"] == "lunch"}
    assert all(lunches[a["id"]] == 140 for a in doc["agents"][:4])


def test_replanning_keeps_the_past_and_moves_nothing_before_not_before() -> None:
    doc = spec_example()
    morning = solved(doc)
    now = 140
    taken = {(b["agent"], b["name"]): b["start"] for b in morning["breaks"] if b["start"] < now}
    for agent in doc["agents"]:
        fixed = {name: start for (who, name), start in taken.items() if who == agent["id"]}
        if fixed:
            agent["fixed"] = fixed
    doc["not_before"] = now
    doc["requirement"][now:192] = [11] * (192 - now)  # the afternoon got busier
    plan = solved(doc)
    starts = {(b["agent"], b["name"]): b["start"] for b in plan["breaks"]}
    assert all(starts[key] == start for key, start in taken.items())
    assert all(start >= now for key, start in starts.items() if key not in taken)


# --- infeasible inputs name the agents --------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda a, d: a["breaks"][1].update(earliest=132, latest=120),
            "lunch window 132-120 is empty",
        ),
        (
            lambda a, d: a.update(fixed={"break2": 190}),
            "break2 is fixed at 190, outside its window",
        ),
        (lambda a, d: a.update(shift=[96, 150]), "break2 (3 slots) cannot start in its window"),
        (lambda a, d: d.update(not_before=185), "not_before is 185"),
        (lambda a, d: a["breaks"][0].update(earliest=96, latest=98), "break1 cannot start before"),
        (lambda a, d: a["breaks"][2].update(earliest=144, latest=150), "max_work is 30"),
        (lambda a, d: a.update(breaks=[]), "has no break and is 96 slots, more than max_work 30"),
    ],
)
def test_an_agent_whose_own_rules_cannot_hold_is_named(change: Any, words: str) -> None:
    doc = spec_example()
    doc["agents"][3].pop("fixed", None)
    change(doc["agents"][3], doc)
    if doc.get("not_before"):  # every agent but b3 took its breaks already
        for agent in doc["agents"]:
            agent["fixed"] = {"break1": 110, "lunch": 140, "break2": 170}
        del doc["agents"][3]["fixed"]
    plan = solved(doc)
    assert plan["status"] == "INFEASIBLE"
    assert plan["objective"] is None and plan["breaks"] == []
    assert [a["agent"] for a in plan["infeasible_agents"]] == ["b3"]
    assert words in plan["infeasible_agents"][0]["reason"]


def test_a_cap_below_the_breaks_that_cannot_move_is_infeasible_with_no_agent_named() -> None:
    doc = spec_example()
    for agent in doc["agents"]:
        agent["fixed"] = {"break1": 110}
    plan = solved(doc)
    assert plan["status"] == "INFEASIBLE"
    assert plan["infeasible_agents"] == []
    assert "max_on_break is 4 at slot 110, but 12 agents must be on a break" in plan["reason"]


def test_a_cap_too_low_for_the_windows_is_proven_infeasible() -> None:
    agents = [
        {
            "id": f"a{i}",
            "shift": [0, 8],
            "breaks": [{"name": "b", "length": 2, "earliest": 0, "latest": 2}],
        }
        for i in range(3)
    ]
    doc = {
        "slot_minutes": 15,
        "slots": 8,
        "requirement": [1] * 8,
        "max_on_break": 1,
        "agents": agents,
    }
    plan = solved(doc)
    assert plan["status"] == "INFEASIBLE"
    assert plan["infeasible_agents"] == []
    assert "max_on_break" in plan["reason"]


def test_a_cap_that_can_just_be_kept_gives_a_valid_plan() -> None:
    agents = [
        {
            "id": f"a{i}",
            "shift": [0, 24],
            "breaks": [{"name": "b", "length": 2, "earliest": 0, "latest": 18}],
        }
        for i in range(10)
    ]
    doc = {
        "slot_minutes": 15,
        "slots": 24,
        "requirement": [9] * 24,
        "max_on_break": 1,
        "agents": agents,
    }
    plan = solved(doc)
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    assert sorted(b["start"] for b in plan["breaks"]) == list(range(0, 20, 2))


def test_no_agents_or_nothing_to_move_is_optimal_at_once() -> None:
    empty: Doc = {"slot_minutes": 5, "slots": 4, "requirement": [0, 1, 2, 0], "agents": []}
    plan = solved(empty)
    assert (plan["status"], plan["objective"], plan["shortage_total"]) == ("OPTIMAL", 5, 3)
    doc = spec_example()
    for agent in doc["agents"]:
        agent["fixed"] = {"break1": 110, "lunch": 140, "break2": 170}
    doc["max_on_break"] = 12
    started = time.perf_counter()
    assert solved(doc, Params(time_limit_seconds=10.0))["status"] == "OPTIMAL"
    assert time.perf_counter() - started < 2


def test_one_worker_gives_the_same_kind_of_answer() -> None:
    plan = solved(spec_example(), Params(time_limit_seconds=5.0, workers=1))
    assert plan["status"] == "OPTIMAL"


@pytest.mark.parametrize(("limit", "workers"), [(0.0, 2), (-1.0, 2), (1.0, 0)])
def test_parameters_out_of_range_are_refused(limit: float, workers: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        Params(time_limit_seconds=limit, workers=workers)
