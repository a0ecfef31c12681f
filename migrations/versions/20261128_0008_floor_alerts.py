"""floor alerts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "floor_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=True),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("limit", sa.Float(), nullable=False),
        sa.Column("first_seen_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_floor_alerts_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["users.id"], name=op.f("fk_floor_alerts_acknowledged_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floor_alerts")),
        sa.UniqueConstraint("site_id", "key", name=op.f("uq_floor_alerts_site_id_key")),
    )
    op.create_index(
        "ix_floor_alerts_site_id_last_seen_at",
        "floor_alerts",
        ["site_id", "last_seen_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_floor_alerts_site_id_last_seen_at", table_name="floor_alerts")
    op.drop_table("floor_alerts")
