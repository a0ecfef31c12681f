"""`smena demo`'s live feed: a token for the demo site and the simulator in a background thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.demo import SITE_NAME
from app.events.tokens import issue_token
from app.models import Site
from app.simulator.runner import FeedConfig, FeedError, run_feed

DEMO_TOKEN_LABEL = "demo simulator"  # noqa: S105 (a label, not a secret)


def _today_start(zone: ZoneInfo, now: datetime) -> datetime:
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)


def start_demo_feed(
    factory: sessionmaker[Session],
    *,
    host: str,
    port: int,
    site: str = SITE_NAME,
    stop: threading.Event | None = None,
) -> threading.Thread:
    """Issue a token for `site` and feed the server at host:port from today's local midnight.

    The day so far is posted at once (so the floor and adherence have the morning), then the
    feed follows the clock; it waits for the server to come up. A daemon thread: it ends
    with the process, or when `stop` is set.
    """
    for db in session_scope(factory):
        row = db.scalars(select(Site).where(Site.name == site)).one()
        _, raw = issue_token(db, user=None, site=row, label=DEMO_TOKEN_LABEL)
        zone = ZoneInfo(row.timezone)
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 (a comparison)
    start = _today_start(zone, datetime.now(UTC))
    config = FeedConfig(url=f"http://{local}:{port}", token=raw, start=start, catch_up=True)

    def feed() -> None:
        try:
            run_feed(factory, site=site, config=config, stop=stop)
        except FeedError as error:
            print(f"simulate: stopped: {error}")

    thread = threading.Thread(target=feed, name="smena-simulator", daemon=True)
    thread.start()
    return thread
