"""Break scheduling input (specs/breaks.md): bad input names the field; plans read as JSON."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from scheduling.breaks import Params, parse_instance, plan_to_json, solve
from scheduling.contract import InputError

Doc = dict[str, Any]


def good() -> Doc:
    return {
        "slot_minutes": 5,
        "slots": 12,
        "requirement": [1] * 12,
        "max_on_break": 1,
        "not_before": 0,
        "rules": {"min_work": 1, "max_work": 8},
        "agents": [
            {
                "id": "a1",
                "shift": [0, 12],
                "breaks": [
                    {"name": "break1", "length": 1, "earliest": 2, "latest": 4},
                    {"name": "lunch", "length": 2, "earliest": 5, "latest": 7},
                ],
                "fixed": {"break1": 3},
            },
            {"id": "a2", "shift": [2, 10], "breaks": []},
        ],
    }


def test_a_valid_instance_is_read_in_slots() -> None:
    instance = parse_instance(good())
    assert instance.slots == 12
    assert instance.max_on_break == (1,) * 12
    assert instance.min_work == 1 and instance.max_work == 8
    first = instance.agents[0]
    assert (first.shift_start, first.shift_end) == (0, 12)
    assert [b.fixed_start for b in first.breaks] == [3, None]


def test_optional_fields_may_be_left_out() -> None:
    doc = good()
    for key in ("max_on_break", "not_before", "rules"):
        del doc[key]
    del doc["agents"][0]["fixed"]
    instance = parse_instance(doc)
    assert instance.max_on_break is None
    assert (instance.not_before, instance.min_work, instance.max_work) == (0, 0, None)


def test_a_cap_per_slot_is_read_as_given() -> None:
    doc = good()
    doc["max_on_break"] = list(range(12))
    assert parse_instance(doc).max_on_break == tuple(range(12))


def _set(path: list[Any], value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


BAD: list[tuple[Callable[[Doc], None], str]] = [
    (_set(["slots"], KeyError), "slots"),
    (_set(["slots"], True), "slots"),
    (_set(["slot_minutes"], 0), "slot_minutes"),
    (_set(["requirement"], [1] * 11), "requirement"),
    (_set(["requirement", 3], -1), "requirement[3]"),
    (_set(["requirement", 2], "x"), "requirement[2]"),
    (_set(["requirement", 2], 1.5), "requirement[2]"),
    (_set(["max_on_break"], [1] * 13), "max_on_break"),
    (_set(["max_on_break"], [1] * 5 + [-1] + [1] * 6), "max_on_break[5]"),
    (_set(["max_on_break"], "two"), "max_on_break"),
    (_set(["not_before"], 13), "not_before"),
    (_set(["rules", "min_work"], -1), "rules.min_work"),
    (_set(["rules", "min_work"], 9), "rules.max_work"),
    (_set(["rules", "max_minutes"], 9), "rules.max_minutes"),
    (_set(["agents"], {}), "agents"),
    (_set(["agents", 1], []), "agents[1]"),
    (_set(["agents", 1, "id"], KeyError), "agents[1].id"),
    (_set(["agents", 1, "id"], "a1"), "agents[1].id"),
    (_set(["agents", 1, "id"], 7), "agents[1].id"),
    (_set(["agents", 1, "shift"], [2]), "agents[1].shift"),
    (_set(["agents", 1, "shift"], [-1, 10]), "agents[1].shift[0]"),
    (_set(["agents", 1, "shift"], [2, 13]), "agents[1].shift[1]"),
    (_set(["agents", 1, "shift"], [5, 4]), "agents[1].shift[1]"),
    (_set(["agents", 1, "shift", 1], "10"), "agents[1].shift[1]"),
    (_set(["agents", 1, "breaks"], KeyError), "agents[1].breaks"),
    (_set(["agents", 0, "breaks", 1, "length"], 0), "agents[0].breaks[1].length"),
    (_set(["agents", 0, "breaks", 1, "latest"], KeyError), "agents[0].breaks[1].latest"),
    (_set(["agents", 0, "breaks", 1, "earliest"], None), "agents[0].breaks[1].earliest"),
    (_set(["agents", 0, "breaks", 1, "name"], "break1"), "agents[0].breaks[1].name"),
    (_set(["agents", 0, "breaks", 1, "lenght"], 2), "agents[0].breaks[1].lenght"),
    (_set(["agents", 0, "fixed"], {"nap": 3}), "agents[0].fixed.nap"),
    (_set(["agents", 0, "fixed"], {"break1": "3"}), "agents[0].fixed.break1"),
    (_set(["agents", 0, "fixed"], [3]), "agents[0].fixed"),
    (_set(["agent"], []), "agent"),
]


@pytest.mark.parametrize(("change", "path"), BAD, ids=[path for _, path in BAD])
def test_bad_input_names_the_field(change: Callable[[Doc], None], path: str) -> None:
    doc = copy.deepcopy(good())
    change(doc)
    with pytest.raises(InputError) as caught:
        parse_instance(doc)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")


def test_an_instance_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InputError, match="must be an object"):
        parse_instance([])  # type: ignore[arg-type]


def test_the_plan_json_has_the_fields_of_the_contract() -> None:
    plan = plan_to_json(solve(parse_instance(good()), Params(time_limit_seconds=2.0)))
    assert plan["status"] == "OPTIMAL"
    assert list(plan)[:8] == [
        "status",
        "objective",
        "bound",
        "shortage_total",
        "shortage_peak",
        "solve_seconds",
        "breaks",
        "infeasible_agents",
    ]
    assert [b["name"] for b in plan["breaks"]] == ["break1", "lunch"]
    assert plan["breaks"][0] == {"agent": "a1", "name": "break1", "start": 3}


def test_an_infeasible_plan_has_no_objective_and_no_breaks() -> None:
    doc = good()
    doc["agents"][0]["breaks"][1]["latest"] = 4
    plan = plan_to_json(solve(parse_instance(doc), Params(time_limit_seconds=2.0)))
    assert plan["status"] == "INFEASIBLE"
    assert plan["objective"] is None and plan["breaks"] == []
    assert plan["infeasible_agents"] == [{"agent": "a1", "reason": "lunch window 5-4 is empty"}]
    assert "1 agent cannot" in plan["reason"]
