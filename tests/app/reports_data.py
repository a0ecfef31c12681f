"""Calls for the report tests: random but seeded, with waits on and around the thresholds."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.models import Agent, Queue, Team
from app.models.events import Call
from kpi.records import CallRecord


def random_calls(
    *,
    start: datetime,
    days: int,
    queues: Sequence[str],
    agents: Sequence[str | None],
    count: int,
    seed: int = 5,
) -> list[CallRecord]:
    """`count` calls offered in the `days` from `start`: answered, abandoned, waiting or talking."""
    rng = random.Random(seed)
    calls = []
    for number in range(count):
        offered = start + timedelta(seconds=rng.uniform(0, days * 86400))
        offered = offered.replace(microsecond=rng.choice((0, 0, rng.randrange(1_000_000))))
        wait = float(rng.choice((0, 5, 20, 19.5, 20.000001, 4.999999, rng.uniform(0, 120))))
        queue, agent = rng.choice(queues), rng.choice(agents)
        kind = rng.random()
        call_id = f"c{number}"
        if kind < 0.7:
            answered = offered + timedelta(seconds=wait)
            ended = (
                None if rng.random() < 0.05 else answered + timedelta(seconds=rng.uniform(0, 600))
            )
            calls.append(CallRecord(call_id, queue, offered, answered, ended, None, agent))
        elif kind < 0.95:
            abandoned = offered + timedelta(seconds=wait)
            calls.append(CallRecord(call_id, queue, offered, abandoned_at=abandoned))
        else:
            calls.append(CallRecord(call_id, queue, offered))
    return calls


def store(db: Session, *, site_id: int, calls: Sequence[CallRecord]) -> None:
    """Insert the calls, adding their queues and agents (agents in teams Alpha and Bravo)."""
    from sqlalchemy import select

    queues = dict(db.execute(select(Queue.name, Queue.id).where(Queue.site_id == site_id)).all())
    agents = dict(db.execute(select(Agent.code, Agent.id).where(Agent.site_id == site_id)).all())
    teams = dict(db.execute(select(Team.name, Team.id).where(Team.site_id == site_id)).all())
    for name in ("Alpha", "Bravo"):
        if name not in teams:
            team = Team(site_id=site_id, name=name)
            db.add(team)
            db.flush()
            teams[name] = team.id
    for call in calls:
        if call.queue not in queues:
            queue = Queue(site_id=site_id, name=call.queue)
            db.add(queue)
            db.flush()
            queues[call.queue] = queue.id
        if call.agent is not None and call.agent not in agents:
            team = teams["Alpha" if int(call.agent[1:]) % 2 else "Bravo"]
            agent = Agent(
                site_id=site_id, team_id=team, code=call.agent, display_name=call.agent,
                contracted_weekly_hours=40,
            )  # fmt: skip
            db.add(agent)
            db.flush()
            agents[call.agent] = agent.id
    db.add_all(
        Call(
            site_id=site_id,
            queue_id=queues[c.queue],
            call_id=c.call_id,
            offered_at=c.offered_at,
            answered_at=c.answered_at,
            ended_at=c.ended_at,
            abandoned_at=c.abandoned_at,
            agent_id=agents[c.agent] if c.agent else None,
            source="cdr",
        )
        for c in calls
    )
    db.commit()
