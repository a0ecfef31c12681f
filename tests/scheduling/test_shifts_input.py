"""Bad shift-design input is refused with the offending field's path and a reason."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from scheduling.contract import InputError
from scheduling.shifts import parse_instance
from tests.scheduling.documents import drop_at, set_at

Doc = dict[str, Any]


def valid() -> Doc:
    return {
        "slot_minutes": 240,
        "days": 2,
        "cyclic": True,
        "requirement": [0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0],
        "shift_types": [
            {"name": "M", "start_earliest": 1, "start_latest": 2, "length_min": 2,
             "length_max": 3},
            {"name": "L", "start_earliest": 3, "start_latest": 4, "length_min": 2,
             "length_max": 2},
        ],
        "weights": {"under": 1, "over": 1, "shift": 0.5},
        "max_agents_per_shift": None,
    }


_set = set_at


def _drop(*path: Any) -> Callable[[Doc], None]:
    return drop_at(list(path))


CASES = [
    (_drop("slot_minutes"), "slot_minutes", "is required"),
    (_set(["slot_minutes"], 7), "slot_minutes", "must divide a day"),
    (_set(["slot_minutes"], 0), "slot_minutes", "must be at least 1"),
    (_set(["slot_minutes"], 15.0), "slot_minutes", "must be an integer"),
    (_set(["days"], 0), "days", "must be at least 1"),
    (_set(["days"], True), "days", "must be an integer"),
    (_set(["cyclic"], "yes"), "cyclic", "must be true or false"),
    (_drop("requirement"), "requirement", "is required"),
    (_set(["requirement"], [1, 2]), "requirement", "must have days * slots per day = 12"),
    (_set(["requirement", 5], -1), "requirement[5]", "must be at least 0"),
    (_set(["requirement", 3], 1.5), "requirement[3]", "must be an integer"),
    (_set(["shift_types"], []), "shift_types", "non-empty list"),
    (_set(["shift_types", 1], "L"), "shift_types[1]", "must be an object"),
    (_drop("shift_types", 0, "name"), "shift_types[0].name", "is required"),
    (_set(["shift_types", 1, "name"], "M"), "shift_types[1].name", "repeats shift_types[0]"),
    (_set(["shift_types", 1, "name"], " "), "shift_types[1].name", "non-empty string"),
    (_set(["shift_types", 0, "start_latest"], 0), "shift_types[0].start_latest",
     "is before start_earliest (1): no start is allowed"),
    (_set(["shift_types", 1, "start_latest"], 6), "shift_types[1].start_latest",
     "must be a slot of the day, 0..5"),
    (_set(["shift_types", 0, "start_earliest"], -1), "shift_types[0].start_earliest",
     "must be a slot of the day"),
    (_set(["shift_types", 1, "length_max"], 1), "shift_types[1].length_max",
     "is below length_min (2): no length is allowed"),
    (_set(["shift_types", 0, "length_min"], 0), "shift_types[0].length_min", "must be 1..6"),
    (_set(["shift_types", 0, "length_max"], 7), "shift_types[0].length_max", "at most a day"),
    (_set(["shift_types", 0, "lenght_max"], 3), "shift_types[0].lenght_max",
     "is not a known field"),
    (_drop("weights"), "weights", "is required"),
    (_drop("weights", "shift"), "weights.shift", "is required"),
    (_set(["weights", "over"], -1), "weights.over", "must be zero or more"),
    (_set(["weights", "under"], "1"), "weights.under", "must be a number"),
    (_set(["weights", "under"], float("nan")), "weights.under", "must be a finite number"),
    (_set(["weights"], [1, 1, 0]), "weights", "must be an object"),
    (_set(["max_agents_per_shift"], 0), "max_agents_per_shift", "or null for no cap"),
    (_set(["max_agents_per_shift"], 2.5), "max_agents_per_shift", "must be an integer"),
    (_set(["max_agent_per_shift"], 2), "max_agent_per_shift", "is not a known field"),
]


@pytest.mark.parametrize(("change", "path", "reason"), CASES)
def test_bad_input_names_the_field(change: Callable[[Doc], None], path: str, reason: str) -> None:
    doc = copy.deepcopy(valid())
    change(doc)
    with pytest.raises(InputError) as refused:
        parse_instance(doc)
    assert refused.value.path == path
    assert reason in refused.value.reason


def test_not_an_object_at_all() -> None:
    with pytest.raises(InputError, match="must be an object"):
        parse_instance([1, 2, 3])


def test_valid_input_reads_in_slots() -> None:
    instance = parse_instance(valid())
    assert (instance.slots_per_day, instance.horizon_slots) == (6, 12)
    assert [t.name for t in instance.shift_types] == ["M", "L"]
    assert instance.weights.shift == 0.5
    assert instance.max_agents_per_shift is None


def test_max_agents_per_shift_may_be_left_out() -> None:
    doc = valid()
    del doc["max_agents_per_shift"]
    assert parse_instance(doc).max_agents_per_shift is None
