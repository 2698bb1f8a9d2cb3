"""Listing notices: commissioners are told of a proposed change to a listing, providers of the decision.

`notifications.kind` gains `listing-proposed` and `listing-decided` (no longer than the longest kind,
so only its CHECK is replaced).

Revision ID: c3a9d7e15b24
Revises: b18e2d4c6a90
Created: 2026-12-01 17:15:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3a9d7e15b24"
down_revision: str | None = "b18e2d4c6a90"
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
    "self-referral",
)
NEW_KINDS = (*OLD_KINDS, "listing-proposed", "listing-decided")


def _kinds(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="notification_kind", native_enum=False, create_constraint=True)


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(OLD_KINDS), type_=_kinds(NEW_KINDS), existing_nullable=False)


def downgrade() -> None:
    notifications = sa.table("notifications", sa.column("kind", sa.String()))
    op.execute(sa.delete(notifications).where(notifications.c.kind.in_(["listing-proposed", "listing-decided"])))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(NEW_KINDS), type_=_kinds(OLD_KINDS), existing_nullable=False)
