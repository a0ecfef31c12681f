"""The roster (scheduling/roster.py): every roster is judged by the independent validator.

The validator (test_roster_validator.py) reads only the instance and the roster as JSON.
Optimality and infeasibility of tiny instances are judged against brute force over every
roster; larger instances by the rules, the figures and the bound.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from test_roster_validator import brute_force, check

from scheduling.roster import Params, parse_instance, roster, roster_to_json, solve
from scheduling.roster_bound import relax
from scheduling.roster_domain import facts

Doc = dict[str, Any]
QUICK = Params(time_limit_seconds=5.0, workers=2, seed=0)
TINY_SHIFTS = [("E", 1, 2), ("D", 2, 2), ("L", 3, 2), ("N", 4, 2), ("S", 2, 1)]


def solved(doc: Doc, params: Params = QUICK) -> Doc:
    """The roster for `doc` as JSON, after the validator accepted it."""
    result = roster(doc, params)
    check(doc, result)
    return result


def tiny_doc(rng: random.Random, days: int, agents: int) -> Doc:
    """A random instance of 4-hour slots small enough for brute force: every rule and
    penalty in play now and then, and now and then an agent whose rules cannot hold."""
    shifts = rng.sample(TINY_SHIFTS, 2)
    queues = ["sales", "support"] if agents <= 2 and days <= 4 and rng.random() < 0.4 else []
    slots = days * 6
    curve = [rng.choice([0, 0, 1, 1, 2]) for _ in range(slots)]
    doc: Doc = {
        "slot_minutes": 240, "days": days, "first_weekday": rng.randrange(7),
        "shifts": [{"name": n, "start": s, "length": length, **({"late": True} if s >= 3 else {})}
                   for n, s, length in shifts],
        "requirement": {q: [rng.choice([0, 1, 1, 2]) for _ in range(slots)] for q in queues}
        if queues else curve,
        "rules": {"min_rest_minutes": rng.choice([0, 480, 660, 900]),
                  "max_consecutive_days": rng.choice([None, 2, 3, 6]),
                  "max_shifts_per_week": rng.choice([None, 3, 4])},
        "weights": {"shortage": rng.choice([100, 1000]), "hours": rng.choice([0, 1]),
                    "weekend": rng.choice([0, 30]), "late": rng.choice([0, 10]),
                    "wish": rng.choice([0, 60])},
        "agents": [tiny_agent(rng, f"a{i}", days, queues, shifts) for i in range(agents)],
    }
    return doc


def tiny_agent(rng: random.Random, ident: str, days: int, queues: list[str],
               shifts: list[tuple[str, int, int]]) -> Doc:
    shift_minutes = rng.choice(shifts)[2] * 240
    agent: Doc = {"id": ident, "name": f"Agent {ident}",
                  "weekly_minutes": shift_minutes * rng.randint(1, 5),
                  "tolerance_minutes": rng.choice([0, 0, 240])}
    if days < 7:
        agent["weekly_minutes"] = 480 * rng.randint(1, 6)
    if queues:
        agent["skills"] = rng.sample(queues, rng.randint(1, 2))
    if rng.random() < 0.4:
        agent["time_off"] = [{"day": rng.randrange(days),
                              "credit_minutes": rng.choice([0, shift_minutes])}]
    if rng.random() < 0.3:
        start = rng.randrange(6)
        agent["unavailable"] = [{"day": rng.randrange(days), "from": start,
                                 "to": rng.randint(start + 1, 6)}]
    wishes = [{"kind": "day_off", "day": rng.randrange(days)},
              {"kind": "shift", "shift": shifts[0][0]},
              {"kind": "shift", "shift": shifts[1][0], "day": rng.randrange(days)},
              {"kind": "avoid", "shift": shifts[1][0]}]
    agent["wishes"] = rng.sample(wishes, rng.randint(0, 2))
    if rng.random() < 0.4:
        agent["history"] = {"days_worked": rng.randint(0, 4), "last_end": rng.randint(-3, 1)}
    return agent


@pytest.mark.parametrize("seed", range(36))
def test_tiny_instances_match_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    days, agents = ((7, 1), (3, 3), (4, 2), (7, 2))[seed % 4]
    doc = tiny_doc(rng, days, agents)
    if days == 7 and agents == 2:  # keep the product of valid weeks small: no tolerance
        for agent in doc["agents"]:
            agent["tolerance_minutes"] = 0
    result = solved(doc)
    best = brute_force(doc)
    if best is None:
        assert result["status"] == "INFEASIBLE"
    else:
        assert result["status"] == "OPTIMAL", result["notes"]
        assert result["objective"] == best
        instance = parse_instance(doc)
        bound = relax(instance, facts(instance), 5.0).bound  # the relaxation alone, unclipped
        assert bound is not None and bound <= best


@pytest.mark.parametrize("seed", range(12))
def test_agents_whose_rules_cannot_hold_are_each_named(seed: int) -> None:
    rng = random.Random(1000 + seed)
    doc = tiny_doc(rng, 7, 2)
    doc["rules"].update(min_rest_minutes=900, max_consecutive_days=rng.choice([2, 3]))
    for agent in doc["agents"]:
        agent["tolerance_minutes"] = 0
        agent["weekly_minutes"] = 480 * rng.randint(3, 5)
        agent["time_off"] = [{"day": d} for d in rng.sample(range(7), rng.randint(0, 3))]
    result = solved(doc)
    named = {entry["agent"] for entry in result["infeasible_agents"]}
    alone_infeasible = {a["id"] for a in doc["agents"]
                        if brute_force({**doc, "agents": [a]}) is None}
    assert named == alone_infeasible
    assert (result["status"] == "INFEASIBLE") == bool(alone_infeasible)
    for entry in result["infeasible_agents"]:
        assert entry["reason"].startswith(f"Agent {entry['agent']}: ")


def spec_example() -> Doc:
    """The instance of the module docstring, with a full week of requirement and more agents."""
    per_day = 96
    day_curve = [0] * 28 + [3] * 24 + [4] * 20 + [2] * 16 + [0] * 8
    sales = day_curve * 7
    support = [max(0, v - 2) for v in sales]
    agents: list[Doc] = [
        {"id": "a17", "name": "Ivanova", "weekly_minutes": 2400, "tolerance_minutes": 240,
         "skills": ["sales"],
         "time_off": [{"day": 3, "credit_minutes": 480}],
         "unavailable": [{"day": 1}, {"day": 2, "from": 0, "to": 40}],
         "wishes": [{"kind": "day_off", "day": 5}, {"kind": "shift", "shift": "E"},
                    {"kind": "avoid", "shift": "L", "day": 4}],
         "history": {"days_worked": 2, "last_end": -8}},
    ]
    for i in range(11):
        agents.append({"id": f"b{i}", "name": f"Agent {i}", "weekly_minutes": 2400,
                       "tolerance_minutes": 240, "skills": ["sales", "support"][: 1 + i % 2]})
    assert len(sales) == 7 * per_day
    return {
        "slot_minutes": 15, "days": 7, "first_weekday": 0,
        "shifts": [{"name": "E", "start": 28, "length": 34},
                   {"name": "L", "start": 52, "length": 34, "late": True}],
        "requirement": {"sales": sales, "support": support},
        "rules": {"min_rest_minutes": 660, "max_consecutive_days": 6, "max_shifts_per_week": 5},
        "weights": {"shortage": 1000, "hours": 1, "weekend": 30, "late": 10, "wish": 60},
        "agents": agents,
    }


def test_spec_example_is_valid_and_explained() -> None:
    result = solved(spec_example())
    assert result["status"] in ("OPTIMAL", "FEASIBLE")
    ivanova = result["agents"][0]
    assert ivanova["days"][3] is None and ivanova["days"][1] is None
    assert ivanova["explanation"][0].startswith("Ivanova works ")
    assert any("time off on Thu 3" in line for line in ivanova["explanation"])
    assert {p["name"] for p in result["penalties"]} == {"shortage", "hours", "weekend", "late",
                                                         "wish"}
    assert result["queues"] == ["sales", "support"]


@pytest.mark.parametrize("days", [7, 10])
def test_medium_random_roster_keeps_every_rule(days: int) -> None:
    rng = random.Random(days)
    per_day = 48
    shifts = [{"name": f"S{h}", "start": 2 * h, "length": 16} for h in range(6, 15, 2)]
    agents = [{"id": f"a{i}", "weekly_minutes": rng.choice([1440, 2400]),
               "tolerance_minutes": 240,
               "time_off": [{"day": rng.randrange(days), "credit_minutes": 480}]
               if rng.random() < 0.2 else [],
               "wishes": [{"kind": "day_off", "day": rng.randrange(days)}],
               "history": {"days_worked": rng.randrange(6), "last_end": -rng.randrange(20)}}
              for i in range(30)]
    doc = {"slot_minutes": 30, "days": days, "first_weekday": 3, "shifts": shifts,
           "requirement": [rng.randint(0, 12) if 14 <= s % per_day < 44 else 0
                           for s in range(days * per_day)],
           "rules": {"max_shifts_per_week": 5}, "agents": agents}
    result = solved(doc, Params(time_limit_seconds=3.0))
    assert result["status"] in ("OPTIMAL", "FEASIBLE")
    assert result["bound"] is not None and result["bound"] > 0


def test_contract_that_time_off_makes_impossible_is_explained() -> None:
    doc = spec_example()
    doc["agents"][0]["time_off"] = [{"day": d} for d in (0, 3, 4)]
    result = solved(doc)
    assert result["status"] == "INFEASIBLE"
    [entry] = result["infeasible_agents"]
    assert entry["agent"] == "a17"
    assert "at least 36 h in week 1" in entry["reason"]
    assert "time off on Mon 0, Thu 3, Fri 4" in entry["reason"]  # 4 days of 8.5 h: 34 h


def test_hours_no_mix_of_shifts_can_give_are_explained() -> None:
    doc = spec_example()
    doc["agents"][1]["weekly_minutes"] = 1800  # 30 h ± 4 h: four 8.5 h shifts make 34 h
    doc["agents"][1]["tolerance_minutes"] = 60
    result = solved(doc)
    assert result["status"] == "INFEASIBLE"
    [entry] = result["infeasible_agents"]
    assert entry["agent"] == "b0"
    assert entry["reason"].startswith("Agent 0: no mix of shifts (8.5 h) gives at least 29 h")


def test_time_off_credit_over_the_ceiling_is_explained() -> None:
    doc = spec_example()
    doc["agents"][2]["time_off"] = [{"day": d, "credit_minutes": 480} for d in range(6)]
    result = solved(doc)
    [entry] = result["infeasible_agents"]
    assert entry == {"agent": "b1", "reason": "Agent 1: the time-off credit alone, 48 h, is over "
                     "the most allowed in week 1 (Mon 0 to Sun 6), 44 h"}


def test_design_is_covered_seat_by_seat() -> None:
    design = {"status": "OPTIMAL", "shifts": [
        {"type": "M", "start": 2, "length": 2, "counts": [2, 2, 1, 0]},
        {"type": "L", "start": 4, "length": 2, "counts": [0, 1, 1, 1]}]}
    agents = [{"id": f"a{i}", "weekly_minutes": 1440, "tolerance_minutes": 1440}
              for i in range(3)]
    doc = {"slot_minutes": 240, "days": 4, "design": design, "rules": {"min_rest_minutes": 0},
           "agents": agents}
    result = solved(doc)
    assert result["status"] == "OPTIMAL"
    assert result["shortage_total"] == 0
    names = {d["shift"] for a in result["agents"] for d in a["days"] if d}
    assert names <= {"M 08:00-16:00", "L 16:00-00:00"}


def test_history_rest_and_run_carry_into_day_zero() -> None:
    doc = {"slot_minutes": 240, "days": 3,
           "shifts": [{"name": "E", "start": 1, "length": 2}],
           "requirement": [0, 5, 5, 0, 0, 0] * 3,
           "rules": {"max_consecutive_days": 3},
           "agents": [{"id": "tired", "weekly_minutes": 2400, "tolerance_minutes": 2400,
                       "history": {"days_worked": 3}},
                      {"id": "late", "weekly_minutes": 2400, "tolerance_minutes": 2400,
                       "history": {"last_end": 0}}]}
    result = solved(doc)
    assert [a["days"][0] for a in result["agents"]] == [None, None]
    assert all(a["days"][1] and a["days"][2] for a in result["agents"])


def test_weekends_are_shared_out() -> None:
    need = [0, 1, 1, 0, 0, 0] * 5 + [0, 2, 2, 0, 0, 0] * 2  # two agents each weekend day
    agents = [{"id": f"a{i}", "weekly_minutes": 1440, "tolerance_minutes": 0}
              for i in range(4)]
    doc = {"slot_minutes": 240, "days": 7, "shifts": [{"name": "E", "start": 1, "length": 2}],
           "requirement": need, "weights": {"hours": 0, "weekend": 30}, "agents": agents}
    result = solved(doc)
    assert result["shortage_total"] == 0
    assert sorted(a["weekend_days"] for a in result["agents"]) == [1, 1, 1, 1]


def test_wishes_are_granted_when_nothing_is_lost() -> None:
    agents = [{"id": "a", "weekly_minutes": 960, "tolerance_minutes": 0,
               "wishes": [{"kind": "day_off", "day": 0}, {"kind": "shift", "shift": "L"}]}]
    doc = {"slot_minutes": 240, "days": 7,
           "shifts": [{"name": "E", "start": 1, "length": 2}, {"name": "L", "start": 3,
                                                                "length": 2}],
           "requirement": [0] * 42, "agents": agents}
    result = solved(doc)
    days = result["agents"][0]["days"]
    assert days[0] is None
    assert [d["shift"] for d in days if d] == ["L", "L"]
    assert result["objective"] == 0


def test_solution_types_round_trip_to_json() -> None:
    instance = parse_instance(spec_example())
    result = solve(instance, Params(time_limit_seconds=2.0))
    doc = roster_to_json(result)
    assert set(doc) == {"status", "objective", "bound", "gap", "solve_seconds",
                        "shortage_total", "shortage_peak", "queues", "agents", "coverage",
                        "shortage", "penalties", "infeasible_agents", "notes"}
    assert doc["objective"] == result.objective
    assert len(doc["agents"][0]["days"]) == 7
