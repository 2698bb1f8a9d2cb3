"""The directory stamp: one row the database changes whenever a directory row triage narrows on
changes (organisations, accreditations, services, service_districts), by triggers, so a triage
process can keep its narrowed candidates under the stamp and see any change by any path or process.

A random value, not a counter: a transaction that changed the directory and rolled back must never
leave behind a stamp a later, different change could take again. On PostgreSQL a statement-level
BEFORE trigger, so every writer of the directory takes the one row's lock before touching any
directory row (writers queue in one order and cannot deadlock on it); SQLite has one writer.

Revision ID: 9b3f6d2a7c10
Revises: 5e4f7a6617f4
Created: 2026-12-01 19:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3f6d2a7c10"
down_revision: str | None = "5e4f7a6617f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("organisations", "accreditations", "services", "service_districts")
SQLITE_STAMP = "lower(hex(randomblob(16)))"


def upgrade() -> None:
    op.create_table(
        "directory_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_stamp")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO directory_stamp (id, stamp) VALUES (1, gen_random_uuid()::text)")
        op.execute(
            "CREATE FUNCTION directory_restamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE directory_stamp SET stamp = gen_random_uuid()::text WHERE id = 1; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_restamp BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION directory_restamp()"
            )
        return
    op.execute(f"INSERT INTO directory_stamp (id, stamp) VALUES (1, {SQLITE_STAMP})")  # noqa: S608 (constants)
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            restamp = f"UPDATE directory_stamp SET stamp = {SQLITE_STAMP} WHERE id = 1"  # noqa: S608 (constants)
            op.execute(f"CREATE TRIGGER {table}_restamp_{event.lower()} AFTER {event} ON {table} BEGIN {restamp}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_restamp ON {table}")
        op.execute("DROP FUNCTION IF EXISTS directory_restamp()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_restamp_{event}")
    op.drop_table("directory_stamp")
