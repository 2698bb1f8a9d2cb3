"""Report roll-ups keyed by area and referral source too (persistence/models/rollups.py), so a
commissioner of one area, and a report of one source, is answered from the roll-ups, not the summary.

The roll-ups are derived from the summary: their rows are deleted (rows without an area or a source
would count in no area) and the refresh mark is cleared, as f7951211c12b does, so the next
`refresh-reports` tick (or `reports refresh`) rebuilds the summary and fills the roll-ups again; until
then the reports read the summary alone.

Revision ID: 5e4f7a6617f4
Revises: f7951211c12b
Created: 2026-12-01 19:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e4f7a6617f4"
down_revision: str | None = "f7951211c12b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("report_rollups", "report_equity_rollups", "report_wait_rollups", "report_tally_rollups")


def upgrade() -> None:
    # SQLite adds a NOT NULL column without a default only by copying the (now empty) table
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    for table in TABLES:
        op.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
        with op.batch_alter_table(table, recreate=recreate) as batch_op:
            batch_op.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("source", sa.String(length=4), nullable=False))
    # the next refresh rebuilds everything, roll-ups included (the mark's row stays: each refresh locks it)
    op.execute(
        "UPDATE report_refresh SET events_through = 0, measures_through = 0, attempts_through = 0, refreshed_at = NULL"
    )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("source")
            batch_op.drop_column("area_id")
