"""Triage at 10,000 services on SQLite: a covering index (district, service_id) on
service_districts, so the narrowed candidates are found from the patient's district (a few dozen
index entries) instead of walking every service on the pathway with a look-up each.

Revision ID: 5d2c8e41b7a9
Revises: 7c3f9a1d2e58
Created: 2026-12-01 17:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "5d2c8e41b7a9"
down_revision: str | None = "7c3f9a1d2e58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_service_districts_district_service", "service_districts", ["district", "service_id"])


def downgrade() -> None:
    op.drop_index("ix_service_districts_district_service", table_name="service_districts")
