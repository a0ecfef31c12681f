"""Staffing (specs/staffing.md) against an exact 50-digit reference, plus its properties."""

from __future__ import annotations

import dataclasses
import itertools
import json
from typing import Any

import numpy as np
import pytest
from test_staffing_reference import (
    Exact,
    erlang_a_at,
    erlang_c_at,
    erlang_c_staffing,
)

from scheduling.contract import InputError
from scheduling.erlang_a import erlang_a_figures
from scheduling.erlang_c import erlang_c_figures
from scheduling.staffing import (
    StaffingCase,
    StaffingResult,
    parse_cases,
    results_to_json,
    solve,
)

RELATIVE = 1e-9
FIGURES = ("service_level", "asa_seconds", "probability_wait", "occupancy", "abandon_rate")


def case(calls: float, **fields: Any) -> StaffingCase:
    base: dict[str, Any] = {"id": "q", "calls": calls, "interval_minutes": 30,
                            "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 20}
    return StaffingCase(**(base | fields))


def assert_close(result: StaffingResult, exact: Exact) -> None:
    for name in FIGURES:
        got, want = getattr(result, name), float(getattr(exact, name))
        if name == "abandon_rate" and result.model == "erlang_c":
            assert got is None
            continue
        assert got == pytest.approx(want, rel=RELATIVE, abs=1e-300), name


def figures_at(c: StaffingCase, n: int) -> dict[str, float]:
    """smena's figures for one case at a given number of agents."""
    a = np.array([c.traffic_erlangs])
    args = (np.array([n]), a, np.array([c.aht_seconds]), np.array([c.answer_seconds]))
    if c.patience_seconds is None:
        figures = erlang_c_figures(*args)
    else:
        figures = erlang_a_figures(*args, np.array([c.patience_seconds]))
    return {name: float(getattr(figures, name)[0]) for name in FIGURES}


def test_the_example_in_the_spec() -> None:
    doc = {"cases": [{"id": "mon-09:00", "calls": 100, "interval_minutes": 30,
                      "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 20,
                      "max_occupancy": 0.85, "shrinkage": 0.3, "patience_seconds": None}]}
    out = results_to_json(solve(parse_cases(doc)))
    [row] = json.loads(json.dumps(out))["results"]
    assert row == {
        "id": "mon-09:00", "model": "erlang_c", "traffic_erlangs": 10.0, "agents": 14,
        "service_level": pytest.approx(0.88835, abs=5e-6),
        "asa_seconds": pytest.approx(7.836, abs=5e-4),
        "probability_wait": pytest.approx(0.17413, abs=5e-6),
        "occupancy": pytest.approx(0.7143, abs=5e-5), "abandon_rate": None, "positions": 20,
    }


ERLANG_C_CASES = [
    case(0.001),
    case(1, service_level=0.5, answer_seconds=0),
    case(7, aht_seconds=300, interval_minutes=15, service_level=0.95, answer_seconds=10),
    case(100, max_occupancy=0.85, shrinkage=0.3),
    case(100, max_occupancy=0.6),  # the cap binds
    case(333.3, service_level=0.99, answer_seconds=5),
    case(850, service_level=0.999999, answer_seconds=0),
    case(2000, aht_seconds=240, interval_minutes=60, service_level=0.9, answer_seconds=30),
    case(5e4, service_level=0.95, answer_seconds=15),
    case(5e5, service_level=0.8, answer_seconds=20),  # 50,000 Erlangs
    case(5e5, service_level=1 - 1e-9, answer_seconds=0),  # and a target close to 1
]


@pytest.mark.parametrize("c", ERLANG_C_CASES, ids=lambda c: f"{c.traffic_erlangs:g}E")
def test_erlang_c_matches_the_exact_reference(c: StaffingCase) -> None:
    [result] = solve([c])
    smallest, exact = erlang_c_staffing(c)
    assert result.agents in smallest
    assert_close(result, exact if result.agents == exact.agents else erlang_c_at(c, result.agents))


ERLANG_A_CASES = [
    case(100, patience_seconds=120),
    case(100, patience_seconds=20, service_level=0.9),  # impatient: well below Erlang C
    case(100, patience_seconds=3000, answer_seconds=0),
    case(3, aht_seconds=400, patience_seconds=60, service_level=0.6, answer_seconds=60),
    case(40, patience_seconds=90, max_occupancy=0.7),  # the cap binds
    case(400, aht_seconds=240, patience_seconds=180, service_level=0.95, answer_seconds=30),
]


@pytest.mark.parametrize("c", ERLANG_A_CASES, ids=lambda c: f"{c.traffic_erlangs:g}E")
def test_erlang_a_matches_the_birth_death_chain(c: StaffingCase) -> None:
    [result] = solve([c])
    assert_close(result, erlang_a_at(c, result.agents))
    fewer = erlang_a_at(c, result.agents - 1)
    assert fewer.service_level < c.service_level or fewer.occupancy > (c.max_occupancy or 1)


@pytest.mark.parametrize("c", [
    case(2e4, patience_seconds=300, service_level=0.9, answer_seconds=30),
    case(5e5, patience_seconds=3600),
], ids=lambda c: f"{c.traffic_erlangs:g}E")
def test_erlang_a_at_many_erlangs_matches_the_reference(c: StaffingCase) -> None:
    [result] = solve([c])
    assert_close(result, erlang_a_at(c, result.agents, tagged="closed_form"))
    fewer = erlang_a_at(c, result.agents - 1, tagged="closed_form")
    assert fewer.service_level < c.service_level


def test_no_calls_need_no_agents_in_either_model() -> None:
    for result in solve([case(0), case(0, patience_seconds=60, max_occupancy=0.5)]):
        assert (result.agents, result.positions, result.service_level, result.asa_seconds,
                result.probability_wait, result.occupancy) == (0, 0, 1.0, 0.0, 0.0, 0.0)
    assert [r.abandon_rate for r in solve([case(0), case(0, patience_seconds=60)])] == [None, 0]


def random_cases(count: int, seed: int, *, patience: bool) -> list[StaffingCase]:
    rng = np.random.default_rng(seed)
    return [
        case(float(rng.uniform(0, 3000)), interval_minutes=float(rng.choice([15, 30, 60])),
             aht_seconds=float(rng.uniform(30, 900)),
             service_level=float(rng.choice([0.5, 0.8, 0.9, 0.99, 0.9999])),
             answer_seconds=float(rng.choice([0, 10, 20, 60, 300])),
             max_occupancy=float(rng.choice([0.7, 0.9, 1.0])),
             shrinkage=float(rng.uniform(0, 0.5)),
             patience_seconds=float(rng.uniform(10, 1200)) if patience else None)
        for _ in range(count)
    ]


@pytest.mark.parametrize("patience", [False, True], ids=["erlang_c", "erlang_a"])
def test_agents_are_the_fewest_that_meet_the_targets(patience: bool) -> None:
    cases = random_cases(60, seed=7, patience=patience)
    for c, result in zip(cases, solve(cases), strict=True):
        cap = c.max_occupancy or 1.0
        assert result.service_level >= c.service_level
        assert result.occupancy <= cap * (1 + 1e-12)
        if result.agents - 1 > (c.traffic_erlangs if not patience else 0):
            fewer = figures_at(c, result.agents - 1)
            assert fewer["service_level"] < c.service_level or fewer["occupancy"] > cap
        assert result.positions * (1 - c.shrinkage) >= result.agents * (1 - 1e-12)
        assert (result.positions - 1) * (1 - c.shrinkage) < result.agents


@pytest.mark.parametrize("patience", [None, 150.0], ids=["erlang_c", "erlang_a"])
def test_more_agents_never_serve_worse(patience: float | None) -> None:
    c = case(600, patience_seconds=patience)
    first = int(c.traffic_erlangs) + 1 if patience is None else 1
    rows = [figures_at(c, n) for n in range(first, first + 60)]
    slack = 1e-14  # rounding: the figures are exact to about 1e-16
    for before, after in itertools.pairwise(rows):
        assert after["service_level"] >= before["service_level"] - slack
        for name in ("asa_seconds", "probability_wait", "occupancy", "abandon_rate"):
            assert after[name] <= before[name] * (1 + slack), name


def test_more_calls_never_need_fewer_agents() -> None:
    agents = [r.agents for r in solve([case(calls) for calls in range(0, 3000, 25)])]
    assert agents == sorted(agents)
    patient = [r.agents for r in solve([case(c, patience_seconds=200) for c in range(0, 800, 40)])]
    assert patient == sorted(patient)


def test_patient_callers_staff_like_erlang_c_and_impatient_ones_need_fewer() -> None:
    erlang_c, patient, impatient = solve([case(1000), case(1000, patience_seconds=1.8e5),
                                          case(1000, patience_seconds=30)])
    assert patient.agents == erlang_c.agents
    assert patient.service_level == pytest.approx(erlang_c.service_level, rel=1e-3)
    assert impatient.agents < erlang_c.agents
    assert impatient.abandon_rate is not None and impatient.abandon_rate > 0.01


def test_a_batch_gives_what_each_case_gives_alone() -> None:
    cases = random_cases(40, seed=3, patience=False) + random_cases(40, seed=4, patience=True)
    for together, alone in zip(solve(cases), [solve([c])[0] for c in cases], strict=True):
        assert together.agents == alone.agents  # figures may differ in the last bits
        for name in FIGURES:  # (a wider padded array sums a few more negligible terms)
            got, want = getattr(together, name), getattr(alone, name)
            assert got == (None if want is None else pytest.approx(want, rel=1e-13))


def test_ties_with_whole_numbers_are_not_lost_to_binary_rounding() -> None:
    [result] = solve([case(90, max_occupancy=0.85, shrinkage=0.1, interval_minutes=20,
                           service_level=0.5)])  # 13.5 Erlangs: 13.5 / 0.85 is 15.88
    assert result.agents == 16
    [result] = solve([case(85, max_occupancy=0.85, service_level=0.05)])  # 8.5 E / 0.85
    assert result.agents == 10
    assert solve([case(100, max_occupancy=0.85, shrinkage=0.3)])[0].positions == 20  # 14 / 0.7


VALID = {"id": "x", "calls": 10, "interval_minutes": 30, "aht_seconds": 180,
         "service_level": 0.8, "answer_seconds": 20}


@pytest.mark.parametrize(("change", "path", "reason"), [
    ({"aht_seconds": 0}, "cases[1].aht_seconds", "must be > 0"),
    ({"aht_seconds": "180"}, "cases[1].aht_seconds", "must be a number"),
    ({"calls": -1}, "cases[1].calls", "must be >= 0"),
    ({"calls": True}, "cases[1].calls", "must be a number"),
    ({"interval_minutes": 0}, "cases[1].interval_minutes", "must be > 0"),
    ({"service_level": 1}, "cases[1].service_level", "must be > 0 and < 1"),
    ({"service_level": 0}, "cases[1].service_level", "must be > 0 and < 1"),
    ({"answer_seconds": -5}, "cases[1].answer_seconds", "must be >= 0"),
    ({"answer_seconds": float("nan")}, "cases[1].answer_seconds", "must be a finite number"),
    ({"max_occupancy": 1.2}, "cases[1].max_occupancy", "must be > 0 and <= 1"),
    ({"shrinkage": 1}, "cases[1].shrinkage", "must be >= 0 and < 1"),
    ({"patience_seconds": 0}, "cases[1].patience_seconds", "must be > 0"),
    ({"id": 7}, "cases[1].id", "must be a string"),
    ({"shrinkge": 0.3}, "cases[1].shrinkge", "is not a known field"),
    ({"calls": 1e9}, "cases[1].calls", "Erlangs of traffic"),
    ({"patience_seconds": 1e6}, "cases[1].patience_seconds", "at most 1000 x aht_seconds"),
])
def test_bad_input_names_the_field(change: dict[str, Any], path: str, reason: str) -> None:
    with pytest.raises(InputError) as error:
        parse_cases({"cases": [VALID, VALID | change]})
    assert error.value.path == path
    assert error.value.reason.startswith(reason) or reason in error.value.reason


@pytest.mark.parametrize(("doc", "path", "reason"), [
    ({}, "cases", "is required"),
    ({"cases": {}}, "cases", "must be a list"),
    ({"cases": [VALID, 3]}, "cases[1]", "must be an object"),
    ({"cases": [{k: v for k, v in VALID.items() if k != "calls"}]}, "cases[0].calls",
     "is required"),
])
def test_bad_documents_name_the_place(doc: Any, path: str, reason: str) -> None:
    with pytest.raises(InputError) as error:
        parse_cases(doc)
    assert (error.value.path, error.value.reason) == (path, reason)


def test_optional_fields_may_be_absent_or_null() -> None:
    absent, null = parse_cases({"cases": [VALID, VALID | {
        "max_occupancy": None, "shrinkage": None, "patience_seconds": None}]})
    assert absent == dataclasses.replace(null) and absent.shrinkage == 0.0
    assert absent.model == "erlang_c"
    assert parse_cases({"cases": []}) == [] and solve([]) == []
