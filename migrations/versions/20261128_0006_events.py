"""events: API tokens, raw ACD events, calls, agent-state intervals; feed-registered queues/agents

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = app.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    for table in ("agents", "queues"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("found_in_feed", sa.Boolean(), nullable=False, server_default=sa.false())
            )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("last_used_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_api_tokens_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_api_tokens_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_site_id"), "api_tokens", ["site_id"], unique=False)
    op.create_table(
        "acd_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("ts", UTC, nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=True),
        sa.Column("agent", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_acd_events_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acd_events")),
        sa.UniqueConstraint("site_id", "event_id", name=op.f("uq_acd_events_site_id_event_id")),
    )
    op.create_index("ix_acd_events_site_id_call_id", "acd_events", ["site_id", "call_id"])
    op.create_index("ix_acd_events_site_id_agent_ts", "acd_events", ["site_id", "agent", "ts"])
    op.create_table(
        "calls",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("offered_at", UTC, nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("abandoned_at", UTC, nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "source IN ('events', 'cdr', 'queue_log')", name=op.f("ck_calls_source_known")
        ),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_calls_agent_id_agents")),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"], name=op.f("fk_calls_queue_id_queues")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_calls_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("site_id", "call_id", name=op.f("uq_calls_site_id_call_id")),
    )
    op.create_index("ix_calls_site_id_offered_at", "calls", ["site_id", "offered_at"])
    op.create_index(
        "ix_calls_site_id_queue_id_offered_at", "calls", ["site_id", "queue_id", "offered_at"]
    )
    op.create_table(
        "agent_states",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=True),
        sa.Column("start", UTC, nullable=False),
        sa.Column("end", UTC, nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "source IN ('events', 'queue_log')", name=op.f("ck_agent_states_source_known")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_states_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_agent_states_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_states")),
    )
    op.create_index("ix_agent_states_site_id_start", "agent_states", ["site_id", "start"])
    op.create_index("ix_agent_states_agent_id_start", "agent_states", ["agent_id", "start"])


def downgrade() -> None:
    op.drop_table("agent_states")
    op.drop_table("calls")
    op.drop_table("acd_events")
    op.drop_index(op.f("ix_api_tokens_site_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    for table in ("queues", "agents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("found_in_feed")
