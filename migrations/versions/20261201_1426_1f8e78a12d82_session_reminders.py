"""Session reminders: the `session-reminder` notification kind, and a service's own note in them.

`notifications.kind` is a VARCHAR with a named CHECK of the kinds; the new kind is one character
longer than the longest before, so the column widens and the CHECK is replaced.
`services.reminder_note` is the provider's own words added to its session reminders.

Revision ID: 1f8e78a12d82
Revises: 249c05c68550
Created: 2026-12-01 14:26:43.031533+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1f8e78a12d82"
down_revision: str | None = "249c05c68550"
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
)
NEW_KINDS = (*OLD_KINDS, "session-reminder")


def _kinds(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="notification_kind", native_enum=False, create_constraint=True)


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(OLD_KINDS), type_=_kinds(NEW_KINDS), existing_nullable=False)
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_note", sa.String(length=80), nullable=True))


def downgrade() -> None:
    notifications = sa.table("notifications", sa.column("kind", sa.String()))
    op.execute(sa.delete(notifications).where(notifications.c.kind == "session-reminder"))
    # a plain DROP COLUMN (SQLite 3.35+): a batch copy of `services` would trip its foreign keys
    op.drop_column("services", "reminder_note")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(NEW_KINDS), type_=_kinds(OLD_KINDS), existing_nullable=False)
