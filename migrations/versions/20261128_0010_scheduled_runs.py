"""scheduled runs: one row per scheduled task and period, the claim of the worker that ran it

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=96), nullable=False),
        sa.Column("period_start", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_runs")),
        sa.UniqueConstraint(
            "task", "period_start", name=op.f("uq_scheduled_runs_task_period_start")
        ),
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs")
