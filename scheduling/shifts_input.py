"""Reading a shift-design instance (specs/shifts.md) from JSON-shaped values, field by field.

Every refusal is an `InputError` whose path names the offending field, e.g.
`shift_types[1].start_latest`, and whose reason says what the value must be.
"""

from __future__ import annotations

from typing import Any

from scheduling.contract import (
    InputError,
    at_least,
    field,
    integer,
    known_fields,
    number,
    parse_slot_minutes,
)
from scheduling.shifts_domain import MINUTES_PER_DAY, Instance, ShiftType, Weights

MAX_AGENTS_PER_SLOT = 1_000_000
MAX_WEIGHT = 1_000_000  # times every agent-slot of a horizon, still within the solver's integers
_INSTANCE_FIELDS = (
    "slot_minutes", "days", "cyclic", "requirement", "shift_types", "weights",
    "max_agents_per_shift",
)
_SHIFT_TYPE_FIELDS = ("name", "start_earliest", "start_latest", "length_min", "length_max")
_WEIGHT_FIELDS = ("under", "over", "shift")


def parse_instance(doc: Any) -> Instance:
    """An `Instance` from a parsed JSON document, or `InputError(path, reason)`."""
    known_fields(doc, _INSTANCE_FIELDS, "")
    slot_minutes = parse_slot_minutes(field(doc, "slot_minutes", ""))
    slots_per_day = MINUTES_PER_DAY // slot_minutes
    days = at_least(integer(field(doc, "days", ""), "days"), 1, "days")
    cyclic = field(doc, "cyclic", "")
    if not isinstance(cyclic, bool):
        raise InputError("cyclic", "must be true or false")
    return Instance(
        slot_minutes=slot_minutes,
        days=days,
        cyclic=cyclic,
        requirement=_requirement(field(doc, "requirement", ""), days * slots_per_day),
        shift_types=_shift_types(field(doc, "shift_types", ""), slots_per_day),
        weights=_weights(field(doc, "weights", "")),
        max_agents_per_shift=_max_agents_per_shift(doc.get("max_agents_per_shift")),
    )


def _requirement(value: Any, horizon_slots: int) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise InputError("requirement", "must be a list of integers")
    if len(value) != horizon_slots:
        raise InputError(
            "requirement",
            f"must have days * slots per day = {horizon_slots} entries, not {len(value)}",
        )
    agents = []
    for index, item in enumerate(value):
        path = f"requirement[{index}]"
        count = at_least(integer(item, path), 0, path)
        if count > MAX_AGENTS_PER_SLOT:
            raise InputError(path, f"must be at most {MAX_AGENTS_PER_SLOT} agents")
        agents.append(count)
    return tuple(agents)


def _shift_types(value: Any, slots_per_day: int) -> tuple[ShiftType, ...]:
    if not isinstance(value, list) or not value:
        raise InputError("shift_types", "must be a non-empty list of shift types")
    parsed: list[ShiftType] = []
    for index, item in enumerate(value):
        shift_type = _shift_type(item, f"shift_types[{index}]", slots_per_day)
        for earlier, other in enumerate(parsed):
            if other.name == shift_type.name:
                raise InputError(
                    f"shift_types[{index}].name", f"repeats shift_types[{earlier}].name"
                )
        parsed.append(shift_type)
    return tuple(parsed)


def _shift_type(doc: Any, path: str, slots_per_day: int) -> ShiftType:
    known_fields(doc, _SHIFT_TYPE_FIELDS, path)
    name = field(doc, "name", path)
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{path}.name", "must be a non-empty string")
    window = {
        key: integer(field(doc, key, path), f"{path}.{key}") for key in _SHIFT_TYPE_FIELDS[1:]
    }
    last_start = slots_per_day - 1
    for key in ("start_earliest", "start_latest"):
        if not 0 <= window[key] <= last_start:
            raise InputError(
                f"{path}.{key}",
                f"must be a slot of the day, 0..{last_start} (a start window that crosses "
                "midnight is written as two types)",
            )
    for key in ("length_min", "length_max"):
        if not 1 <= window[key] <= slots_per_day:
            raise InputError(f"{path}.{key}", f"must be 1..{slots_per_day} slots (at most a day)")
    if window["start_latest"] < window["start_earliest"]:
        raise InputError(
            f"{path}.start_latest",
            f"is before start_earliest ({window['start_earliest']}): no start is allowed",
        )
    if window["length_max"] < window["length_min"]:
        raise InputError(
            f"{path}.length_max",
            f"is below length_min ({window['length_min']}): no length is allowed",
        )
    return ShiftType(name=name, **window)


def _weights(doc: Any) -> Weights:
    known_fields(doc, _WEIGHT_FIELDS, "weights")
    values: dict[str, float] = {}
    for key in _WEIGHT_FIELDS:
        path = f"weights.{key}"
        weight = number(field(doc, key, "weights"), path)
        if weight is None or weight < 0:
            raise InputError(path, "must be zero or more")
        if weight > MAX_WEIGHT:
            raise InputError(path, f"must be at most {MAX_WEIGHT:,}")
        values[key] = weight
    return Weights(**values)


def _max_agents_per_shift(value: Any) -> int | None:
    if value is None:
        return None
    cap = integer(value, "max_agents_per_shift")
    if cap < 1:
        raise InputError("max_agents_per_shift", "must be at least 1, or null for no cap")
    return cap
