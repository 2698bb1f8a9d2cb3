"""Triage narrowed in SQL: each service's catchment districts as indexed rows, and its inclusion
rule's age limits as columns, filled from what is already stored.

Revision ID: 7c3f9a1d2e58
Revises: 249c05c68550
Created: 2026-12-01 14:40:00+00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "7c3f9a1d2e58"
down_revision: str | None = "a6728e75355c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _limits(rule: Any) -> tuple[float | None, float | None]:
    """domain.rules.age_limits over the stored document form (kept here: a migration must not change
    with the code)."""
    if not isinstance(rule, dict):
        return None, None
    if "age" in rule:
        return rule["age"].get("min"), rule["age"].get("max")
    if "all" in rule:
        parts = [_limits(child) for child in rule["all"]]
        lows = [low for low, _ in parts if low is not None]
        highs = [high for _, high in parts if high is not None]
        return (max(lows) if lows else None), (min(highs) if highs else None)
    if rule.get("any"):
        parts = [_limits(child) for child in rule["any"]]
        low = None if any(p[0] is None for p in parts) else min(p[0] for p in parts if p[0] is not None)
        high = None if any(p[1] is None for p in parts) else max(p[1] for p in parts if p[1] is not None)
        return low, high
    return None, None


def _document(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    op.create_table(
        "service_districts",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_districts_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "district", name=op.f("pk_service_districts")),
    )
    op.create_index(op.f("ix_service_districts_district"), "service_districts", ["district"], unique=False)
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("min_age", sa.Float(), nullable=True))
        batch.add_column(sa.Column("max_age", sa.Float(), nullable=True))
    bind = op.get_bind()
    services = sa.table(
        "services",
        sa.column("id", sa.Integer),
        sa.column("catchment_districts", sa.Text),
        sa.column("eligibility", sa.Text),
        sa.column("min_age", sa.Float),
        sa.column("max_age", sa.Float),
    )
    districts = sa.table("service_districts", sa.column("service_id", sa.Integer), sa.column("district", sa.String))
    rows = bind.execute(
        sa.text("SELECT id, CAST(catchment_districts AS TEXT), CAST(eligibility AS TEXT) FROM services")
    ).all()
    for service_id, catchment, eligibility in rows:
        low, high = _limits(_document(eligibility)) if eligibility else (None, None)
        bind.execute(services.update().where(services.c.id == service_id).values(min_age=low, max_age=high))
        wanted = sorted(set(_document(catchment) or []))
        if wanted:
            bind.execute(districts.insert(), [{"service_id": service_id, "district": d} for d in wanted])


def downgrade() -> None:
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of `services` would fail its
    # foreign keys once services are referenced
    op.drop_column("services", "max_age")
    op.drop_column("services", "min_age")
    op.drop_index(op.f("ix_service_districts_district"), table_name="service_districts")
    op.drop_table("service_districts")
