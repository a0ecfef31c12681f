"""Alert rules over the live board and adherence, each alert with a stable key.

The key names one condition on one subject (and the interval, for service level; the
episode's start, for adherence), so the app can keep an alert open while its key keeps
coming back, and close it once it is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from kpi.adherence import AgentAdherence
from kpi.live import LiveBoard, QueueNow
from kpi.records import seconds_between

ALL_QUEUES = "*"  # how the key names the all-queues subject


class AlertKind(StrEnum):
    """Which rule raised the alert."""

    SERVICE_LEVEL = "service_level"
    CALLS_WAITING = "calls_waiting"
    LONGEST_WAIT = "longest_wait"
    OUT_OF_ADHERENCE = "out_of_adherence"


@dataclass(frozen=True, slots=True)
class AlertRules:
    """A site's alert limits; None switches a rule off."""

    service_level_target: float | None = 0.8  # alert when this interval's SL is below it
    service_level_min_offered: int = 1  # ...once at least this many calls were offered
    max_calls_waiting: int | None = None  # alert when more calls than this wait now
    max_longest_wait_seconds: float | None = None  # alert when a call waits longer than this
    max_out_of_adherence_minutes: float | None = None  # alert when an agent is out longer


@dataclass(frozen=True, slots=True)
class Alert:
    """One raised alert: subject is a queue (None: all queues) or an agent.

    kind (the rule) with subject, value and limit is all an alert says: the app words it
    from them in the reader's language. message is the same in English, for logs and tests.
    value/limit: service level and its target (0..1), calls waiting and the limit, the
    longest wait and the limit (seconds), minutes out of adherence and the limit.
    """

    key: str
    kind: AlertKind
    subject: str | None
    value: float
    limit: float
    message: str


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _alert(
    kind: AlertKind, subject: str | None, value: float, limit: float, message: str, *episode: str
) -> Alert:
    key = ":".join((kind.value, ALL_QUEUES if subject is None else subject, *episode))
    return Alert(key, kind, subject, value, limit, message)


def _label(queue: QueueNow) -> str:
    return "all queues" if queue.queue is None else f"queue {queue.queue}"


def service_level_alert(
    queue: QueueNow, rules: AlertRules, interval_start: datetime
) -> Alert | None:
    """The service level of this interval is below target (once enough calls were offered)."""
    figures, target = queue.this_interval, rules.service_level_target
    sl = figures.service_level
    if target is None or sl is None or figures.offered < rules.service_level_min_offered:
        return None
    if sl >= target:
        return None
    message = f"{_label(queue)}: service level {sl:.0%} this interval, target {target:.0%}"
    return _alert(AlertKind.SERVICE_LEVEL, queue.queue, sl, target, message, _utc(interval_start))


def calls_waiting_alert(queue: QueueNow, rules: AlertRules) -> Alert | None:
    """More calls are waiting now than the limit."""
    limit = rules.max_calls_waiting
    if limit is None or queue.waiting_now <= limit:
        return None
    message = f"{_label(queue)}: {queue.waiting_now} calls waiting, limit {limit}"
    return _alert(AlertKind.CALLS_WAITING, queue.queue, queue.waiting_now, limit, message)


def longest_wait_alert(queue: QueueNow, rules: AlertRules) -> Alert | None:
    """A call waiting now has waited longer than the limit."""
    longest, limit = queue.longest_wait_seconds, rules.max_longest_wait_seconds
    if limit is None or longest is None or longest <= limit:
        return None
    message = f"{_label(queue)}: a call has waited {longest:.0f} s, limit {limit:g} s"
    return _alert(AlertKind.LONGEST_WAIT, queue.queue, longest, limit, message)


def queue_alerts(board: LiveBoard, rules: AlertRules) -> tuple[Alert, ...]:
    """Service-level and waiting alerts for every queue on the board and for all queues."""
    alerts = []
    for queue in (*board.queues, board.all_queues):
        alerts += [
            service_level_alert(queue, rules, board.interval_start),
            calls_waiting_alert(queue, rules),
            longest_wait_alert(queue, rules),
        ]
    return tuple(alert for alert in alerts if alert is not None)


def adherence_alerts(
    adherence: Iterable[AgentAdherence], rules: AlertRules, *, now: datetime
) -> tuple[Alert, ...]:
    """An alert for each agent out of adherence for longer than the limit at `now`."""
    limit = rules.max_out_of_adherence_minutes
    if limit is None:
        return ()
    alerts = []
    for agent in adherence:
        since = agent.out_of_adherence_since
        if since is None:
            continue
        minutes = seconds_between(since, now) / 60
        if minutes > limit:
            message = f"{agent.agent}: out of adherence for {minutes:.0f} min, limit {limit:g} min"
            kind = AlertKind.OUT_OF_ADHERENCE
            alerts.append(_alert(kind, agent.agent, minutes, limit, message, _utc(since)))
    return tuple(alerts)


def evaluate_alerts(
    board: LiveBoard, rules: AlertRules, adherence: Iterable[AgentAdherence] = ()
) -> tuple[Alert, ...]:
    """Every alert raised at the board's `now`."""
    return queue_alerts(board, rules) + adherence_alerts(adherence, rules, now=board.now)
