"""Scratch databases for the benchmarks: a fresh SQLite file, or a PostgreSQL database created
on the server given and dropped at the end (imported by the sibling scripts as `scratch`)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def sqlite_url() -> Iterator[str]:
    """The URL of a fresh SQLite file in a temporary folder, removed at the end."""
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_url(server: str, prefix: str = "smena_bench_") -> Iterator[str]:
    """The URL of a new database `<prefix><8 hex>` on `server`, dropped (forced) at the end."""
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
