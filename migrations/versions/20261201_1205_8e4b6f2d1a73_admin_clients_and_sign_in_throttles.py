"""API clients may be monitoring systems with the admin scope; failed client sign-ins are throttled.

`api_clients.kind` gains `admin-system` (its CHECK constraint is rebuilt), and `sign_in_throttles`
counts failed `/oauth/token` attempts per client id and per remote address, shared by every worker.

Revision ID: 8e4b6f2d1a73
Revises: c7e2a91f4b30
Created: 2026-12-01 12:05:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "8e4b6f2d1a73"
down_revision: str | None = "c7e2a91f4b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CHECK = "ck_api_clients_api_client_kind"
OLD_KINDS = ("gp-system", "provider-system")
NEW_KINDS = (*OLD_KINDS, "admin-system")


def _kinds(kinds: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("api_clients") as batch:  # SQLite copies the table; PostgreSQL alters it
        batch.drop_constraint(op.f(KIND_CHECK), type_="check")
        batch.create_check_constraint(op.f(KIND_CHECK), sa.text(f"kind IN ({listed})"))


def upgrade() -> None:
    _kinds(NEW_KINDS)
    op.create_table(
        "sign_in_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_throttles")),
        sa.UniqueConstraint("scope", "key_hash", name=op.f("uq_sign_in_throttles_scope_key_hash")),
    )
    op.create_index(
        op.f("ix_sign_in_throttles_window_started_at"), "sign_in_throttles", ["window_started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_throttles_window_started_at"), table_name="sign_in_throttles")
    op.drop_table("sign_in_throttles")
    op.execute(sa.text("DELETE FROM api_clients WHERE kind = 'admin-system'"))
    _kinds(OLD_KINDS)
