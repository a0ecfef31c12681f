"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import app.models  # noqa: F401  (registers every table)
from app.db import Base, make_engine


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert differences == []
    assert set(Base.metadata.tables) <= tables


def test_constraint_names_follow_the_convention(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        foreign_keys = inspect(conn).get_foreign_keys("agents")
        uniques = inspect(conn).get_unique_constraints("agents")
    engine.dispose()
    assert {fk["name"] for fk in foreign_keys} == {
        "fk_agents_site_id_sites",
        "fk_agents_team_id_teams",
        "fk_agents_user_id_users",
    }
    assert "uq_agents_site_id_code" in {u["name"] for u in uniques}
