"""Account links: the emailed, single-use, expiring links of an invitation and of a password reset
(only a SHA-256 of each token is kept).

Revision ID: a6728e75355c
Revises: 249c05c68550
Created: 2026-12-01 14:27:53.121424+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "a6728e75355c"
down_revision: str | None = "1f8e78a12d82"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "invitation", "password-reset", name="account_link_purpose", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["portal_users.id"], name=op.f("fk_account_links_user_id_portal_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.create_index("ix_account_links_user", ["user_id", "purpose"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.drop_index("ix_account_links_user")

    op.drop_table("account_links")
