"""Areas: the places a deployment serves, and the area of each organisation, service, commissioner
and report journey (domain.areas). Everything starts in no area, so a deployment without areas
reads as before.

Revision ID: b4d18a7e3c21
Revises: 7c3f9a1d2e58
Created: 2026-12-01 16:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from referral_service.persistence.base import UTCDateTime

revision: str = "b4d18a7e3c21"
down_revision: str | None = "7c3f9a1d2e58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POINTING = ("organisations", "services", "portal_users")


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
        sa.UniqueConstraint("slug", name=op.f("uq_areas_slug")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in POINTING:
        if sqlite:
            # plain ADD COLUMN with its REFERENCES clause (SQLite takes one on a new nullable column;
            # alembic would want a batch copy, and copying `services` trips the keys that point at it)
            op.execute(f"ALTER TABLE {table} ADD COLUMN area_id INTEGER REFERENCES areas (id)")
        else:
            op.add_column(table, sa.Column("area_id", sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f"fk_{table}_area_id_areas"), table, "areas", ["area_id"], ["id"])
        op.create_index(op.f(f"ix_{table}_area_id"), table, ["area_id"], unique=False)
    op.add_column("report_journeys", sa.Column("area_id", sa.Integer(), nullable=True))
    op.create_index("ix_report_journeys_area", "report_journeys", ["area_id", "received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_report_journeys_area", table_name="report_journeys")
    op.drop_column("report_journeys", "area_id")
    for table in reversed(POINTING):
        op.drop_index(op.f(f"ix_{table}_area_id"), table_name=table)
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(op.f(f"fk_{table}_area_id_areas"), table, type_="foreignkey")
        op.drop_column(table, "area_id")
    op.drop_table("areas")
