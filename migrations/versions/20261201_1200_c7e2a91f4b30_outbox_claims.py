"""An outbox message is claimed for one attempt (`claimed_until`) instead of locked across the send.

Delivery used to hold a transaction and a row lock while it waited for the referrer's answer; now
it commits a claim, sends with no transaction open, and records the answer in a new transaction.
A claim left by a sender that died runs out, and the message is sent again.

Revision ID: c7e2a91f4b30
Revises: 3039712ede39
Created: 2026-12-01 12:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "c7e2a91f4b30"
down_revision: str | None = "3039712ede39"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(
            sa.Column("claimed_until", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("claimed_until")
