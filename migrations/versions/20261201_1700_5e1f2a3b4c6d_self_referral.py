"""Self-referral: which services take it, where each referral came from, and the patient's receipt.

`services.self_referral` is the directory key `self_referral: true`; `referrals.source` (gp | self)
is recorded on every referral, existing ones being GP referrals; `report_journeys.source` carries it
into the reports; `notifications.kind` gains `self-referral` (no longer than the longest kind, so
only its CHECK is replaced).

Revision ID: 5e1f2a3b4c6d
Revises: b7e4c2a19d05
Created: 2026-12-01 17:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1f2a3b4c6d"
down_revision: str | None = "b7e4c2a19d05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "new-offer",
    "offer-deadline",
    "daily-digest",
    "new-queue-item",
    "referrer-answer",
    "staff-email",
    "first-contact",
    "dna-follow-up",
    "session-reminder",
    "accreditation-expiry",
)
NEW_KINDS = (*OLD_KINDS, "self-referral")


def _kinds(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="notification_kind", native_enum=False, create_constraint=True)


def upgrade() -> None:
    op.add_column("services", sa.Column("self_referral", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    if op.get_bind().dialect.name == "sqlite":  # no ALTER for a CHECK there; a column's own CHECK is allowed
        op.execute(
            "ALTER TABLE referrals ADD COLUMN source VARCHAR(4) DEFAULT 'gp' NOT NULL"
            " CONSTRAINT ck_referrals_referral_source CHECK (source IN ('gp', 'self'))"
        )
    else:
        op.add_column(
            "referrals",
            sa.Column(
                "source",
                sa.Enum("gp", "self", name="referral_source", native_enum=False, create_constraint=True),
                server_default="gp",
                nullable=False,
            ),
        )
    op.add_column("report_journeys", sa.Column("source", sa.String(length=4), server_default="gp", nullable=False))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(OLD_KINDS), type_=_kinds(NEW_KINDS), existing_nullable=False)


def downgrade() -> None:
    notifications = sa.table("notifications", sa.column("kind", sa.String()))
    op.execute(sa.delete(notifications).where(notifications.c.kind == "self-referral"))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(NEW_KINDS), type_=_kinds(OLD_KINDS), existing_nullable=False)
    # plain DROP COLUMN (SQLite 3.35+): a batch copy of these tables would trip their foreign keys
    op.drop_column("report_journeys", "source")
    op.drop_column("referrals", "source")
    op.drop_column("services", "self_referral")
