"""The Floor's alerts kept while nobody watches: the worker's schedule records them each minute.

A hub records a site's alerts only while a stream is open. Each minute, this task computes
the Floor of every active site whose feed spoke lately (or that has alerts still open, so
that they can be cleared) and keeps its alerts as a stream would (`service.record_alerts`).
A site whose open alerts a hub touched since this task's last run, within the last minute,
is left to the hub. Both may record in the same minute: `sync_alerts` keeps one row per
alert key, so an episode is opened once whoever sees it first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.floor import service
from app.jobs.schedule import Tick, period_start, scheduled
from app.models import AcdEvent, AgentStateInterval, Call, FloorAlert, ScheduledRun, Site

TASK = "floor.alerts.unwatched"
EVERY = timedelta(minutes=1)
ACTIVE_WITHIN = timedelta(minutes=15)  # a feed silent for longer raises nothing new


def _feed_spoke(db: Session, *, site_id: int, since: datetime) -> bool:
    """Whether, since `since`, the site's feed delivered an event or a call was offered or an
    agent changed state (each an indexed look-up, however long the site's history)."""
    received = db.scalar(
        select(AcdEvent.received_at)
        .where(AcdEvent.site_id == site_id)
        .order_by(AcdEvent.id.desc())
        .limit(1)
    )
    if received is not None and received >= since:
        return True
    for found in (
        select(Call.id).where(Call.site_id == site_id, Call.offered_at >= since),
        select(AgentStateInterval.id).where(
            AgentStateInterval.site_id == site_id, AgentStateInterval.start >= since
        ),
    ):
        if db.scalar(found.limit(1)) is not None:
            return True
    return False


def _previous_run(db: Session, now: datetime) -> datetime | None:
    """When this task last ran before the current period (its "now" then)."""
    return db.scalar(
        select(func.max(ScheduledRun.claimed_at)).where(
            ScheduledRun.task == TASK,
            ScheduledRun.period_start < period_start(now, EVERY),
            ScheduledRun.error.is_(None),
        )
    )


def sites_to_record(db: Session, *, now: datetime) -> list[Site]:
    """The active sites whose alerts this task should record at `now`."""
    since, previous = now - ACTIVE_WITHIN, _previous_run(db, now)
    chosen = []
    for site in db.scalars(select(Site).where(Site.active).order_by(Site.id)).all():
        open_count, last_seen = db.execute(
            select(func.count(FloorAlert.id), func.max(FloorAlert.last_seen_at)).where(
                FloorAlert.site_id == site.id, FloorAlert.cleared_at.is_(None)
            )
        ).one()
        hub_recorded = last_seen is not None and (previous is None or last_seen > previous)
        if hub_recorded and now - EVERY < last_seen <= now:
            continue  # a hub recorded it within the minute, after this task last did
        if open_count or _feed_spoke(db, site_id=site.id, since=since):
            chosen.append(site)
    return chosen


def record_site(db: Session, *, site: Site, now: datetime) -> None:
    """Compute the site's Floor at `now` and keep its alerts, as a watched stream does."""
    service.record_alerts(db, floor=service.load_floor(db, site=site, now=now), now=now)


@scheduled(name=TASK, every=EVERY)
def record_unwatched_alerts(db: Session, tick: Tick) -> list[int]:
    """Record the alerts of each site with recent feed activity; the ids of the sites done."""
    done = []
    for site in sites_to_record(db, now=tick.now):
        record_site(db, site=site, now=tick.now)
        done.append(site.id)
    return done


__all__ = ["ACTIVE_WITHIN", "TASK", "record_site", "record_unwatched_alerts", "sites_to_record"]
