"""Accreditation evidence: the providers' uploaded certificates (kept in the database, with their
SHA-256, size and type) and the decision on each; the `accreditation-expiry` notification kind.

`notifications.kind` is a VARCHAR with a named CHECK of the kinds; the new kind is longer than the
longest before, so the column widens and the CHECK is replaced (as for session reminders).

Revision ID: b7e4c2a19d05
Revises: b4d18a7e3c21
Created: 2026-12-01 16:30:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "b7e4c2a19d05"
down_revision: str | None = "b4d18a7e3c21"
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
)
NEW_KINDS = (*OLD_KINDS, "accreditation-expiry")


def _kinds(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="notification_kind", native_enum=False, create_constraint=True)


def upgrade() -> None:
    op.create_table(
        "accreditation_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=200), nullable=False),
        sa.Column("renews_id", sa.Integer(), nullable=True),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "approved", "rejected", name="evidence_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("decided_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("accreditation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_accreditation_evidence_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["renews_id"],
            ["accreditations.id"],
            name=op.f("fk_accreditation_evidence_renews_id_accreditations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["accreditation_id"],
            ["accreditations.id"],
            name=op.f("fk_accreditation_evidence_accreditation_id_accreditations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_accreditation_evidence_uploaded_by_user_id_portal_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_accreditation_evidence_decided_by_user_id_portal_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_evidence")),
        sa.UniqueConstraint("public_id", name=op.f("uq_accreditation_evidence_public_id")),
        sa.UniqueConstraint("accreditation_id", name=op.f("uq_accreditation_evidence_accreditation_id")),
    )
    op.create_index(
        op.f("ix_accreditation_evidence_organisation_id"), "accreditation_evidence", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_accreditation_evidence_sha256"), "accreditation_evidence", ["sha256"], unique=False)
    op.create_index(op.f("ix_accreditation_evidence_status"), "accreditation_evidence", ["status"], unique=False)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(OLD_KINDS), type_=_kinds(NEW_KINDS), existing_nullable=False)


def downgrade() -> None:
    notifications = sa.table("notifications", sa.column("kind", sa.String()))
    op.execute(sa.delete(notifications).where(notifications.c.kind == "accreditation-expiry"))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(NEW_KINDS), type_=_kinds(OLD_KINDS), existing_nullable=False)
    op.drop_index(op.f("ix_accreditation_evidence_status"), table_name="accreditation_evidence")
    op.drop_index(op.f("ix_accreditation_evidence_sha256"), table_name="accreditation_evidence")
    op.drop_index(op.f("ix_accreditation_evidence_organisation_id"), table_name="accreditation_evidence")
    op.drop_table("accreditation_evidence")
