"""A site at the design's scale for the Floor benchmark: 2,000 agents on shift, 20 queues.

Every agent's shift began 3 to 6 hours before now (so all are on shift), with a published
short break, lunch and a second break; each took calls back to back since the shift began
(on_call, wrap_up, available), went on the breaks that are over (one in fifty stays on the
phones through them), and a few calls wait now. Rows go straight into the tables the feed
folds into (calls, agent states), as the ingest would leave them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from app.auth.passwords import hash_password
from app.events.store import bulk_insert
from app.models import (
    Agent,
    AgentStateInterval,
    BreakType,
    Call,
    PlannedBreak,
    Queue,
    Role,
    Shift,
    Site,
    Team,
    User,
)

AGENTS, QUEUES, TEAMS = 2000, 20, 40
PASSWORD = "bench-password-1"
ZONES = (
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Atlantic/Azores",
    "UTC",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Pacific/Noumea",
    "Pacific/Auckland",
)


def site_zone(now: datetime) -> str:
    """The zone where it is early afternoon now, so 'today' holds a morning's work."""
    return min(ZONES, key=lambda z: abs(now.astimezone(ZoneInfo(z)).hour + 0.5 - 13.5))


@dataclass
class Seeded:
    """What the benchmark needs to find again."""

    site_id: int
    login: str
    calls: int = 0
    states: int = 0
    agent_codes: list[str] = field(default_factory=list)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _org(db: Session, now: datetime) -> tuple[Site, list[int], list[int], dict[str, int]]:
    site = Site(name=f"Bench {now:%H%M%S%f}", timezone=site_zone(now))
    db.add(site)
    db.flush()
    teams = [Team(site_id=site.id, name=f"Team {n:02d}") for n in range(TEAMS)]
    queues = [Queue(site_id=site.id, name=f"Q{n:02d}") for n in range(QUEUES)]
    short = BreakType(site_id=site.id, name="Short break", length_minutes=15)
    lunch = BreakType(site_id=site.id, name="Lunch", length_minutes=30, paid=False)
    db.add_all([*teams, *queues, short, lunch])
    db.flush()
    rows = [
        {
            "site_id": site.id,
            "team_id": teams[n % TEAMS].id,
            "user_id": None,
            "code": f"A{n:04d}",
            "display_name": f"Agent {n:04d}",
            "contracted_weekly_hours": 40,
            "active": True,
            "found_in_feed": False,
        }
        for n in range(AGENTS)
    ]
    bulk_insert(db, _table(Agent), rows)
    db.add(
        User(
            login=f"bench-{site.id}",
            display_name="Bench manager",
            role=Role.MANAGER.value,
            locale="en",
            password_hash=hash_password(PASSWORD),
            site_id=None,
        )
    )
    db.flush()
    agent_ids = {
        c: i for c, i in db.execute(select(Agent.code, Agent.id).where(Agent.site_id == site.id))
    }
    return site, [q.id for q in queues], [short.id, lunch.id], agent_ids


def seed_site(db: Session, now: datetime, seed: int = 7) -> Seeded:
    """Seed one site in `db` (flushed, not committed) and say what it holds."""
    rng = random.Random(seed)
    site, queue_ids, (short_id, lunch_id), agent_ids = _org(db, now)
    tz = ZoneInfo(site.timezone)
    seeded = Seeded(site.id, f"bench-{site.id}", agent_codes=sorted(agent_ids))
    shifts, calls, states, breaks_of = [], [], [], {}
    for n, (code, agent_id) in enumerate(sorted(agent_ids.items())):
        start = now - timedelta(minutes=15 * rng.randint(12, 24))
        start = start.replace(second=0, microsecond=0)
        shifts.append(
            {
                "agent_id": agent_id,
                "work_date": start.astimezone(tz).date(),
                "starts_at": start,
                "ends_at": start + timedelta(hours=9),
                "template_id": None,
                "source": "roster",
            }
        )
        breaks_of[agent_id] = [
            (start + timedelta(minutes=120 + rng.randrange(0, 30, 5)), 15, short_id),
            (start + timedelta(minutes=240 + rng.randrange(0, 30, 5)), 30, lunch_id),
            (start + timedelta(minutes=390 + rng.randrange(0, 30, 5)), 15, short_id),
        ]
        skips = n % 50 == 0  # stays on the phones through the breaks
        _agent_day(
            rng,
            now,
            start,
            breaks_of[agent_id],
            skips,
            agent_id,
            code,
            queue_ids,
            site.id,
            calls,
            states,
        )
    _waiting_now(rng, now, site.id, queue_ids, calls)
    bulk_insert(db, _table(Shift), shifts)
    db.flush()
    found = db.execute(select(Shift.agent_id, Shift.id).join(Agent).where(Agent.site_id == site.id))
    shift_ids = {agent_id: shift_id for agent_id, shift_id in found}
    planned = [
        {
            "shift_id": shift_ids[agent_id],
            "break_type_id": type_id,
            "starts_at": at,
            "ends_at": at + timedelta(minutes=minutes),
            "state": "published",
            "set_by_hand": False,
        }
        for agent_id, pieces in breaks_of.items()
        for at, minutes, type_id in pieces
    ]
    bulk_insert(db, _table(PlannedBreak), planned)
    bulk_insert(db, _table(Call), calls)
    bulk_insert(db, _table(AgentStateInterval), states)
    seeded.calls, seeded.states = len(calls), len(states)
    return seeded


def _agent_day(
    rng: random.Random, now: datetime, start: datetime,
    breaks: list[tuple[datetime, int, int]], skips: bool, agent_id: int, code: str,
    queue_ids: list[int], site_id: int, calls: list[dict[str, Any]], states: list[dict[str, Any]],
) -> None:  # fmt: skip
    """One agent's calls and states from the shift's start to now."""
    t = start + timedelta(seconds=rng.uniform(-90, 90))
    pending = [
        (at, at + timedelta(minutes=m), "lunch" if m == 30 else "break")
        for at, m, _ in breaks
        if not skips
    ]
    n = 0

    def state(name: str, begin: datetime, end: datetime | None) -> None:
        states.append(
            {
                "site_id": site_id,
                "agent_id": agent_id,
                "state": name,
                "reason": None,
                "start": begin,
                "end": end,
                "source": "events",
            }
        )

    while t < now:
        if pending and t >= pending[0][0]:
            _, end, name = pending.pop(0)
            end = max(end + timedelta(seconds=rng.uniform(-60, 120)), t + timedelta(minutes=5))
            state(name, t, end if end < now else None)
            t = end
            continue
        idle = timedelta(seconds=rng.expovariate(1 / 40))
        answer = t + idle
        if answer >= now:
            state("available", t, None)
            return
        state("available", t, answer)
        n += 1
        wait = timedelta(seconds=rng.expovariate(1 / 15))
        ended = answer + timedelta(seconds=rng.expovariate(1 / 240) + 10)
        wrapped = ended + timedelta(seconds=rng.uniform(10, 50))
        calls.append(
            {
                "site_id": site_id,
                "queue_id": rng.choice(queue_ids),
                "call_id": f"{code}-{n}",
                "offered_at": answer - wait,
                "answered_at": answer,
                "ended_at": ended if ended < now else None,
                "abandoned_at": None,
                "agent_id": agent_id,
                "source": "events",
            }
        )
        if rng.random() < 0.06:  # and someone hung up in the queue meanwhile
            offered = answer - timedelta(seconds=rng.uniform(0, 300))
            calls.append(
                {
                    "site_id": site_id,
                    "queue_id": rng.choice(queue_ids),
                    "call_id": f"{code}-{n}x",
                    "offered_at": offered,
                    "answered_at": None,
                    "ended_at": None,
                    "abandoned_at": offered + timedelta(seconds=rng.expovariate(1 / 40)),
                    "agent_id": None,
                    "source": "events",
                }
            )
        state("on_call", answer, ended if ended < now else None)
        if ended >= now:
            return
        state("wrap_up", ended, wrapped if wrapped < now else None)
        t = wrapped


def _waiting_now(
    rng: random.Random, now: datetime, site_id: int, queue_ids: list[int],
    calls: list[dict[str, Any]],
) -> None:  # fmt: skip
    for n in range(60):
        calls.append(
            {
                "site_id": site_id,
                "queue_id": rng.choice(queue_ids),
                "call_id": f"w{n}",
                "offered_at": now - timedelta(seconds=rng.uniform(1, 150)),
                "answered_at": None,
                "ended_at": None,
                "abandoned_at": None,
                "agent_id": None,
                "source": "events",
            }
        )


def live_events(seeded: Seeded, now: datetime, count: int, seed: int = 11) -> list[dict[str, str]]:
    """`count` feed events of the last second: new calls offered and agents changing state."""
    rng = random.Random(seed)
    events: list[dict[str, str]] = []
    while len(events) < count:
        n = len(events)
        ts = (now - timedelta(milliseconds=rng.uniform(0, 900))).astimezone(UTC).isoformat()
        if n % 2:
            events.append(
                {
                    "id": f"live-{now:%H%M%S}-{n}",
                    "type": "call.offered",
                    "ts": ts,
                    "call_id": f"live-{now:%H%M%S}-{n}",
                    "queue": f"Q{n % QUEUES:02d}",
                }
            )
        else:
            agent = rng.choice(seeded.agent_codes)
            events.append(
                {
                    "id": f"live-{now:%H%M%S}-{n}",
                    "type": "agent.state",
                    "ts": ts,
                    "agent": agent,
                    "state": rng.choice(["available", "on_call"]),
                }
            )
    return events
