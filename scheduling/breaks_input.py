"""Reading a break-scheduling instance (specs/breaks.md) from JSON values, naming bad fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scheduling.breaks_types import Agent, Break, Instance
from scheduling.contract import InputError, field, integer

_INSTANCE_KEYS = frozenset(
    {"slot_minutes", "slots", "requirement", "max_on_break", "not_before", "rules", "agents"}
)
_RULE_KEYS = frozenset({"min_work", "max_work"})
_AGENT_KEYS = frozenset({"id", "shift", "breaks", "fixed"})
_BREAK_KEYS = frozenset({"name", "length", "earliest", "latest"})
MAX_AGENTS_PER_SLOT = 1_000_000  # what the solver's integers hold with room to add them up


def parse_instance(doc: Mapping[str, Any]) -> Instance:
    """The instance in `doc`, or InputError naming the first bad field, e.g. `agents[3].shift`."""
    _known_keys(doc, _INSTANCE_KEYS, "")
    slot_minutes = _at_least(field(doc, "slot_minutes", ""), 1, "slot_minutes")
    slots = _at_least(field(doc, "slots", ""), 1, "slots")
    requirement = _per_slot(field(doc, "requirement", ""), slots, "requirement")
    min_work, max_work = _rules(doc.get("rules"))
    not_before = 0
    if doc.get("not_before") is not None:
        not_before = _at_least(doc["not_before"], 0, "not_before")
        if not_before > slots:
            raise InputError("not_before", f"must be at most slots ({slots})")
    return Instance(
        slot_minutes=slot_minutes,
        slots=slots,
        requirement=requirement,
        agents=_agents(field(doc, "agents", ""), slots),
        max_on_break=_max_on_break(doc.get("max_on_break"), slots),
        not_before=not_before,
        min_work=min_work,
        max_work=max_work,
    )


def _known_keys(doc: Any, known: frozenset[str], path: str) -> None:
    if not isinstance(doc, Mapping):
        raise InputError(path, "must be an object")
    for key in doc:
        if key not in known:
            raise InputError(f"{path}.{key}" if path else str(key), "is not a known field")


def _at_least(value: Any, low: int, path: str) -> int:
    number = integer(value, path)
    if number < low:
        raise InputError(path, f"must be at least {low}")
    return number


def _list(value: Any, path: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise InputError(path, "must be a list")
    return value


def _per_slot(value: Any, slots: int, path: str) -> tuple[int, ...]:
    items = _list(value, path)
    if len(items) != slots:
        raise InputError(path, f"must have one value per slot ({slots}), not {len(items)}")
    return tuple(_agents_in_slot(item, f"{path}[{i}]") for i, item in enumerate(items))


def _agents_in_slot(value: Any, path: str) -> int:
    count = _at_least(value, 0, path)
    if count > MAX_AGENTS_PER_SLOT:
        raise InputError(path, f"must be at most {MAX_AGENTS_PER_SLOT} agents")
    return count


def _max_on_break(value: Any, slots: int) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return _per_slot(value, slots, "max_on_break")
    return (_agents_in_slot(value, "max_on_break"),) * slots


def _rules(value: Any) -> tuple[int, int | None]:
    if value is None:
        return 0, None
    _known_keys(value, _RULE_KEYS, "rules")
    min_work = 0
    if value.get("min_work") is not None:
        min_work = _at_least(value["min_work"], 0, "rules.min_work")
    if value.get("max_work") is None:
        return min_work, None
    max_work = _at_least(value["max_work"], 0, "rules.max_work")
    if max_work < min_work:
        raise InputError("rules.max_work", f"must be at least rules.min_work ({min_work})")
    return min_work, max_work


def _agents(value: Any, slots: int) -> tuple[Agent, ...]:
    agents: list[Agent] = []
    first_index: dict[str, int] = {}
    for i, doc in enumerate(_list(value, "agents")):
        agent = _agent(doc, slots, f"agents[{i}]")
        if agent.id in first_index:
            raise InputError(
                f"agents[{i}].id", f"duplicate id {agent.id} (also agents[{first_index[agent.id]}])"
            )
        first_index[agent.id] = i
        agents.append(agent)
    return tuple(agents)


def _agent(doc: Any, slots: int, path: str) -> Agent:
    _known_keys(doc, _AGENT_KEYS, path)
    agent_id = field(doc, "id", path)
    if not isinstance(agent_id, str) or not agent_id:
        raise InputError(f"{path}.id", "must be a non-empty string")
    start, end = _shift(field(doc, "shift", path), slots, f"{path}.shift")
    breaks = _breaks(field(doc, "breaks", path), f"{path}.breaks")
    fixed = _fixed(doc.get("fixed"), {b.name for b in breaks}, f"{path}.fixed")
    breaks = tuple(Break(b.name, b.length, b.earliest, b.latest, fixed.get(b.name)) for b in breaks)
    return Agent(id=agent_id, shift_start=start, shift_end=end, breaks=breaks)


def _shift(value: Any, slots: int, path: str) -> tuple[int, int]:
    items = _list(value, path)
    if len(items) != 2:
        raise InputError(path, "must be [start, end]")
    start, end = (integer(item, f"{path}[{i}]") for i, item in enumerate(items))
    if not 0 <= start <= slots:
        raise InputError(f"{path}[0]", f"must lie in [0, slots] = [0, {slots}]")
    if not start <= end <= slots:
        raise InputError(f"{path}[1]", f"must lie in [shift start, slots] = [{start}, {slots}]")
    return start, end


def _breaks(value: Any, path: str) -> tuple[Break, ...]:
    breaks: list[Break] = []
    for i, doc in enumerate(_list(value, path)):
        here = f"{path}[{i}]"
        _known_keys(doc, _BREAK_KEYS, here)
        name = field(doc, "name", here)
        if not isinstance(name, str) or not name:
            raise InputError(f"{here}.name", "must be a non-empty string")
        if any(b.name == name for b in breaks):
            raise InputError(f"{here}.name", f"duplicate break name {name}")
        length = _at_least(field(doc, "length", here), 1, f"{here}.length")
        earliest = integer(field(doc, "earliest", here), f"{here}.earliest")
        latest = integer(field(doc, "latest", here), f"{here}.latest")
        breaks.append(Break(name, length, earliest, latest))
    return tuple(breaks)


def _fixed(value: Any, names: set[str], path: str) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(path, "must be an object: break name -> start slot")
    fixed: dict[str, int] = {}
    for name, start in value.items():
        if name not in names:
            raise InputError(f"{path}.{name}", "is not one of this agent's breaks")
        fixed[name] = integer(start, f"{path}.{name}")
    return fixed
