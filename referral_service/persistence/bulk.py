"""Writing many rows fast, for the synthetic history: PostgreSQL COPY, SQLite executemany on the driver.

SQLAlchemy's per-value type processing costs more than the database's own work at millions of
rows, so values are converted here to what the column types would have stored (UTC datetimes,
naive on SQLite; enum values; JSON text) and handed to the driver in the caller's transaction.
Only for generated data: every value must already be valid, and column defaults are not applied.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")  # as strftime %f, faster
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _postgresql_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


# Values the drivers take as they are; a column holding only these is passed through untouched.
_SQLITE_AS_IS: frozenset[type] = frozenset({int, float, str, type(None)})
_POSTGRESQL_AS_IS: frozenset[type] = frozenset({int, float, str, bool, datetime, date, type(None)})


def _column(values: list[Any], as_is: frozenset[type], convert: Callable[[Any], Any]) -> list[Any]:
    """One column's values as the driver takes them. Converted column by column, not value by value:
    most columns need nothing, and one look at a column's types is cheaper than a test per value
    (at millions of rows, converting value by value was most of the time spent writing)."""
    if {type(value) for value in values} <= as_is:
        return values
    return [convert(value) for value in values]


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` into `table` in the session's transaction; a key missing from a row is NULL."""
    if not rows:
        return
    names = [column.name for column in table.columns if any(column.name in row for row in rows[:50])]
    names += [name for name in {key for row in rows for key in row} if name not in names]
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    columns = ", ".join(names)
    postgresql = connection.dialect.name == "postgresql"
    as_is, convert = (_POSTGRESQL_AS_IS, _postgresql_value) if postgresql else (_SQLITE_AS_IS, _sqlite_value)
    values = zip(*(_column([row.get(name) for row in rows], as_is, convert) for name in names), strict=True)
    if postgresql:
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in names)
    cursor = driver.cursor()
    cursor.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", values)  # noqa: S608  (names from the table itself)
    cursor.close()


def analyse_tables(session: Session) -> None:
    """Refresh the query planner's statistics after a bulk load (autovacuum would, later)."""
    session.execute(text("ANALYZE"))
