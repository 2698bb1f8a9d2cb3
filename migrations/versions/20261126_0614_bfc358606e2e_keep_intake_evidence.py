"""Keep what intake read from a referral, and accept each BaRS Bundle once per practice.

`referrals.evidence` holds the conditions and measurements (with their dates) read at intake, so
triage never parses the stored payload again; existing rows get an empty document. The unique key
on (sender, Bundle.id) makes a Bundle resent under a new X-Request-Id return the first referral.

Revision ID: bfc358606e2e
Revises: dca974432b69
Created: 2026-11-26 06:14:28.252058+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "bfc358606e2e"
down_revision: str | None = "dca974432b69"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "evidence",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_referrals_sender_organisation_id_source_bundle_id"),
            ["sender_organisation_id", "source_bundle_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_referrals_sender_organisation_id_source_bundle_id"), type_="unique")
        batch_op.drop_column("evidence")
