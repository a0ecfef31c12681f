"""The site's queues and agents by name, registering the ones the feed names first."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, Queue


def queue_ids(db: Session, *, site_id: int, names: Iterable[str] = ()) -> dict[str, int]:
    """Every queue of the site by name; unknown `names` are added, marked as found in the feed."""
    known = dict(db.execute(select(Queue.name, Queue.id).where(Queue.site_id == site_id)).all())
    missing = sorted(set(names) - set(known))
    if missing:
        added = [Queue(site_id=site_id, name=name, found_in_feed=True) for name in missing]
        db.add_all(added)
        db.flush()
        known.update((queue.name, queue.id) for queue in added)
    return known


def agent_ids(db: Session, *, site_id: int, codes: Iterable[str] = ()) -> dict[str, int]:
    """Every agent of the site by code; unknown `codes` are added, marked as found in the feed."""
    known = dict(db.execute(select(Agent.code, Agent.id).where(Agent.site_id == site_id)).all())
    missing = sorted(set(codes) - set(known))
    if missing:
        added = [
            Agent(
                site_id=site_id,
                code=code,
                display_name=code,
                contracted_weekly_hours=0,
                found_in_feed=True,
            )
            for code in missing
        ]
        db.add_all(added)
        db.flush()
        known.update((agent.code, agent.id) for agent in added)
    return known
