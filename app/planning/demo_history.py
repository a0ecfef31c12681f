"""Demo interval history: the Anonymous Bank's intraday pattern, scaled onto the demo's queues.

The bank's January 1999 calls (../shared/data/anonymous_bank, beside the repository) give
the mean calls and AHT per weekday and 30-minute interval of each call type; its week
starts on Sunday, so its Sunday becomes the demo's Monday. Without the file, a smooth
two-peak working day stands in. Each demo day is that pattern with a little noise.

When the demo has call history (app.reports.demo_history), Planning's history is built from
those calls (app.planning.from_calls) and this pattern only fills the queue-days they leave
out: with the bank's files, none of the eight weeks (the calls cover two months ending
yesterday), so Planning's history and Reports agree; without them, all eight weeks.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Collection
from datetime import date, time, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.models import IntervalHistory, Queue, Site
from app.shifts.timeconv import NonexistentLocalTime, to_utc

BANK_FILE = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "anonymous_bank"
    / "january.txt"
)
QUEUE_TYPES = {
    "Retail": ("PS", "PE"),
    "Premium": ("NW", "TT"),
    "Internet": ("IN",),
    "Brokerage": ("NE",),
}
SLOTS = 48
Profile = dict[int, list[tuple[float, float]]]  # weekday -> (calls, aht_seconds) per slot


def bank_profiles(path: Path = BANK_FILE) -> dict[str, Profile] | None:
    """Mean calls and AHT per demo weekday and slot, per queue name; None without the file."""
    if not path.is_file():
        return None
    calls: dict[str, list[list[float]]] = defaultdict(lambda: [[0.0] * SLOTS for _ in range(7)])
    handle: dict[str, list[list[float]]] = defaultdict(lambda: [[0.0] * SLOTS for _ in range(7)])
    served: dict[str, list[list[int]]] = defaultdict(lambda: [[0] * SLOTS for _ in range(7)])
    queue_of = {t: q for q, types in QUEUE_TYPES.items() for t in types}
    days: dict[int, set[str]] = defaultdict(set)
    weekday_of: dict[str, int] = {}
    with path.open(encoding="ascii", errors="replace") as lines:
        next(lines)
        for line in lines:
            f = line.rstrip("\r\n").split("\t")
            if len(f) != 17 or f[12] == "PHANTOM" or f[4] not in queue_of:
                continue
            weekday = weekday_of.get(f[5])
            if weekday is None:  # the bank's Sunday is the demo's Monday
                day = date(
                    1900 + 100 * (f[5] < "50") + int(f[5][:2]), int(f[5][2:4]), int(f[5][4:])
                )
                weekday = weekday_of[f[5]] = (day.weekday() + 1) % 7
            hours, minutes = f[7].split(":")[:2]
            slot = min((int(hours) * 60 + int(minutes)) // 30, SLOTS - 1)
            queue = queue_of[f[4]]
            days[weekday].add(f[5])
            calls[queue][weekday][slot] += 1
            if f[12] == "AGENT" and f[15].isdigit() and int(f[15]) > 0:
                handle[queue][weekday][slot] += int(f[15])
                served[queue][weekday][slot] += 1
    return {
        queue: {
            wd: [
                (
                    calls[queue][wd][s] / max(len(days[wd]), 1),
                    handle[queue][wd][s] / served[queue][wd][s] if served[queue][wd][s] else 0.0,
                )
                for s in range(SLOTS)
            ]
            for wd in range(7)
        }
        for queue in QUEUE_TYPES
    }


def synthetic_profile(scale: float) -> Profile:
    """A working day from 08:00 to 22:00 with a morning and an afternoon peak; quiet Sundays."""

    def calls(slot: int, weekday: int) -> float:
        hour = slot / 2
        if not 8 <= hour < 22:
            return 0.0
        shape = math.exp(-((hour - 11) ** 2) / 4) + 0.8 * math.exp(-((hour - 16) ** 2) / 6)
        return scale * shape * (0.4 if weekday == 6 else 1.0)

    return {
        wd: [(calls(s, wd), 180.0 + 20 * math.sin(s / 7)) for s in range(SLOTS)] for wd in range(7)
    }


def seed_history(
    db: Session,
    *,
    site: Site,
    queues: list[Queue],
    today: date,
    days: int = 56,
    rng_seed: int = 11,
    leave_out: Collection[tuple[int, date]] = (),
) -> int:
    """Write `days` days of 30-minute history before `today` for `queues`, but not the
    (queue id, day) pairs in `leave_out` (they have history from calls); returns the rows."""
    rng = random.Random(rng_seed)  # noqa: S311  (demo noise, not secrets)
    profiles = bank_profiles() or {}
    zone = ZoneInfo(site.timezone)
    rows: list[dict[str, object]] = []
    for number, queue in enumerate(queues):
        profile = profiles.get(queue.name) or synthetic_profile(40.0 / (number + 1))
        for offset in range(days, 0, -1):
            day = today - timedelta(days=offset)
            if (queue.id, day) in leave_out:
                continue
            for slot, (mean, aht) in enumerate(profile[day.weekday()]):
                clock = time(slot // 2, slot % 2 * 30)
                try:
                    starts_at = to_utc(day, clock, zone)
                except NonexistentLocalTime:
                    continue
                rows.append(
                    {
                        "site_id": site.id,
                        "queue_id": queue.id,
                        "local_date": day,
                        "interval_start": clock,
                        "interval_minutes": 30,
                        "starts_at": starts_at,
                        "calls": round(mean * rng.uniform(0.85, 1.15)),
                        "aht_seconds": round(aht * rng.uniform(0.9, 1.1), 1) if aht else 0.0,
                    }
                )
    if rows:
        table = cast(Table, IntervalHistory.__table__)
        db.execute(table.insert(), rows)  # Core: no ORM bookkeeping for 10,000 rows
    return len(rows)
