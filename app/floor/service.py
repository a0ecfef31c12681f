"""The Floor of a site at `now`: queue tiles, the agent board, today's SL curve, alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.floor import records
from app.floor.alert_store import sync_alerts
from app.models import Site
from kpi.adherence import Activity, AgentAdherence, ScheduledActivity, agent_adherence
from kpi.alerts import Alert, AlertRules, evaluate_alerts
from kpi.definitions import Thresholds, interval_figures
from kpi.live import LiveBoard, call_as_of, live_board, state_as_of
from kpi.records import AgentState, CallRecord, StateInterval

# The Floor's defaults, in one place.
INTERVAL_MINUTES = 30
GRACE_SECONDS = 120.0  # adherence tolerance around each scheduled change
QUIET_MINUTES = 5  # the feed is called quiet after this long without an event
OPEN_CALL_LOOKBACK = timedelta(hours=12)  # how far back a call still waiting may have begun
RULES = AlertRules(
    service_level_target=0.8,
    service_level_min_offered=5,
    max_calls_waiting=5,
    max_longest_wait_seconds=120.0,
    max_out_of_adherence_minutes=3.0,
)
SORTS = ("name", "team", "state", "time_in_state", "activity", "adherence")


@dataclass(frozen=True, slots=True)
class AgentRow:
    """One line of the agent board."""

    code: str
    name: str
    team_id: int | None
    team: str | None
    state: AgentState
    state_since: datetime | None
    activity: Activity | None
    adherence: AgentAdherence | None

    @property
    def out_of_adherence(self) -> bool:
        """Whether the agent is out of adherence right now."""
        return self.adherence is not None and self.adherence.out_of_adherence_since is not None


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Today's service level of all queues in one interval (None: nothing to divide by)."""

    start: datetime
    service_level: float | None
    offered: int


@dataclass(frozen=True, slots=True)
class Floor:
    """Everything the Floor screen shows of one site at `now`."""

    site: Site
    board: LiveBoard
    agents: tuple[AgentRow, ...]
    curve: tuple[CurvePoint, ...]
    alerts: tuple[Alert, ...]
    rules: AlertRules


def thresholds_of(site: Site) -> Thresholds:
    """The site's service-level and short-abandon thresholds."""
    return Thresholds(
        sl_seconds=site.service_level_threshold_seconds,
        short_abandon_seconds=site.short_abandon_seconds,
    )


def _current(states: list[StateInterval], now: datetime) -> dict[str, StateInterval]:
    current: dict[str, StateInterval] = {}
    for interval in states:
        if interval.start <= now and (interval.end is None or interval.end > now):
            known = current.get(interval.agent)
            if known is None or interval.start >= known.start:
                current[interval.agent] = interval
    return current


def _activity_now(schedule: list[ScheduledActivity], now: datetime) -> dict[str, Activity]:
    return {p.agent: p.activity for p in schedule if p.start <= now < p.end}


def agent_rows(
    agents: list[records.AgentInfo],
    states: list[StateInterval],
    schedule: list[ScheduledActivity],
    adherence: dict[str, AgentAdherence],
    now: datetime,
) -> tuple[AgentRow, ...]:
    """The board's lines: every active agent logged in or scheduled today, by name."""
    current, activity = _current(states, now), _activity_now(schedule, now)
    scheduled_today = {p.agent for p in schedule}
    rows = []
    for agent in agents:
        state = current.get(agent.code)
        if state is None and agent.code not in scheduled_today:
            continue
        rows.append(
            AgentRow(
                agent.code,
                agent.name,
                agent.team_id,
                agent.team,
                state.state if state else AgentState.LOGGED_OUT,
                state.start if state else None,
                activity.get(agent.code),
                adherence.get(agent.code),
            )
        )
    return tuple(rows)


def _curve(
    board: LiveBoard, calls: list[CallRecord], site: Site, tz: ZoneInfo
) -> tuple[CurvePoint, ...]:
    today = [c for c in calls if c.offered_at >= board.day_start]
    rows = interval_figures(
        today, tz=tz, interval_minutes=INTERVAL_MINUTES, thresholds=thresholds_of(site)
    )
    return tuple(
        CurvePoint(r.start, r.figures.service_level, r.figures.offered)
        for r in rows
        if r.queue is None
    )


def load_floor(db: Session, *, site: Site, now: datetime) -> Floor:
    """The Floor at `now`, read and computed whole (it writes nothing)."""
    tz = ZoneInfo(site.timezone)
    day_start = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    since = day_start - OPEN_CALL_LOOKBACK
    stored_calls = records.calls_for_floor(db, site_id=site.id, since=since, now=now)
    calls = [c for c in (call_as_of(call, now) for call in stored_calls) if c is not None]
    states = [
        s
        for s in (
            state_as_of(i, now)
            for i in records.states_for_floor(db, site_id=site.id, since=since, now=now)
        )
        if s is not None
    ]
    board = live_board(
        calls,
        states,
        now=now,
        tz=tz,
        interval_minutes=INTERVAL_MINUTES,
        thresholds=thresholds_of(site),
        queues=records.site_queues(db, site_id=site.id),
    )
    schedule = records.published_schedule(
        db, site_id=site.id, since=day_start, until=day_start + timedelta(days=1)
    )
    adherence = agent_adherence(
        schedule, states, start=board.day_start, end=now, grace_seconds=GRACE_SECONDS
    )
    return Floor(
        site=site,
        board=board,
        agents=agent_rows(
            records.site_agents(db, site_id=site.id),
            states,
            schedule,
            {a.agent: a for a in adherence},
            now,
        ),
        curve=_curve(board, calls, site, tz),
        alerts=evaluate_alerts(board, RULES, adherence),
        rules=RULES,
    )


def record_alerts(db: Session, *, floor: Floor, now: datetime) -> None:
    """Keep the Floor's alerts: new keys added, seen ones touched, gone ones cleared."""
    sync_alerts(db, site_id=floor.site.id, alerts=floor.alerts, now=now)


def _sort_key(sort: str, now: datetime):  # type: ignore[no-untyped-def]
    def key(row: AgentRow) -> tuple[object, ...]:
        if sort == "team":
            return (row.team or "", row.name)
        if sort == "state":
            return (row.state.value, row.name)
        if sort == "time_in_state":
            since = row.state_since or now
            return (-(now - since).total_seconds(), row.name)
        if sort == "activity":
            return (row.activity.value if row.activity else "~", row.name)
        if sort == "adherence":
            value = row.adherence.adherence if row.adherence else None
            return (not row.out_of_adherence, 2.0 if value is None else value, row.name)
        return (row.name,)

    return key


def board_rows(
    rows: tuple[AgentRow, ...], *, now: datetime, team_id: int | None, sort: str
) -> list[AgentRow]:
    """The agent board filtered by team (None: all) and sorted by a column of SORTS."""
    chosen = [row for row in rows if team_id is None or row.team_id == team_id]
    return sorted(chosen, key=_sort_key(sort if sort in SORTS else "name", now))


def feed_quiet_since(db: Session, *, site: Site, now: datetime) -> datetime | None:
    """When the feed last spoke, if over QUIET_MINUTES ago (None: live, or it never spoke)."""
    last = records.last_event_at(db, site_id=site.id)
    if last is not None and now - last > timedelta(minutes=QUIET_MINUTES):
        return last
    return None
