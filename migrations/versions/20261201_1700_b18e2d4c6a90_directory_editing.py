"""Directory editing: a service's eligibility notes in plain words, the versions of every listing,
and the proposals to change what triage reads that wait for a commissioner's approval.

Revision ID: b18e2d4c6a90
Revises: 5e1f2a3b4c6d
Created: 2026-12-01 17:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "b18e2d4c6a90"
down_revision: str | None = "5e1f2a3b4c6d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = referral_service.persistence.base.UTCDateTime(timezone=True)
JSON = referral_service.persistence.base.JSONDocument


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("eligibility_notes", sa.Text(), nullable=True))
    op.create_table(
        "directory_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("made_at", WHEN, nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("made_by_name", sa.String(length=200), nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("snapshot", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_directory_versions_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_versions")),
    )
    op.create_index("ix_directory_versions_organisation", "directory_versions", ["organisation_id", "id"])
    op.create_table(
        "directory_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "approved", "rejected", name="proposal_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("proposed_at", WHEN, nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("current", JSON, nullable=False),
        sa.Column("proposed", JSON, nullable=False),
        sa.Column("decided_at", WHEN, nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_directory_proposals_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["portal_users.id"], name=op.f("fk_directory_proposals_proposed_by_portal_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["portal_users.id"], name=op.f("fk_directory_proposals_decided_by_portal_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_proposals")),
        sa.UniqueConstraint("public_id", name=op.f("uq_directory_proposals_public_id")),
    )
    op.create_index(op.f("ix_directory_proposals_service_id"), "directory_proposals", ["service_id"])
    op.create_index("ix_directory_proposals_status", "directory_proposals", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_directory_proposals_status", table_name="directory_proposals")
    op.drop_index(op.f("ix_directory_proposals_service_id"), table_name="directory_proposals")
    op.drop_table("directory_proposals")
    op.drop_index("ix_directory_versions_organisation", table_name="directory_versions")
    op.drop_table("directory_versions")
    # plain ALTER TABLE ... DROP COLUMN: a batch copy of `services` trips its foreign keys on SQLite
    op.drop_column("services", "eligibility_notes")
