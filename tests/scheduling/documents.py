"""What the contract-input tests share: a right roster document, and edits made at a path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]


def roster_document() -> Doc:
    """A small right roster instance (two queues, two shifts, two agents), fresh each call."""
    return {
        "slot_minutes": 240, "days": 2,
        "shifts": [{"name": "E", "start": 1, "length": 2}, {"name": "L", "start": 3, "length": 2}],
        "requirement": {"sales": [0, 1, 1, 1, 0, 0] * 2, "support": [0] * 12},
        "rules": {"min_rest_minutes": 660, "max_consecutive_days": None},
        "weights": {"shortage": 1000},
        "agents": [
            {"id": "a1", "weekly_minutes": 960, "skills": ["sales"],
             "time_off": [{"day": 1, "credit_minutes": 480}],
             "unavailable": [{"day": 0, "from": 0, "to": 2}],
             "wishes": [{"kind": "avoid", "shift": "L"}],
             "history": {"days_worked": 2, "last_end": -1}},
            {"id": "a2", "weekly_minutes": 480},
        ],
    }  # fmt: skip


def set_at(path: list[Any], value: Any) -> Callable[[Doc], None]:
    """An edit that sets the value at `path` (keys and indexes from the root)."""

    def change(doc: Doc) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def drop_at(path: list[Any]) -> Callable[[Doc], None]:
    """An edit that removes the field at `path`."""

    def change(doc: Doc) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change
