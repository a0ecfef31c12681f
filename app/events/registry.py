"""The site's queues and agents by name, registering the ones the feed names first."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from app.events.store import among, chunks
from app.models import Agent, Queue


def queue_ids(
    db: Session, *, site_id: int, names: Iterable[str] = (), only_named: bool = False
) -> dict[str, int]:
    """Every queue of the site by name (or, `only_named`, just `names`); unknown `names` are
    added, marked as found in the feed."""
    wanted = sorted(set(names))
    table = Queue.__table__.c
    query = select(table.name, table.id).where(table.site_id == site_id)
    known = _known(db, query, table.name, wanted if only_named else None)
    missing = [name for name in wanted if name not in known]
    if missing:
        added = [Queue(site_id=site_id, name=name, found_in_feed=True) for name in missing]
        db.add_all(added)
        db.flush()
        known.update((queue.name, queue.id) for queue in added)
    return known


def agent_ids(
    db: Session, *, site_id: int, codes: Iterable[str] = (), only_named: bool = False
) -> dict[str, int]:
    """Every agent of the site by code (or, `only_named`, just `codes`); unknown `codes` are
    added, marked as found in the feed."""
    wanted = sorted(set(codes))
    table = Agent.__table__.c
    query = select(table.code, table.id).where(table.site_id == site_id)
    known = _known(db, query, table.code, wanted if only_named else None)
    missing = [code for code in wanted if code not in known]
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


def _known(
    db: Session,
    query: Select[str, int],
    key: ColumnElement[str],
    wanted: list[str] | None,
) -> dict[str, int]:
    """`query`'s (key, id) rows, limited to keys in `wanted` unless it is None."""
    if wanted is None:
        return {name: row_id for name, row_id in db.connection().execute(query)}
    known: dict[str, int] = {}
    for part in chunks(wanted):  # a live batch names a few of the site's 2,000 agents
        known.update(
            (name, row_id)
            for name, row_id in db.connection().execute(query.where(among(db, key, part)))
        )
    return known
