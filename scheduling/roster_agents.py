"""Reading the `agents` of a roster instance: contract, skills, time off, wishes, history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from scheduling.contract import InputError, field, integer
from scheduling.roster_types import (
    DAYS_PER_WEEK,
    MINUTES_PER_DAY,
    Agent,
    TimeOff,
    Unavailable,
    Wish,
    WishKind,
)

_AGENT_FIELDS = (
    "id", "name", "weekly_minutes", "tolerance_minutes", "skills", "time_off", "unavailable",
    "wishes", "history",
)
_WISH_KINDS: tuple[str, ...] = get_args(WishKind)


def parse_agents(
    value: Any, days: int, per_day: int, queues: tuple[str, ...], shifts: tuple[str, ...],
    *, plain: bool,
) -> tuple[Agent, ...]:
    """The agents, each checked against the horizon, the queues and the shift names.

    With a plain-list requirement (`plain`) there is one queue and `skills` must be left out.
    """
    if not isinstance(value, list):
        raise InputError("agents", "must be a list of agents")
    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        path = f"agents[{index}]"
        agent = _agent(item, path, days, per_day, queues, shifts, plain)
        if agent.id in seen:
            raise InputError(f"{path}.id", f"repeats agents[{seen[agent.id]}].id {agent.id!r}")
        seen[agent.id] = index
        agents.append(agent)
    return tuple(agents)


def _agent(
    doc: Any, path: str, days: int, per_day: int, queues: tuple[str, ...],
    shifts: tuple[str, ...], plain: bool,
) -> Agent:
    _known(doc, _AGENT_FIELDS, path)
    ident = _text(field(doc, "id", path), f"{path}.id")
    name = _text(doc.get("name", ident), f"{path}.name")
    weekly = _whole(field(doc, "weekly_minutes", path), f"{path}.weekly_minutes")
    if weekly > DAYS_PER_WEEK * MINUTES_PER_DAY:
        raise InputError(f"{path}.weekly_minutes", "must be at most a week (10080 minutes)")
    tolerance = _whole(doc.get("tolerance_minutes", 0), f"{path}.tolerance_minutes")
    history = doc.get("history", {})
    _known(history, ("days_worked", "last_end"), f"{path}.history")
    last_end = history.get("last_end")
    if last_end is not None:
        last_end = integer(last_end, f"{path}.history.last_end")
        if last_end > per_day:
            raise InputError(f"{path}.history.last_end", f"must be at most {per_day} (slots "
                             "from day 0 00:00; negative when it ended before midnight)")
    return Agent(
        id=ident,
        name=name,
        weekly_minutes=weekly,
        tolerance_minutes=tolerance,
        skills=_skills(doc, path, queues, plain),
        time_off=_time_off(doc.get("time_off", []), f"{path}.time_off", days),
        unavailable=_unavailable(doc.get("unavailable", []), f"{path}.unavailable", days,
                                 per_day),
        wishes=_wishes(doc.get("wishes", []), f"{path}.wishes", days, shifts),
        days_worked_before=_whole(history.get("days_worked", 0), f"{path}.history.days_worked"),
        last_end=last_end,
    )


def _known(doc: Any, known: tuple[str, ...], path: str) -> None:
    if not isinstance(doc, Mapping):
        raise InputError(path, "must be an object")
    for key in doc:
        if key not in known:
            raise InputError(f"{path}.{key}",
                             f"is not a known field (expected one of {', '.join(known)})")


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, "must be a non-empty string")
    return value


def _whole(value: Any, path: str) -> int:
    number = integer(value, path)
    if number < 0:
        raise InputError(path, "must be zero or more")
    return number


def _items(value: Any, path: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(path, f"must be a list of {what}")
    return value


def _day(doc: Mapping[str, Any], path: str, days: int) -> int:
    day = integer(field(doc, "day", path), f"{path}.day")
    if not 0 <= day < days:
        raise InputError(f"{path}.day", f"must be a day of the horizon, 0..{days - 1}")
    return day


def _skills(doc: Mapping[str, Any], path: str, queues: tuple[str, ...], plain: bool
            ) -> tuple[str, ...]:
    if "skills" not in doc:
        return queues
    if plain:
        raise InputError(f"{path}.skills",
                         "needs a requirement per queue (requirement as queue -> list)")
    skills = _items(doc["skills"], f"{path}.skills", "queue names")
    if not skills:
        raise InputError(f"{path}.skills", "must name at least one queue")
    for index, skill in enumerate(skills):
        if skill not in queues:
            raise InputError(f"{path}.skills[{index}]",
                             f"is not a queue of the requirement ({', '.join(queues)})")
        if skill in skills[:index]:
            raise InputError(f"{path}.skills[{index}]", f"repeats {skill!r}")
    return tuple(q for q in queues if q in skills)


def _time_off(value: Any, path: str, days: int) -> tuple[TimeOff, ...]:
    entries: list[TimeOff] = []
    for index, item in enumerate(_items(value, path, "days of leave")):
        where = f"{path}[{index}]"
        _known(item, ("day", "credit_minutes"), where)
        day = _day(item, where, days)
        if any(e.day == day for e in entries):
            raise InputError(f"{where}.day", f"repeats day {day}")
        credit = _whole(item.get("credit_minutes", 0), f"{where}.credit_minutes")
        if credit > MINUTES_PER_DAY:
            raise InputError(f"{where}.credit_minutes", "must be at most a day (1440 minutes)")
        entries.append(TimeOff(day, credit))
    return tuple(entries)


def _unavailable(value: Any, path: str, days: int, per_day: int) -> tuple[Unavailable, ...]:
    entries: list[Unavailable] = []
    for index, item in enumerate(_items(value, path, "days or slot ranges")):
        where = f"{path}[{index}]"
        _known(item, ("day", "from", "to"), where)
        day = _day(item, where, days)
        start = integer(item.get("from", 0), f"{where}.from")
        end = integer(item.get("to", per_day), f"{where}.to")
        if not 0 <= start < per_day:
            raise InputError(f"{where}.from", f"must be a slot of the day, 0..{per_day - 1}")
        if not start < end <= per_day:
            raise InputError(f"{where}.to", f"must be after from ({start}) and at most {per_day}")
        entries.append(Unavailable(day, start, end))
    return tuple(entries)


def _wishes(value: Any, path: str, days: int, shifts: tuple[str, ...]) -> tuple[Wish, ...]:
    wishes: list[Wish] = []
    for index, item in enumerate(_items(value, path, "wishes")):
        where = f"{path}[{index}]"
        _known(item, ("kind", "day", "shift"), where)
        kind = field(item, "kind", where)
        if kind not in _WISH_KINDS:
            raise InputError(f"{where}.kind", f"must be one of {', '.join(_WISH_KINDS)}")
        day = _day(item, where, days) if "day" in item or kind == "day_off" else None
        shift = item.get("shift")
        if kind == "day_off" and shift is not None:
            raise InputError(f"{where}.shift", "is not used by a day_off wish")
        if kind != "day_off" and shift not in shifts:
            raise InputError(f"{where}.shift", f"must be one of the shifts ({', '.join(shifts)})")
        wishes.append(Wish(kind, day, shift))
    return tuple(wishes)
