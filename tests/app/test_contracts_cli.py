"""The solver contracts from the command line: JSON in, JSON out, exit 2 on bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli

runner = CliRunner()

STAFFING = {
    "cases": [
        {
            "id": "mon-09:00",
            "calls": 100,
            "interval_minutes": 30,
            "aht_seconds": 180,
            "service_level": 0.8,
            "answer_seconds": 20,
            "max_occupancy": 0.85,
            "shrinkage": 0.3,
            "patience_seconds": None,
        }
    ]
}


def _run(args: list[str], document: object | str) -> tuple[int, str, str]:
    text = document if isinstance(document, str) else json.dumps(document)
    result = runner.invoke(cli, args, input=text)
    return result.exit_code, result.stdout, result.stderr


def test_staffing_answers_the_spec_example() -> None:
    code, out, _err = _run(["staffing"], STAFFING)
    assert code == 0
    (row,) = json.loads(out)["results"]
    assert (row["id"], row["model"], row["agents"], row["positions"]) == (
        "mon-09:00",
        "erlang_c",
        14,
        20,
    )
    assert abs(row["service_level"] - 0.88835) < 1e-5


def test_staffing_bad_field_exits_2_naming_it() -> None:
    bad = {"cases": [STAFFING["cases"][0], {**STAFFING["cases"][0], "aht_seconds": 0}]}
    code, out, err = _run(["staffing"], bad)
    assert code == 2
    assert out == ""
    assert "cases[1].aht_seconds" in err


def test_not_json_exits_2_with_position() -> None:
    code, out, err = _run(["staffing"], "{nope")
    assert (code, out) == (2, "")
    assert "line 1, column 2" in err


def test_breaks_solve_places_the_break_in_its_window() -> None:
    instance = {
        "slot_minutes": 5,
        "slots": 24,
        "requirement": [1] * 24,
        "agents": [
            {
                "id": "a1",
                "shift": [0, 24],
                "breaks": [{"name": "b", "length": 3, "earliest": 6, "latest": 15}],
            }
        ],
    }
    code, out, err = _run(["breaks", "solve", "--time-limit", "5"], instance)
    assert code == 0, err
    plan = json.loads(out)
    (placed,) = plan["breaks"]
    assert plan["status"] == "OPTIMAL"
    assert 6 <= placed["start"] <= 15
    assert plan["objective"] == 3  # one agent needed, three slots without them


def test_breaks_solve_bad_input_names_the_field() -> None:
    instance = {"slot_minutes": 5, "slots": 24, "requirement": [1] * 23, "agents": []}
    code, _out, err = _run(["breaks", "solve"], instance)
    assert code == 2
    assert "requirement" in err


def test_shifts_design_covers_a_flat_day() -> None:
    instance = {
        "slot_minutes": 60,
        "days": 1,
        "cyclic": False,
        "requirement": [0] * 8 + [2] * 8 + [0] * 8,
        "shift_types": [
            {"name": "D", "start_earliest": 6, "start_latest": 10, "length_min": 8, "length_max": 8}
        ],
        "weights": {"under": 1, "over": 1, "shift": 0},
    }
    code, out, err = _run(["shifts", "design", "--time-limit", "5"], instance)
    assert code == 0, err
    design = json.loads(out)
    assert design["status"] == "OPTIMAL"
    assert design["objective"] == 0


def test_bad_time_limit_exits_2() -> None:
    code, _out, err = _run(["shifts", "design", "--time-limit", "0"], {})
    assert code == 2
    assert "--time-limit" in err


ROSTER = {
    "slot_minutes": 60,
    "days": 7,
    "shifts": [{"name": "D", "start": 9, "length": 8}],
    "requirement": ([0] * 9 + [1] * 8 + [0] * 7) * 7,
    "agents": [{"id": "a1", "name": "Ivanova", "weekly_minutes": 2400, "tolerance_minutes": 0}],
}


def test_roster_solve_puts_the_agent_on_five_days() -> None:
    code, out, err = _run(["roster", "solve", "--time-limit", "5"], ROSTER)
    assert code == 0, err
    roster = json.loads(out)
    (agent,) = roster["agents"]
    assert roster["status"] == "OPTIMAL"
    assert sum(day is not None for day in agent["days"]) == 5  # 40 h of 8-hour shifts
    assert agent["worked_minutes"] == 2400


def test_roster_solve_bad_field_exits_2_naming_it() -> None:
    bad = {**ROSTER, "agents": [{**ROSTER["agents"][0], "weekly_minutes": -1}]}
    code, out, err = _run(["roster", "solve"], bad)
    assert (code, out) == (2, "")
    assert "agents[0].weekly_minutes" in err


BREAKS = {
    "slot_minutes": 5,
    "slots": 4,
    "requirement": [1] * 4,
    "agents": [{"id": "a1", "shift": [0, 4], "breaks": []}],
}
SHIFTS = {
    "slot_minutes": 60,
    "days": 1,
    "cyclic": False,
    "requirement": [1] * 24,
    "shift_types": [
        {"name": "D", "start_earliest": 0, "start_latest": 16, "length_min": 8, "length_max": 8}
    ],
    "weights": {"under": 1, "over": 1, "shift": 0},
}


def _case(**changes: object) -> dict[str, object]:
    return {"cases": [{**STAFFING["cases"][0], **changes}]}


@pytest.mark.parametrize(
    ("args", "document", "path"),
    [  # each of these used to end in a traceback (or a numpy overflow) instead of exit 2
        (["staffing"], _case(interval_minutes=1e308), "cases[0].interval_minutes"),
        (["staffing"], _case(max_occupancy=5e-324), "cases[0].max_occupancy"),
        (["staffing"], _case(answer_seconds=1e308), "cases[0].answer_seconds"),
        (["staffing"], _case(patience_seconds=5e-324), "cases[0].patience_seconds"),
        (["staffing"], _case(id="\ud800"), "cases[0].id"),
        (["breaks", "solve"], {**BREAKS, "requirement": [10**30] * 4}, "requirement[0]"),
        (["breaks", "solve"], {**BREAKS, "max_on_break": 10**30}, "max_on_break"),
        (["shifts", "design"], {**SHIFTS, "weights": {**SHIFTS["weights"], "over": 1e30}},
         "weights.over"),
        (["shifts", "design"], {**SHIFTS, "weights": {**SHIFTS["weights"], "under": 1e308}},
         "weights.under"),
        (["roster", "solve"], {**ROSTER, "agents": [{**ROSTER["agents"][0], "id": "\udfff"}]},
         "agents[0].id"),
    ],
)  # fmt: skip
def test_extreme_values_exit_2_naming_the_field(
    args: list[str], document: dict[str, object], path: str
) -> None:
    code, out, err = _run(args, json.dumps(document))
    assert (code, out) == (2, ""), err
    assert err.startswith(f"error: {path}: "), err


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deep"),
        ('{"cases": [' + "1" * 5000 + "]}", "too many digits"),
    ],
)
def test_json_python_cannot_read_exits_2(text: str, reason: str) -> None:
    code, out, err = _run(["staffing"], text)
    assert (code, out) == (2, "") and reason in err and "Traceback" not in err


@pytest.mark.parametrize(
    "command", [["breaks", "solve"], ["shifts", "design"], ["roster", "solve"]]
)
@pytest.mark.parametrize(
    "options",
    [  # breaks solve raised on the first three; every command on a number CP-SAT cannot hold
        ["--workers", "0"],
        ["--time-limit", "-1"],
        ["--time-limit", "nan"],
        ["--workers", "99999999999999999999"],
    ],
)
def test_bad_solver_options_exit_2_naming_the_option(
    command: list[str], options: list[str]
) -> None:
    code, out, err = _run([*command, *options], BREAKS)
    assert (code, out) == (2, "") and err.startswith(f"error: {options[0]}: "), err


def test_a_rest_too_long_to_roster_exits_2_at_once() -> None:
    # 2**31 minutes of rest made the roster's model build run on past any time limit
    bad = {**ROSTER, "rules": {"min_rest_minutes": 2**31}}
    code, out, err = _run(["roster", "solve", "--time-limit", "1"], bad)
    assert (code, out) == (2, "") and err.startswith("error: rules.min_rest_minutes: "), err
