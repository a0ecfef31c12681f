"""API tokens: issued by an admin for one site, shown once, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.models import ApiToken, Site, User

TOKEN_PREFIX = "smena_"  # noqa: S105 (a label in front of the secret, not a secret)
LAST_USED_PRECISION = timedelta(minutes=1)  # fewer writes: a busy feed posts many times a minute


def hash_token(raw: str) -> str:
    """The stored form of a token (a random 256-bit secret needs no slow hash)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(db: Session, *, user: User | None, site: Site, label: str) -> tuple[ApiToken, str]:
    """A new token for `site`; the secret is returned here and never again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        site_id=site.id, label=label, token_hash=hash_token(raw), prefix=raw[:12],
        created_by=user.id if user else None, created_at=utcnow(),
    )  # fmt: skip
    db.add(token)
    audit.record(db, user=user, action="create", entity=token, before=None)
    return token, raw


def revoke_token(db: Session, *, user: User | None, token: ApiToken) -> None:
    """Stop accepting the token from now on (kept, for the record)."""
    if token.revoked_at is not None:
        return
    before = audit.snapshot(token)
    token.revoked_at = utcnow()
    audit.record(db, user=user, action="update", entity=token, before=before)


def list_tokens(db: Session) -> list[tuple[ApiToken, Site]]:
    """Every token with its site, newest first."""
    rows = db.execute(
        select(ApiToken, Site).join(Site).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [(token, site) for token, site in rows]


def site_for_token(db: Session, *, raw: str) -> Site | None:
    """The active site a live token belongs to (noting its use), or None."""
    row = db.execute(
        select(ApiToken, Site)
        .join(Site)
        .where(ApiToken.token_hash == hash_token(raw), ApiToken.revoked_at.is_(None), Site.active)
    ).one_or_none()
    if row is None:
        return None
    token, site = row
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now
    return site


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header, or None."""
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
