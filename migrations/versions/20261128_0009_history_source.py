"""interval history source: an upload, or built from stored calls

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interval_history", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=8), server_default="upload", nullable=False)
        )
        batch_op.create_check_constraint("source_known", "source IN ('upload', 'calls')")


def downgrade() -> None:
    with op.batch_alter_table("interval_history", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_interval_history_source_known"), type_="check")
        batch_op.drop_column("source")
