"""Shift design (specs/shifts.md): every design is checked by an independent validator.

The validator below reads only the instance as JSON and the design as JSON, and recomputes
windows, counts, caps, coverage, under, over, distinct shifts and the objective by plain
loops, sharing no code with scheduling.shifts.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from typing import Any

import pytest

from scheduling.shifts import Params, design, design_to_json, parse_instance, solve

FAST = Params(time_limit_seconds=5.0, workers=2, seed=0)
Doc = dict[str, Any]


# --- the independent validator -------------------------------------------------------------


def cover_of(instance: Doc, shifts: list[Doc]) -> list[int]:
    """Agents working each slot, by the contract's words: day d covers [d*S+start, +length)."""
    slots_per_day = 1440 // instance["slot_minutes"]
    horizon = instance["days"] * slots_per_day
    cover = [0] * horizon
    for shift in shifts:
        for day, count in enumerate(shift["counts"]):
            for k in range(shift["length"]):
                slot = day * slots_per_day + shift["start"] + k
                if slot >= horizon:
                    if not instance["cyclic"]:
                        continue
                    slot -= horizon
                cover[slot] += count
    return cover


def figures(instance: Doc, shifts: list[Doc]) -> tuple[int, int, int, float]:
    """(under, over, distinct shifts, objective) that these shifts give."""
    cover = cover_of(instance, shifts)
    need = instance["requirement"]
    under = sum(max(0, r - c) for r, c in zip(need, cover, strict=True))
    over = sum(max(0, c - r) for r, c in zip(need, cover, strict=True))
    distinct = len({(s["start"], s["length"]) for s in shifts if any(s["counts"])})
    w = instance["weights"]
    return under, over, distinct, w["under"] * under + w["over"] * over + w["shift"] * distinct


def validate(instance: Doc, result: Doc) -> None:
    """Fail unless `result` is a design the contract allows for `instance`, its figures true."""
    assert result["status"] in ("OPTIMAL", "FEASIBLE")
    types = {t["name"]: t for t in instance["shift_types"]}
    seen = set()
    for shift in result["shifts"]:
        kind = types[shift["type"]]
        assert kind["start_earliest"] <= shift["start"] <= kind["start_latest"], shift
        assert kind["length_min"] <= shift["length"] <= kind["length_max"], shift
        assert (shift["start"], shift["length"]) not in seen, "a (start, length) twice"
        seen.add((shift["start"], shift["length"]))
        assert len(shift["counts"]) == instance["days"]
        assert all(isinstance(n, int) and n >= 0 for n in shift["counts"])
        assert any(shift["counts"]), "all-zero shifts are left out"
        cap = instance.get("max_agents_per_shift")
        assert cap is None or max(shift["counts"]) <= cap
    under, over, distinct, total = figures(instance, result["shifts"])
    assert (result["under"], result["over"], result["distinct_shifts"]) == (under, over, distinct)
    assert math.isclose(result["objective"], total, rel_tol=1e-6, abs_tol=1e-9)
    assert result["bound"] <= result["objective"] + 1e-6 * max(1.0, abs(total))
    if result["status"] == "OPTIMAL":
        assert math.isclose(result["bound"], result["objective"], rel_tol=1e-6, abs_tol=1e-9)
    json.dumps(result)


def brute_force(instance: Doc) -> float:
    """The least objective over every design: each count from 0 to the peak requirement
    (more would only add surplus) or the cap."""
    slots_per_day = 1440 // instance["slot_minutes"]
    options = sorted({
        (start, length)
        for t in instance["shift_types"]
        for start in range(t["start_earliest"], t["start_latest"] + 1)
        for length in range(t["length_min"], t["length_max"] + 1)
    })
    top = max(instance["requirement"])
    if instance.get("max_agents_per_shift") is not None:
        top = min(top, instance["max_agents_per_shift"])
    cells = [(s, n, d) for s, n in options for d in range(instance["days"])]
    assert (top + 1) ** len(cells) <= 20_000, "too big to brute-force"
    best = math.inf
    for values in itertools.product(range(top + 1), repeat=len(cells)):
        rows: dict[tuple[int, int], list[int]] = {}
        for (s, n, d), v in zip(cells, values, strict=True):
            rows.setdefault((s, n), [0] * instance["days"])[d] = v
        shifts = [{"start": s, "length": n, "counts": c} for (s, n), c in rows.items()]
        best = min(best, figures(instance, shifts)[3])
    assert slots_per_day > 0
    return best


def run(instance: Doc, params: Params = FAST) -> Doc:
    result = design(instance, params)
    validate(instance, result)
    return result


# --- instances ------------------------------------------------------------------------------


def week_curve(days: int, slots_per_day: int, seed: int) -> list[int]:
    """A contact-center-like curve: morning and afternoon peaks, quieter weekend, noise."""
    rng = random.Random(seed)
    curve = []
    for day in range(days):
        scale = 1.0 if day % 7 < 5 else 0.55
        for slot in range(slots_per_day):
            hour = 24 * slot / slots_per_day
            level = 14 * math.exp(-((hour - 10.5) / 2.2) ** 2)
            level += 10 * math.exp(-((hour - 16) / 2.5) ** 2)
            level += 2 if 7 <= hour < 22 else 0
            curve.append(max(0, round(scale * level + rng.gauss(0, 0.8))) if level > 0.5 else 0)
    return curve


def spec_example(**changes: Any) -> Doc:
    doc = {
        "slot_minutes": 15,
        "days": 7,
        "cyclic": True,
        "requirement": week_curve(7, 96, seed=7),
        "shift_types": [
            {"name": "M", "start_earliest": 20, "start_latest": 36,
             "length_min": 28, "length_max": 36},
            {"name": "L", "start_earliest": 52, "start_latest": 64,
             "length_min": 28, "length_max": 36},
        ],
        "weights": {"under": 1, "over": 1, "shift": 0},
        "max_agents_per_shift": None,
    }
    doc.update(changes)
    return doc


def random_instance(seed: int, tiny: bool = False) -> Doc:
    rng = random.Random(seed)
    slot_minutes = rng.choice([240, 360] if tiny else [60, 120, 180])
    slots_per_day = 1440 // slot_minutes
    days = rng.randint(1, 2) if tiny else rng.randint(1, 4)
    peak = 2 if tiny else 6
    types = []
    for k in range(rng.randint(1, 2 if tiny else 3)):
        start = rng.randrange(slots_per_day)
        length = rng.randint(1, slots_per_day)
        types.append({
            "name": f"T{k}",
            "start_earliest": start,
            "start_latest": min(slots_per_day - 1, start + rng.randint(0, 1 if tiny else 4)),
            "length_min": length,
            "length_max": min(slots_per_day, length + rng.randint(0, 0 if tiny else 3)),
        })
    return {
        "slot_minutes": slot_minutes,
        "days": days,
        "cyclic": rng.random() < 0.5,
        "requirement": [rng.randint(0, peak) for _ in range(days * slots_per_day)],
        "shift_types": types,
        "weights": {
            "under": rng.choice([1, 2, 3, 1.5]),
            "over": rng.choice([0, 1, 0.5]),
            "shift": rng.choice([0, 0, 1, 4, 2.5]),
        },
        "max_agents_per_shift": rng.choice([None, None, 1, 3]),
    }


# --- tests ----------------------------------------------------------------------------------


def test_spec_example_is_valid_and_proven_optimal() -> None:
    result = run(spec_example())
    assert result["status"] == "OPTIMAL"
    assert result["distinct_shifts"] >= 2
    assert result["notes"][0] == "proven optimal"
    assert {s["type"] for s in result["shifts"]} <= {"M", "L"}


def test_charging_for_distinct_shifts_gives_a_simpler_valid_design() -> None:
    free = run(spec_example())
    charged = run(spec_example(weights={"under": 1, "over": 1, "shift": 30}))
    assert charged["distinct_shifts"] < free["distinct_shifts"]
    assert charged["under"] + charged["over"] >= free["objective"]
    names = [p["name"] for p in charged["penalties"]]
    assert names == ["under", "over", "shift"]
    assert sum(p["cost"] for p in charged["penalties"]) == pytest.approx(charged["objective"])


@pytest.mark.parametrize("seed", range(24))
def test_random_small_instances_give_valid_designs(seed: int) -> None:
    run(random_instance(seed))


@pytest.mark.parametrize("seed", range(18))
def test_tiny_instances_match_brute_force(seed: int) -> None:
    instance = random_instance(1000 + seed, tiny=True)
    result = run(instance)
    assert result["status"] == "OPTIMAL"
    assert result["objective"] == pytest.approx(brute_force(instance), rel=1e-6, abs=1e-9)


def test_a_shift_running_past_the_week_wraps_only_when_cyclic() -> None:
    late = {"name": "N", "start_earliest": 4, "start_latest": 4, "length_min": 3,
            "length_max": 3}
    base = {"slot_minutes": 240, "days": 1, "requirement": [2, 0, 0, 0, 2, 2],
            "shift_types": [late], "weights": {"under": 1, "over": 1, "shift": 0}}
    cyclic = run({**base, "cyclic": True})
    assert (cyclic["under"], cyclic["over"], cyclic["objective"]) == (0, 0, 0)
    cut = run({**base, "cyclic": False})
    assert (cut["under"], cut["over"]) == (2, 0)


def test_unmeetable_requirement_is_explained_not_refused() -> None:
    instance = spec_example(max_agents_per_shift=1)
    instance["requirement"][10] = 5  # 02:30: late shifts end by 01:00, early ones start 05:00
    result = run(instance)
    notes = " ".join(result["notes"])
    assert "day 0 02:30 to day 0 02:45: 5 agent-slots short" in notes
    assert "no allowed shift covers" in notes
    assert result["under"] >= 5


def test_cap_that_keeps_the_requirement_out_of_reach_is_explained() -> None:
    day_shift = {"name": "D", "start_earliest": 1, "start_latest": 1, "length_min": 2,
                 "length_max": 2}
    result = run({"slot_minutes": 240, "days": 1, "cyclic": False,
                  "requirement": [0, 3, 3, 0, 0, 0], "shift_types": [day_shift],
                  "weights": {"under": 1, "over": 1, "shift": 0}, "max_agents_per_shift": 1})
    assert result["under"] == 4
    assert "day 0 04:00 to day 0 12:00: 4 agent-slots short whatever the counts " \
        "(max_agents_per_shift=1 caps the head count)" in result["notes"]


def test_time_limit_reached_is_feasible_with_gap_explained() -> None:
    instance = spec_example(weights={"under": 1, "over": 1, "shift": 25})
    result = run(instance, Params(time_limit_seconds=1.0, workers=2, seed=1))
    if result["status"] == "FEASIBLE":
        assert "time limit of 1 s reached" in result["notes"][0]
        assert 0 < result["bound"] < result["objective"]


def test_solve_returns_a_design_whose_json_matches_the_dataclass() -> None:
    instance = parse_instance(spec_example())
    found = solve(instance, FAST)
    as_json = design_to_json(found)
    assert as_json["objective"] == found.objective
    assert [s["counts"] for s in as_json["shifts"]] == [list(s.counts) for s in found.shifts]
    assert found.gap == 0.0
