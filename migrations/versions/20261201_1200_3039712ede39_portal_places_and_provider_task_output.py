"""Keep what the portal and a provider's system change: places set in the portal, a Task's output.

`capacity_pools.places_set_in_portal_at` records when a provider last set a pool's places in the
portal; from then on the portal owns that pool's places and `providers load` keeps them (the file
only seeds a new pool). `referral_tasks.provider_output` keeps the Task.output a provider's own
system sent, so the referrer reads it on the Task and in the completion message. Existing rows
get NULL: no pool has been set in the portal as far as we know, no output was kept.

Revision ID: 3039712ede39
Revises: 1f7fb1f9464c
Created: 2026-12-01 12:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import referral_service.persistence.base

revision: str = "3039712ede39"
down_revision: str | None = "1f7fb1f9464c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("capacity_pools", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "places_set_in_portal_at",
                referral_service.persistence.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("referral_tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "provider_output",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_tasks", schema=None) as batch_op:
        batch_op.drop_column("provider_output")
    with op.batch_alter_table("capacity_pools", schema=None) as batch_op:
        batch_op.drop_column("places_set_in_portal_at")
