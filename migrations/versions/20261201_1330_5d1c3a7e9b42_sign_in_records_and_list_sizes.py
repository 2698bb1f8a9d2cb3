"""The administrators' sign-in history, and practice list sizes for rates per 1,000 patients.

`sign_in_records` keeps one row per sign-in attempt against a known account (never a password);
`practice_list_sizes` holds the list size file a deployment loads with `practices load-list-sizes`.

Revision ID: 5d1c3a7e9b42
Revises: 8e4b6f2d1a73
Created: 2026-12-01 13:30:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "5d1c3a7e9b42"
down_revision: str | None = "8e4b6f2d1a73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["portal_users.id"], name=op.f("fk_sign_in_records_user_id_portal_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_records")),
    )
    op.create_index("ix_sign_in_records_user", "sign_in_records", ["user_id", "occurred_at"], unique=False)
    op.create_table(
        "practice_list_sizes",
        sa.Column("practice_ods", sa.String(length=10), nullable=False),
        sa.Column("list_size", sa.Integer(), nullable=False),
        sa.CheckConstraint("list_size >= 0", name=op.f("ck_practice_list_sizes_list_size_not_negative")),
        sa.PrimaryKeyConstraint("practice_ods", name=op.f("pk_practice_list_sizes")),
    )


def downgrade() -> None:
    op.drop_table("practice_list_sizes")
    op.drop_index("ix_sign_in_records_user", table_name="sign_in_records")
    op.drop_table("sign_in_records")
