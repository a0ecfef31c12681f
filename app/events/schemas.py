"""The events of specs/events-and-kpis.md as pydantic models; errors by index and field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from kpi.records import AgentState, time_problem

MAX_EVENTS = 10_000


def _storable_text(value: str) -> str:
    """The text, unless the store cannot keep it (a NUL, or half a UTF-16 pair from JSON)."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("not valid Unicode (a lone surrogate)") from None
    return value


def _iso_text(value: Any) -> Any:
    """The contract's times are ISO 8601 text; a bare number (a Unix time?) is refused."""
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO 8601 time with its UTC offset, as text")
    return value


def _storable_time(value: datetime) -> datetime:
    if (problem := time_problem(value)) is not None:
        raise ValueError(problem)
    return value


_STORABLE = AfterValidator(_storable_text)
_ID = StringConstraints(strip_whitespace=True, min_length=1, max_length=128)
_QUEUE = StringConstraints(strip_whitespace=True, min_length=1, max_length=120)
_AGENT = StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
EventId = Annotated[str, _ID, _STORABLE]
CallId = Annotated[str, _ID, _STORABLE]
QueueName = Annotated[str, _QUEUE, _STORABLE]
AgentCode = Annotated[str, _AGENT, _STORABLE]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_storable_time)]


class _EventBase(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: EventId
    ts: Timestamp


class CallOffered(_EventBase):
    """The call enters the queue and waits for an agent."""

    type: Literal["call.offered"]
    call_id: CallId
    queue: QueueName


class CallAnswered(_EventBase):
    """An agent picks the call up."""

    type: Literal["call.answered"]
    call_id: CallId
    agent: AgentCode


class CallAbandoned(_EventBase):
    """The caller hangs up while waiting."""

    type: Literal["call.abandoned"]
    call_id: CallId


class CallEnded(_EventBase):
    """Talk ends."""

    type: Literal["call.ended"]
    call_id: CallId


class AgentStateChanged(_EventBase):
    """The agent enters a state; it lasts until the agent's next state event."""

    type: Literal["agent.state"]
    agent: AgentCode
    state: AgentState
    reason: Annotated[str, StringConstraints(max_length=120), _STORABLE] | None = None


EventIn = Annotated[
    CallOffered | CallAnswered | CallAbandoned | CallEnded | AgentStateChanged,
    Field(discriminator="type"),
]
_EVENTS = TypeAdapter(list[EventIn])


class EventError(BaseModel):
    """One problem: the event's index in the request (None: the request itself) and the field."""

    index: int | None
    field: str | None
    message: str


class IngestRead(BaseModel):
    """The answer to an accepted request."""

    stored: int
    duplicates: int


def parse_events(body: Any) -> tuple[list[EventIn], list[EventError]]:
    """The request's events, or every problem found in them (then no events)."""
    if not isinstance(body, list):
        return [], [EventError(index=None, field=None, message="the body must be a JSON array")]
    if len(body) > MAX_EVENTS:
        message = f"at most {MAX_EVENTS} events per request, got {len(body)}"
        return [], [EventError(index=None, field=None, message=message)]
    try:
        return _EVENTS.validate_python(body), []
    except ValidationError as error:
        return [], [_event_error(detail) for detail in error.errors(include_url=False)]


def _event_error(detail: Any) -> EventError:
    loc = list(detail["loc"])
    index = loc.pop(0) if loc and isinstance(loc[0], int) else None
    if loc and isinstance(loc[0], str) and "." in loc[0]:
        loc.pop(0)  # the discriminator's tag, e.g. "call.offered"
    field = ".".join(str(part) for part in loc) or None
    if detail["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field = "type"
    return EventError(index=index, field=field, message=detail["msg"])
