"""Reading a roster instance: each kind of bad input is refused with the field's path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from scheduling.contract import InputError
from scheduling.roster import parse_instance
from tests.scheduling.documents import drop_at, roster_document, set_at

Doc = dict[str, Any]


def good() -> Doc:
    return roster_document()


_set = set_at
_drop = drop_at


CASES: list[tuple[str, Callable[[Doc], None], str]] = [
    ("not an object", lambda d: d.clear() or d.update({"x": 1}), "x"),
    ("unknown field", _set(["colour"], "red"), "colour"),
    ("slot does not divide a day", _set(["slot_minutes"], 7), "slot_minutes"),
    ("days a bool", _set(["days"], True), "days"),
    ("no days", _set(["days"], 0), "days"),
    ("weekday out of range", _set(["first_weekday"], 7), "first_weekday"),
    ("both requirement and design", _set(["design"], {"shifts": []}), "requirement"),
    ("requirement too short", _set(["requirement", "sales"], [1] * 11), "requirement.sales"),
    ("negative need", _set(["requirement", "sales", 3], -1), "requirement.sales[3]"),
    ("fractional need", _set(["requirement", "sales", 3], 1.5), "requirement.sales[3]"),
    ("no shifts", _set(["shifts"], []), "shifts"),
    ("shift start past the day", _set(["shifts", 1, "start"], 6), "shifts[1].start"),
    ("shift longer than a day", _set(["shifts", 0, "length"], 7), "shifts[0].length"),
    ("repeated shift", _set(["shifts", 1, "name"], "E"), "shifts[1].name"),
    ("late not a bool", _set(["shifts", 0, "late"], "yes"), "shifts[0].late"),
    ("negative rest", _set(["rules", "min_rest_minutes"], -1), "rules.min_rest_minutes"),
    ("zero run", _set(["rules", "max_consecutive_days"], 0), "rules.max_consecutive_days"),
    ("unknown rule", _set(["rules", "max_nights"], 2), "rules.max_nights"),
    ("fractional weight", _set(["weights", "wish"], 0.5), "weights.wish"),
    ("negative weight", _set(["weights", "late"], -1), "weights.late"),
    ("agents not a list", _set(["agents"], {}), "agents"),
    ("agent without id", _drop(["agents", 1, "id"]), "agents[1].id"),
    ("repeated id", _set(["agents", 1, "id"], "a1"), "agents[1].id"),
    ("contract over a week", _set(["agents", 0, "weekly_minutes"], 10081),
     "agents[0].weekly_minutes"),
    ("negative tolerance", _set(["agents", 1, "tolerance_minutes"], -5),
     "agents[1].tolerance_minutes"),
    ("unknown skill", _set(["agents", 0, "skills", 0], "billing"), "agents[0].skills[0]"),
    ("no skills", _set(["agents", 0, "skills"], []), "agents[0].skills"),
    ("time off past the horizon", _set(["agents", 0, "time_off", 0, "day"], 2),
     "agents[0].time_off[0].day"),
    ("credit over a day", _set(["agents", 0, "time_off", 0, "credit_minutes"], 1441),
     "agents[0].time_off[0].credit_minutes"),
    ("empty unavailability", _set(["agents", 0, "unavailable", 0, "to"], 0),
     "agents[0].unavailable[0].to"),
    ("wish of an unknown kind", _set(["agents", 0, "wishes", 0, "kind"], "holiday"),
     "agents[0].wishes[0].kind"),
    ("wish for an unknown shift", _set(["agents", 0, "wishes", 0, "shift"], "N"),
     "agents[0].wishes[0].shift"),
    ("day-off wish without a day", _set(["agents", 0, "wishes", 0], {"kind": "day_off"}),
     "agents[0].wishes[0].day"),
    ("history in the future", _set(["agents", 0, "history", "last_end"], 7),
     "agents[0].history.last_end"),
    ("unknown history field", _set(["agents", 0, "history", "nights"], 1),
     "agents[0].history.nights"),
]


@pytest.mark.parametrize(("change", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_the_field(change: Callable[[Doc], None], path: str) -> None:
    doc = copy.deepcopy(good())
    change(doc)
    with pytest.raises(InputError) as caught:
        parse_instance(doc)
    assert caught.value.path == path, caught.value


def test_good_input_reads_with_defaults() -> None:
    instance = parse_instance(good())
    assert instance.queues == ("sales", "support")
    assert instance.agents[1].skills == ("sales", "support")
    assert instance.agents[1].name == "a2"
    assert instance.rules.max_consecutive_days is None
    assert instance.rules.max_shifts_per_week is None
    assert instance.weights.wish == 60
    assert not instance.shifts[1].late  # ends at 20:00: late means ending after 20:00
    doc = good()
    doc["shifts"][1]["start"] = 4
    assert parse_instance(doc).shifts[1].late


def test_plain_requirement_is_one_queue_without_skills() -> None:
    doc = good()
    doc["requirement"] = doc["requirement"]["sales"]
    with pytest.raises(InputError) as caught:
        parse_instance(doc)
    assert caught.value.path == "agents[0].skills"
    del doc["agents"][0]["skills"]
    assert parse_instance(doc).queues == ("all",)


def test_design_counts_must_cover_the_horizon() -> None:
    doc = good()
    del doc["requirement"]
    doc["design"] = {"shifts": [{"type": "M", "start": 1, "length": 2, "counts": [1]}]}
    del doc["agents"][0]["skills"]
    with pytest.raises(InputError) as caught:
        parse_instance(doc)
    assert caught.value.path == "design.shifts[0].counts"
