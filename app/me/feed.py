"""The operator's calendar feed: a secret link per person, and their shifts and breaks as events.

Calendar apps cannot sign in, so the link carries a token. The token is an HMAC of the
user and a random nonce under the app's secret key: the database keeps the nonce and the
token's SHA-256 (to find the person), so the link can be shown again, and renewing the
nonce cuts off the old link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.i18n import _, local_time
from app.me.day import VISIBLE
from app.me.ics import Event
from app.models import Agent, CalendarFeed, PlannedBreak, Role, Shift, Site, User
from app.shifts.service import site_now

DAYS_BACK = 7
WEEKS_AHEAD = 8


def _token(secret: str, user_id: int, nonce: str) -> str:
    message = f"calendar-feed:{user_id}:{nonce}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token(db: Session, *, user: User, secret: str) -> str | None:
    """The person's current feed token, or None before they asked for a link."""
    feed = db.get(CalendarFeed, user.id)
    return _token(secret, user.id, feed.nonce) if feed else None


def renew(db: Session, *, user: User, secret: str, now: datetime) -> str:
    """A new token (the first, or one that replaces the old link); returns it."""
    nonce = secrets.token_urlsafe(24)
    token = _token(secret, user.id, nonce)
    feed = db.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.add(feed)
    feed.nonce, feed.token_hash, feed.created_at = nonce, _hash(token), now
    db.flush()
    return token


def user_of(db: Session, *, token: str) -> User | None:
    """The active operator whose feed this token opens, if any."""
    if not token or len(token) > 128:
        return None
    user = db.scalar(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == _hash(token))
    )
    if user is None or not user.active or user.role != Role.OPERATOR:
        return None
    return user


def events(db: Session, *, user: User, now: datetime) -> tuple[str, list[Event]]:
    """The calendar's name and its events: shifts and visible breaks, a week back to 8 ahead."""
    row = db.execute(select(Agent, Site).join(Site).where(Agent.user_id == user.id)).one_or_none()
    if row is None:
        return "smena", []
    agent, site = row
    today = site_now(site, now).date()
    shifts = db.scalars(
        select(Shift)
        .where(
            Shift.agent_id == agent.id,
            Shift.work_date.between(
                today - timedelta(days=DAYS_BACK), today + timedelta(weeks=WEEKS_AHEAD)
            ),
        )
        .order_by(Shift.starts_at)
    ).all()
    breaks = db.scalars(
        select(PlannedBreak)
        .options(selectinload(PlannedBreak.break_type))
        .where(PlannedBreak.shift_id.in_([s.id for s in shifts]), PlannedBreak.state.in_(VISIBLE))
        .order_by(PlannedBreak.starts_at)
    ).all()
    found: list[Event] = []
    for shift in shifts:
        own = [b for b in breaks if b.shift_id == shift.id]
        found.append(_shift_event(shift, own, site))
        found += [_break_event(b, site) for b in own]
    return f"smena · {agent.display_name}", found


def _shift_event(shift: Shift, breaks: list[PlannedBreak], site: Site) -> Event:
    lines = [
        f"{b.break_type.name} {local_time(b.starts_at, site.timezone)}"
        f"–{local_time(b.ends_at, site.timezone)}"
        for b in breaks
    ]
    return Event(
        uid=f"shift-{shift.id}@smena",
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        summary=_("Shift"),
        description="\n".join([_("Breaks:"), *lines]) if lines else "",
        location=site.name,
    )


def _break_event(brk: PlannedBreak, site: Site) -> Event:
    paid = _("paid") if brk.break_type.paid else _("unpaid")
    return Event(
        uid=f"break-{brk.id}@smena",
        starts_at=brk.starts_at,
        ends_at=brk.ends_at,
        summary=f"{brk.break_type.name} ({paid})",
        location=site.name,
        transparent=True,
    )
