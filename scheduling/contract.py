"""Shared pieces of the JSON contracts in specs/: input errors that name the field's path."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


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


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
