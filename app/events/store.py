"""Writing many rows at once: COPY and array statements on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import JSON, ColumnElement, Connection, Table, TextClause, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

CHUNK = 1000  # values per IN (...) list: well under every database's parameter limit


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """`values` in slices of at most `size`."""
    for first in range(0, len(values), size):
        yield values[first : first + size]


def among(
    db: Session, column: InstrumentedAttribute[Any] | ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`column IN values`; one array parameter on PostgreSQL (a plan that uses the index)."""
    if db.connection().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def bulk_insert(db: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, aware datetimes) into `table`."""
    if not rows:
        return
    connection = db.connection()
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    if connection.dialect.name != "postgresql":
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 (own names)
        connection.exec_driver_sql(sql, _driver_rows(connection, table, columns, rows))
        return
    wrap = {name for name in columns if isinstance(table.c[name].type, JSON)}
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({names}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([Json(row[c]) if c in wrap else row[c] for c in columns])


def bulk_update(db: Session, table: Table, rows: Sequence[dict[str, Any]], *, key: str) -> None:
    """Set the other columns of `rows` (dicts with the same keys) on the rows matching `key`.

    On PostgreSQL one statement joins the values as arrays, instead of a statement per row.
    """
    if not rows:
        return
    connection = db.connection()
    columns = [name for name in rows[0] if name != key]
    if connection.dialect.name == "postgresql":
        arrays = {name: [row[name] for row in rows] for name in [key, *columns]}
        statement = _update_from_arrays(table, [key, *columns], key, connection.dialect)
        connection.execute(statement, arrays)
        return
    settings = ", ".join(f'"{name}" = ?' for name in columns)
    sql = f'UPDATE {table.name} SET {settings} WHERE "{key}" = ?'  # noqa: S608 (own names)
    connection.exec_driver_sql(sql, _driver_rows(connection, table, [*columns, key], rows))


def _driver_rows(
    connection: Connection, table: Table, columns: list[str], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """`rows` as the driver takes them: each value through its column type's bind processor.

    (What SQLAlchemy's executemany does, without its per-row bookkeeping.)
    """
    dialect, values = connection.dialect, []
    for name in columns:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        column = [row[name] for row in rows]
        values.append(column if process is None else [process(value) for value in column])
    return list(zip(*values, strict=True))


def _update_from_arrays(table: Table, columns: list[str], key: str, dialect: Any) -> TextClause:
    """UPDATE table FROM unnest(one array parameter per column), matching on `key`."""
    arrays = ", ".join(
        f"CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[])" for name in columns
    )
    names = ", ".join(f'"{name}"' for name in columns)
    settings = ", ".join(f'"{name}" = v."{name}"' for name in columns if name != key)
    joined = f'FROM unnest({arrays}) AS v({names}) WHERE t."{key}" = v."{key}"'
    sql = f"UPDATE {table.name} AS t SET {settings} {joined}"  # noqa: S608 (the table's own names)
    parameters = (bindparam(name, type_=ARRAY(table.c[name].type)) for name in columns)
    return text(sql).bindparams(*parameters)
