"""Writing many rows fast, for the synthetic history: PostgreSQL COPY, SQLite executemany on the driver.

SQLAlchemy's per-value type processing costs more than the database's own work at millions of
rows, so values are converted here to what the column types would have stored (UTC datetimes,
naive on SQLite; enum values; JSON text) and handed to the driver in the caller's transaction.
Only for generated data: every value must already be valid, and column defaults are not applied.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
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
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_postgresql_value(row.get(name)) for name in names])
        return
    marks = ", ".join("?" for _ in names)
    cursor = driver.cursor()
    cursor.executemany(
        f"INSERT INTO {table.name} ({columns}) VALUES ({marks})",  # noqa: S608  (names from the table itself)
        [tuple(_sqlite_value(row.get(name)) for name in names) for row in rows],
    )
    cursor.close()


def analyse_tables(session: Session) -> None:
    """Refresh the query planner's statistics after a bulk load (autovacuum would, later)."""
    session.execute(text("ANALYZE"))
