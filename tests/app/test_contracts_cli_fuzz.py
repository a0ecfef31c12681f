"""The JSON commands fuzzed: any field of a right document set to an extreme value (1e308,
-0.0, NaN, a huge list, a wrong type) gives exit 2 naming the field, or an answer in strict
JSON; never a traceback."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from app.cli import cli
from tests.scheduling.documents import roster_document

# SMENA_FUZZ_EXAMPLES=1000 hunts longer (by hand); the suite keeps to a few per command.
FUZZ = settings(
    max_examples=int(os.environ.get("SMENA_FUZZ_EXAMPLES", "25")), deadline=None, database=None
)
SOLVE = ["--time-limit", "1", "--workers", "1"]

DOCUMENTS: dict[str, tuple[list[str], dict[str, Any]]] = {
    "staffing": (
        ["staffing"],
        {
            "cases": [
                {"id": "c", "calls": 100, "interval_minutes": 30, "aht_seconds": 180,
                 "service_level": 0.8, "answer_seconds": 20, "max_occupancy": 0.85,
                 "shrinkage": 0.3, "patience_seconds": None},
                {"id": "a", "calls": 40.5, "interval_minutes": 15, "aht_seconds": 240,
                 "service_level": 0.9, "answer_seconds": 30, "patience_seconds": 120},
            ]
        },
    ),
    "breaks": (
        ["breaks", "solve", *SOLVE],
        {
            "slot_minutes": 5, "slots": 24, "requirement": [1] * 24, "max_on_break": 1,
            "not_before": 0, "rules": {"min_work": 2, "max_work": 20},
            "agents": [
                {"id": "a1", "shift": [0, 24],
                 "breaks": [{"name": "b", "length": 3, "earliest": 6, "latest": 15}],
                 "fixed": {"b": 8}},
            ],
        },
    ),
    "shifts": (
        ["shifts", "design", *SOLVE],
        {
            "slot_minutes": 60, "days": 1, "cyclic": False,
            "requirement": [0] * 8 + [2] * 8 + [0] * 8,
            "shift_types": [
                {"name": "D", "start_earliest": 6, "start_latest": 10, "length_min": 8,
                 "length_max": 8}
            ],
            "weights": {"under": 1, "over": 1, "shift": 0}, "max_agents_per_shift": None,
        },
    ),
    "roster": (["roster", "solve", *SOLVE], roster_document()),
}  # fmt: skip

EXTREMES: list[Any] = [
    1e308, -1e308, 5e-324, -0.0, 0, -1, 10**30, 2**63, 2**31, 0.5,
    float("nan"), float("inf"), float("-inf"), True, None, "", "x" * 10_000, "\ud800",
    [], {}, [0] * 10_000, [1e308] * 3, [[[]]], {"": None},
]  # fmt: skip


def paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document that holds a value (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict | list):
        for key, child in value.items() if isinstance(value, dict) else enumerate(value):
            found.append((*here, key))
            found.extend(paths(child, (*here, key)))
    return found


def changed(document: dict[str, Any], changes: list[tuple[tuple[Any, ...], Any]]) -> Any:
    doc = copy.deepcopy(document)
    for path, value in changes:
        target = doc
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = copy.deepcopy(value)  # EXTREMES' lists stay as they are
        except (KeyError, IndexError, TypeError):  # an earlier change replaced the container
            pass
    return doc


def run(args: list[str], text: str) -> tuple[int, str, str, BaseException | None]:
    result = CliRunner().invoke(cli, args, input=text)
    return result.exit_code, result.stdout, result.stderr, result.exception


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def check(args: list[str], text: str) -> None:
    """Exit 2 with one `error: <path>: <reason>` line, or exit 0 with strict JSON."""
    code, out, err, exception = run(args, text)
    assert exception is None or isinstance(exception, SystemExit), repr(exception)
    assert code in (0, 2), (code, err)
    if code == 2:
        assert out == "" and err.startswith("error: ") and "Traceback" not in err, err
    else:
        strict_json(out)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
@FUZZ
@given(data=st.data())
def test_one_field_set_to_an_extreme(name: str, data: st.DataObject) -> None:
    args, document = DOCUMENTS[name]
    places = st.sampled_from(paths(document))
    changes = data.draw(st.lists(st.tuples(places, st.sampled_from(EXTREMES)), max_size=2))
    check(args, json.dumps(changed(document, changes), allow_nan=True))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, "1" * 5000, "NaN", '"\\ud800"', "", "null"],
    ids=["nested deep", "5000 digits", "NaN", "a lone surrogate", "empty", "null"],
)
def test_documents_that_are_not_objects(name: str, text: str) -> None:
    check(DOCUMENTS[name][0], text)
