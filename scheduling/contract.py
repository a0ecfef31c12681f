"""Shared pieces of the JSON contracts in specs/: input errors that name the field's path."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

_MINUTES_PER_DAY = 1440


class InputError(ValueError):
    """Input that breaks a contract; `path` names the field, e.g. `cases[3].aht_seconds`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def field(doc: Mapping[str, Any], key: str, path: str) -> Any:
    """The value of a required field, or InputError naming it."""
    if not isinstance(doc, Mapping):
        raise InputError(path, "must be an object")
    if key not in doc:
        raise InputError(_join(path, key), "is required")
    return doc[key]


def number(value: Any, path: str, *, allow_none: bool = False) -> float | None:
    """A finite real number (bools refused), or InputError."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(path, "must be a number")
    if not math.isfinite(value):
        raise InputError(path, "must be a finite number")
    return float(value)


def integer(value: Any, path: str) -> int:
    """A whole number (bools and fractions refused), or InputError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(path, "must be an integer")
    return value


def known_fields(doc: Any, known: tuple[str, ...], path: str) -> None:
    """InputError unless `doc` is an object whose keys are all in `known`."""
    if not isinstance(doc, Mapping):
        raise InputError(path, "must be an object")
    for key in doc:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            raise InputError(where, f"is not a known field (expected one of {', '.join(known)})")


def at_least(value: int, low: int, path: str) -> int:
    """`value`, or InputError when it is below `low`."""
    if value < low:
        raise InputError(path, f"must be at least {low}")
    return value


def parse_slot_minutes(value: Any) -> int:
    """The `slot_minutes` field: a whole number of minutes that divides a day, or InputError."""
    minutes = at_least(integer(value, "slot_minutes"), 1, "slot_minutes")
    if _MINUTES_PER_DAY % minutes:
        raise InputError("slot_minutes", "must divide a day (1440 minutes) evenly")
    return minutes


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
