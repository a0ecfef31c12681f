"""Reading a roster instance (the JSON in scheduling/roster.py) field by field.

Every refusal is an `InputError` whose path names the offending field, e.g.
`agents[3].time_off[0].day`, and whose reason says what the value must be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduling.contract import (
    InputError,
    at_least,
    field,
    integer,
    known_fields,
    parse_slot_minutes,
)
from scheduling.roster_agents import parse_agents
from scheduling.roster_types import (
    LATE_AFTER_MINUTES,
    MINUTES_PER_DAY,
    Instance,
    Rules,
    Shift,
    Weights,
)

MAX_DAYS = 366
MAX_AGENTS_PER_SLOT = 1_000_000
ALL_QUEUES = "all"  # the one queue of a requirement given as a plain list
_INSTANCE_FIELDS = (
    "slot_minutes", "days", "first_weekday", "shifts", "requirement", "design", "rules",
    "weights", "agents",
)
_SHIFT_FIELDS = ("name", "start", "length", "late")
_RULE_FIELDS = ("min_rest_minutes", "max_consecutive_days", "max_shifts_per_week")
_WEIGHT_FIELDS = ("shortage", "hours", "weekend", "late", "wish")
_DEFAULT_RULES = Rules()
_DEFAULT_WEIGHTS = Weights()


def parse_instance(doc: Any) -> Instance:
    """An `Instance` from a parsed JSON document, or `InputError(path, reason)`."""
    known_fields(doc, _INSTANCE_FIELDS, "")
    slot_minutes = parse_slot_minutes(field(doc, "slot_minutes", ""))
    per_day = MINUTES_PER_DAY // slot_minutes
    days = at_least(integer(field(doc, "days", ""), "days"), 1, "days")
    if days > MAX_DAYS:
        raise InputError("days", f"must be at most {MAX_DAYS}")
    first_weekday = integer(doc.get("first_weekday", 0), "first_weekday")
    if not 0 <= first_weekday <= 6:
        raise InputError("first_weekday", "must be 0 (Monday) to 6 (Sunday)")
    if ("requirement" in doc) == ("design" in doc):
        raise InputError("requirement", "give either requirement or design, not both or none")
    if "requirement" in doc:
        queues, need = _requirement(doc["requirement"], days * per_day)
        shifts = _shifts(field(doc, "shifts", ""), slot_minutes)
    else:
        shifts, need = _design(doc["design"], days, slot_minutes)
        queues = (ALL_QUEUES,)
        if "shifts" in doc:
            shifts = _shifts(doc["shifts"], slot_minutes)
    return Instance(
        slot_minutes=slot_minutes,
        days=days,
        first_weekday=first_weekday,
        shifts=shifts,
        queues=queues,
        requirement=need,
        agents=parse_agents(
            field(doc, "agents", ""), days, per_day, queues, tuple(s.name for s in shifts),
            plain="requirement" in doc and isinstance(doc["requirement"], list),
        ),
        rules=_rules(doc.get("rules", {})),
        weights=_weights(doc.get("weights", {})),
    )


def listed(value: Any, path: str, what: str) -> list[Any]:
    """`value` when it is a list, else InputError saying what it must be a list of."""
    if not isinstance(value, list):
        raise InputError(path, f"must be a list of {what}")
    return value


def _requirement(value: Any, slots: int) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    if isinstance(value, list):
        return (ALL_QUEUES,), (_curve(value, slots, "requirement"),)
    if not isinstance(value, Mapping) or not value:
        raise InputError("requirement", "must be a list of integers, or queue -> such a list")
    queues: list[str] = []
    curves = []
    for name, curve in value.items():
        if not isinstance(name, str) or not name.strip():
            raise InputError("requirement", "queue names must be non-empty strings")
        queues.append(name)
        curves.append(_curve(curve, slots, f"requirement.{name}"))
    return tuple(queues), tuple(curves)


def _curve(value: Any, slots: int, path: str) -> tuple[int, ...]:
    items = listed(value, path, "integers")
    if len(items) != slots:
        raise InputError(
            path, f"must have days * slots per day = {slots} entries, not {len(items)}")
    need = []
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        count = at_least(integer(item, where), 0, where)
        if count > MAX_AGENTS_PER_SLOT:
            raise InputError(where, f"must be at most {MAX_AGENTS_PER_SLOT} agents")
        need.append(count)
    return tuple(need)


def _shifts(value: Any, slot_minutes: int) -> tuple[Shift, ...]:
    items = listed(value, "shifts", "shifts")
    if not items:
        raise InputError("shifts", "must list at least one shift")
    shifts: list[Shift] = []
    for index, item in enumerate(items):
        path = f"shifts[{index}]"
        known_fields(item, _SHIFT_FIELDS, path)
        name = _name(field(item, "name", path), f"{path}.name")
        if any(s.name == name for s in shifts):
            raise InputError(f"{path}.name", f"repeats the shift {name!r}")
        start, length = _window(item, path, slot_minutes)
        late = item.get("late", _ends_late(start, length, slot_minutes))
        if not isinstance(late, bool):
            raise InputError(f"{path}.late", "must be true or false")
        shifts.append(Shift(name, start, length, late))
    return tuple(shifts)


def _window(item: Mapping[str, Any], path: str, slot_minutes: int) -> tuple[int, int]:
    per_day = MINUTES_PER_DAY // slot_minutes
    start = integer(field(item, "start", path), f"{path}.start")
    if not 0 <= start < per_day:
        raise InputError(f"{path}.start", f"must be a slot of the day, 0..{per_day - 1}")
    length = integer(field(item, "length", path), f"{path}.length")
    if not 1 <= length <= per_day:
        raise InputError(f"{path}.length", f"must be 1..{per_day} slots (at most a day)")
    return start, length


def _ends_late(start: int, length: int, slot_minutes: int) -> bool:
    return (start + length) * slot_minutes > LATE_AFTER_MINUTES


def _name(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, "must be a non-empty string")
    return value


def _design(
    doc: Any, days: int, slot_minutes: int
) -> tuple[tuple[Shift, ...], tuple[tuple[int, ...], ...]]:
    """The design's shifts, named by type and clock time, and the coverage its counts give."""
    if not isinstance(doc, Mapping):
        raise InputError("design", "must be a shift design (an object with shifts)")
    per_day = MINUTES_PER_DAY // slot_minutes
    need = [0] * (days * per_day)
    shifts: list[Shift] = []
    for index, item in enumerate(listed(field(doc, "shifts", "design"), "design.shifts", "shifts")):
        path = f"design.shifts[{index}]"
        kind = _name(field(item, "type", path), f"{path}.type")
        start, length = _window(item, path, slot_minutes)
        counts = listed(field(item, "counts", path), f"{path}.counts", "integers")
        if len(counts) != days:
            raise InputError(f"{path}.counts", f"must have one count per day ({days})")
        name = f"{kind} {_clock(start, slot_minutes)}-{_clock(start + length, slot_minutes)}"
        if any(s.name == name for s in shifts):
            raise InputError(path, f"repeats the shift {name!r}")
        shifts.append(Shift(name, start, length, _ends_late(start, length, slot_minutes)))
        for day, count in enumerate(counts):
            where = f"{path}.counts[{day}]"
            number = at_least(integer(count, where), 0, where)
            first = day * per_day + start
            for slot in range(first, min(first + length, len(need))):
                need[slot] += number
    if not shifts:
        raise InputError("design.shifts", "must list at least one shift")
    return tuple(shifts), (tuple(need),)


def _clock(slot: int, slot_minutes: int) -> str:
    minutes = slot * slot_minutes % MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _rules(doc: Any) -> Rules:
    known_fields(doc, _RULE_FIELDS, "rules")
    rest = doc.get("min_rest_minutes", _DEFAULT_RULES.min_rest_minutes)
    rest = at_least(integer(rest, "rules.min_rest_minutes"), 0, "rules.min_rest_minutes")
    if rest > 7 * MINUTES_PER_DAY:  # 2**31 minutes and up made the model build never end
        raise InputError("rules.min_rest_minutes", "must be at most a week (10080 minutes)")
    caps: dict[str, int | None] = {}
    for key in _RULE_FIELDS[1:]:
        value = doc.get(key, getattr(_DEFAULT_RULES, key))
        caps[key] = None if value is None else at_least(integer(value, f"rules.{key}"), 1,
                                                        f"rules.{key}")
    return Rules(rest, caps["max_consecutive_days"], caps["max_shifts_per_week"])


def _weights(doc: Any) -> Weights:
    known_fields(doc, _WEIGHT_FIELDS, "weights")
    values = {}
    for key in _WEIGHT_FIELDS:
        path = f"weights.{key}"
        values[key] = at_least(integer(doc.get(key, getattr(_DEFAULT_WEIGHTS, key)), path), 0, path)
    return Weights(**values)
