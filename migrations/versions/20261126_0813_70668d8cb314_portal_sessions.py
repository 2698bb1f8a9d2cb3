"""Portal sessions: one row per signed-in browser, so logout and expiry end a session for good.

Revision ID: 70668d8cb314
Revises: bfc358606e2e
Created: 2026-11-26 08:13:17.943361+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "70668d8cb314"
down_revision: str | None = "bfc358606e2e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["portal_users.id"], name=op.f("fk_portal_sessions_user_id_portal_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_sessions_token_hash")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_sessions_user_id"))

    op.drop_table("portal_sessions")
