"""The live Floor of each site, computed once per change and rendered once per view for all.

Every open stream, page and fragment of a site asks the hub for the site's snapshot: the
first to ask after a change computes it (from the site's `SiteState`, in the hub's own
session), the others get the same one. Changes come in bursts: a snapshot is recomputed at
most once per MIN_GAP_SECONDS, and at least once per TICK_SECONDS while asked (time moves:
waits grow, breaks begin). Streams also record the alerts (the GETs only read), once per
snapshot. Each fragment is rendered once per snapshot and per view (language, team, sort).
"""

from __future__ import annotations

import functools
import gc
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker

from app import i18n
from app.db import utcnow
from app.floor import alert_store, broadcast, records, service
from app.floor.chart import sl_chart
from app.floor.live_state import SiteState
from app.floor.words import ACTIVITY_LABELS, STATE_LABELS, unit_texts
from app.models import FloorAlert, Site
from app.web import templates

MIN_GAP_SECONDS = 0.5  # a burst of events within this is one update
TICK_SECONDS = 15.0  # a snapshot older than this is recomputed when asked
FREEZE_ABOVE = 50_000  # records read at once that are worth hiding from the collector
ROW_CACHE_SIZE = 20_000  # agent board lines kept rendered (a few per agent)
FRAGMENTS = {  # SSE event name -> template
    "tiles": "floor/_queue_tiles.html",
    "agents": "floor/_agent_board.html",
    "curve": "floor/_sl_curve.html",
    "alerts": "floor/_alerts.html",
    "feed": "floor/_feed_status.html",
}


@dataclass(frozen=True, slots=True)
class View:
    """How one watcher looks at the Floor."""

    locale: str
    team_id: int | None = None
    sort: str = "name"


@dataclass(frozen=True)
class Snapshot:
    """A site's Floor at one moment, with its stored alerts."""

    version: int
    now: datetime
    floor: service.Floor
    open_alerts: list[FloorAlert]
    history: list[FloorAlert]
    quiet_since: datetime | None
    ever_heard: bool
    recorded: bool = False  # its alerts were written to the database


@dataclass
class _SiteEntry:
    state: SiteState
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: Snapshot | None = None
    computed_at: float = 0.0  # monotonic: when the snapshot's computation began
    changed_at: float = 0.0  # monotonic: the last poke
    renders: dict[tuple[Any, ...], Markup] = field(default_factory=dict)
    rows: dict[tuple[Any, ...], Markup] = field(default_factory=dict)  # agent board lines
    events: dict[tuple[str, int], tuple[Markup, str]] = field(default_factory=dict)


@dataclass
class Counters:
    """How much work the hub did (the benchmark and the tests read them)."""

    computed: int = 0
    recorded: int = 0
    rendered: int = 0


class FloorHub:
    """The live Floors of one application (one database)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        url_path_for: Callable[..., str],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.clock = clock  # the Floor's "now" (the routes pass theirs)
        self._sessions = sessions
        self._url_path_for = url_path_for
        self._sites: dict[int, _SiteEntry] = {}
        self._lock = threading.Lock()
        self.counters = Counters()
        broadcast.BROADCASTER.watch(self.poke)

    def _entry(self, site_id: int) -> _SiteEntry:
        with self._lock:
            entry = self._sites.get(site_id)
            if entry is None:
                entry = self._sites[site_id] = _SiteEntry(SiteState(site_id))
            return entry

    def poke(self, site_id: int) -> None:
        """The site's feed stored something: the next request recomputes (any thread)."""
        self._entry(site_id).changed_at = time.monotonic()

    def snapshot(self, site_id: int, *, record: bool = False) -> tuple[Snapshot, float]:
        """The site's snapshot, and how long until a change it misses may be asked for (s)."""
        entry = self._entry(site_id)
        with entry.lock:
            clock = time.monotonic()
            stale = entry.snapshot is None or entry.changed_at >= entry.computed_at
            old = clock - entry.computed_at >= TICK_SECONDS
            wait = entry.computed_at + MIN_GAP_SECONDS - clock
            if entry.snapshot is None or old or (stale and wait <= 0):
                entry.snapshot = self._compute(entry, site_id, clock)
                stale, wait = False, 0.0
            if record and not entry.snapshot.recorded:
                entry.snapshot = self._record(entry.snapshot)
            return entry.snapshot, (max(wait, 0.001) if stale else 0.0)

    def _compute(self, entry: _SiteEntry, site_id: int, clock: float) -> Snapshot:
        entry.computed_at = clock
        version = entry.snapshot.version + 1 if entry.snapshot else 1
        now = self.clock()
        with self._sessions() as db:
            site = db.get(Site, site_id)
            if site is None:
                raise LookupError(f"no site {site_id}")
            floor = entry.state.refresh(db, site=site, now=now)
            if entry.state.read_whole_day and entry.state.records_held() > FREEZE_ABOVE:
                # Hundreds of thousands of records now live as long as the day: out of the
                # collector's sight, or each full collection walks them all (about a second).
                gc.freeze()
            snapshot = Snapshot(
                version,
                now,
                floor,
                alert_store.open_alerts(db, site_id=site_id),
                alert_store.alert_history(db, site_id=site_id),
                service.feed_quiet_since(db, site=site, now=now),
                records.last_event_at(db, site_id=site_id) is not None,
            )
        entry.renders.clear()
        entry.events.clear()
        self.counters.computed += 1
        return snapshot

    def _record(self, snapshot: Snapshot) -> Snapshot:
        site_id = snapshot.floor.site.id
        with self._sessions() as db:
            service.record_alerts(db, floor=snapshot.floor, now=snapshot.now)
            db.commit()
            opened = alert_store.open_alerts(db, site_id=site_id)
            history = alert_store.alert_history(db, site_id=site_id)
        self.counters.recorded += 1
        entry = self._entry(site_id)
        entry.renders.clear()
        entry.events.clear()
        return replace(snapshot, open_alerts=opened, history=history, recorded=True)

    def fragments(self, snapshot: Snapshot, view: View) -> dict[str, Markup]:
        """Each fragment of the snapshot as `view` shows it, rendered once for all watchers."""
        entry = self._entry(snapshot.floor.site.id)
        found: dict[str, Markup] = {}
        with entry.lock:
            for event, template in FRAGMENTS.items():
                per_view = view if event == "agents" else View(view.locale)
                key = (snapshot.version, snapshot.recorded, event, per_view)
                html = entry.renders.get(key)
                if html is None:
                    html = entry.renders[key] = self._render(template, snapshot, per_view)
                    self.counters.rendered += 1
                found[event] = html
        return found

    def events(self, snapshot: Snapshot, view: View) -> dict[str, str]:
        """The fragments as server-sent events, formatted once for all watchers of a view."""
        entry = self._entry(snapshot.floor.site.id)
        fragments = self.fragments(snapshot, view)
        found: dict[str, str] = {}
        with entry.lock:
            for event, html in fragments.items():
                key = ("sse", id(html))
                chunk = entry.events.get(key)
                if chunk is None or chunk[0] is not html:
                    chunk = entry.events[key] = (html, broadcast.sse(event, str.__str__(html)))
                found[event] = chunk[1]
        return found

    def context(self, snapshot: Snapshot, view: View) -> dict[str, Any]:
        """What the Floor's templates show of a snapshot."""
        floor, now = snapshot.floor, snapshot.now
        target = floor.rules.service_level_target or 0.0
        return {
            "floor": floor,
            "chart": sl_chart(floor.curve, day_start=floor.board.day_start, target=target),
            "site": floor.site,
            "tz": floor.site.timezone,
            "now": now,
            "version": snapshot.version,
            "rows": service.board_rows(floor.agents, now=now, team_id=view.team_id, sort=view.sort),
            "team_id": view.team_id,
            "sort": view.sort if view.sort in service.SORTS else "name",
            "sorts": service.SORTS,
            "open_alerts": snapshot.open_alerts,
            "history": snapshot.history,
            "quiet_since": snapshot.quiet_since,
            "ever_heard": snapshot.ever_heard,
            "quiet_minutes": service.QUIET_MINUTES,
            "state_labels": STATE_LABELS,
            "activity_labels": ACTIVITY_LABELS,
        } | unit_texts(floor.site.timezone, names={a.code: a.name for a in floor.agents})

    def _render(self, template: str, snapshot: Snapshot, view: View) -> Markup:
        token = i18n.current_locale.set(view.locale)
        try:
            context = self.context(snapshot, view) | {"url_for": self._url_path_for}
            context["row_html"] = self._rows(snapshot, view, context)
            html = templates.env.get_template(template).render(context)  # autoescaped
            return Markup(html)  # noqa: S704
        finally:
            i18n.current_locale.reset(token)

    def _rows(
        self, snapshot: Snapshot, view: View, context: dict[str, Any]
    ) -> Callable[[service.AgentRow], Markup]:
        """The agent board's lines, each rendered again only when what it shows changed."""
        cache = self._entry(snapshot.floor.site.id).rows
        if len(cache) > ROW_CACHE_SIZE:
            cache.clear()
        module = templates.env.get_template("floor/agent_row.html").make_module(context)
        macro: Callable[..., Markup] = module.row  # type: ignore[attr-defined]
        now, clock = snapshot.now, context["clock"]

        def row_html(row: service.AgentRow) -> Markup:
            since = row.state_since
            minutes = None if since is None else (now - since).total_seconds() // 60
            level = row.adherence.adherence if row.adherence else None
            percent = None if level is None else f"{level * 100:.0f}"
            out = row.adherence.out_of_adherence_since if row.adherence else None
            shown = (view.locale, row.code, row.name, row.team, row.state, minutes,
                     row.activity, percent, None if out is None else clock(out))  # fmt: skip
            html = cache.get(shown)
            if html is None:
                html = cache[shown] = macro(row, minutes, percent, shown[-1])
            return html

        return row_html


_HUBS: weakref.WeakKeyDictionary[Any, FloorHub] = weakref.WeakKeyDictionary()
_HUBS_LOCK = threading.Lock()


def hub_of(app: Any, clock: Callable[[], datetime] | None = None) -> FloorHub:
    """The application's hub (made on first use); `clock` replaces its clock."""
    with _HUBS_LOCK:
        hub = _HUBS.get(app)
        if hub is None:

            @functools.lru_cache(maxsize=4096)
            def path_for(name: str, **params: Any) -> str:
                return str(app.url_path_for(name, **params))  # walks every route: cached

            hub = _HUBS[app] = FloorHub(app.state.sessionmaker, path_for)
        if clock is not None:
            hub.clock = clock
        return hub
