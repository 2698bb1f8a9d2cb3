"""Commissioner reports: a summary row per referral (report_journeys), its refresh mark, practice PCNs.

The summary is rebuilt from the event history by `reports refresh` and by the report pages
themselves (only the referrals whose history grew), so report queries scan one narrow table with
indexes for every filter (date range, practice, provider, service, pathway).

Revision ID: 3d308efb918d
Revises: 70668d8cb314
Created: 2026-11-26 08:18:59.493097+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "3d308efb918d"
down_revision: str | None = "70668d8cb314"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "practice_pcns",
        sa.Column("practice_ods", sa.String(length=10), nullable=False),
        sa.Column("pcn_code", sa.String(length=10), nullable=False),
        sa.Column("pcn_name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("practice_ods", name=op.f("pk_practice_pcns")),
    )
    with op.batch_alter_table("practice_pcns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practice_pcns_pcn_code"), ["pcn_code"], unique=False)

    op.create_table(
        "report_refresh",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("events_through", sa.Integer(), nullable=False),
        sa.Column("measures_through", sa.Integer(), nullable=False),
        sa.Column("attempts_through", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_refresh")),
    )
    # the one refresh mark, locked by each refresh so two never interleave
    op.bulk_insert(
        sa.table(
            "report_refresh",
            sa.column("id"),
            sa.column("events_through"),
            sa.column("measures_through"),
            sa.column("attempts_through"),
        ),
        [{"id": 1, "events_through": 0, "measures_through": 0, "attempts_through": 0}],
    )
    op.create_table(
        "report_journeys",
        sa.Column("referral_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("received_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_month", sa.String(length=7), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("pathway_code", sa.String(length=40), nullable=True),
        sa.Column("imd_decile", sa.Integer(), nullable=True),
        sa.Column("age_band", sa.String(length=12), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("ethnic_group", sa.String(length=60), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=True),
        sa.Column("unmet_reason", sa.String(length=20), nullable=True),
        sa.Column("unmet_month", sa.String(length=7), nullable=True),
        sa.Column("unmet_district", sa.String(length=4), nullable=True),
        sa.Column("decline_reason", sa.String(length=40), nullable=True),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("expired", sa.Boolean(), nullable=False),
        sa.Column("patient_declined", sa.Boolean(), nullable=False),
        sa.Column("contacted", sa.Boolean(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("dropped_out", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("sessions_attended", sa.Integer(), nullable=False),
        sa.Column("sessions_missed", sa.Integer(), nullable=False),
        sa.Column("programme_sessions", sa.Integer(), nullable=True),
        sa.Column("offer_days", sa.Integer(), nullable=True),
        sa.Column("contact_days", sa.Integer(), nullable=True),
        sa.Column("attendance_days", sa.Integer(), nullable=True),
        sa.Column("response_days", sa.Integer(), nullable=True),
        sa.Column("swemwbs_start", sa.Float(), nullable=True),
        sa.Column("swemwbs_end", sa.Float(), nullable=True),
        sa.Column("ons4_life_satisfaction_start", sa.Float(), nullable=True),
        sa.Column("ons4_life_satisfaction_end", sa.Float(), nullable=True),
        sa.Column("ons4_worthwhile_start", sa.Float(), nullable=True),
        sa.Column("ons4_worthwhile_end", sa.Float(), nullable=True),
        sa.Column("ons4_happiness_start", sa.Float(), nullable=True),
        sa.Column("ons4_happiness_end", sa.Float(), nullable=True),
        sa.Column("ons4_anxiety_start", sa.Float(), nullable=True),
        sa.Column("ons4_anxiety_end", sa.Float(), nullable=True),
        sa.Column("activity_start", sa.Float(), nullable=True),
        sa.Column("activity_end", sa.Float(), nullable=True),
        sa.Column("measured", sa.Boolean(), nullable=False),
        sa.Column("nhs_verified", sa.Boolean(), nullable=False),
        sa.Column("ethnicity_recorded", sa.Boolean(), nullable=False),
        sa.Column("outcome_returned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_report_journeys_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_report_journeys")),
    )
    with op.batch_alter_table("report_journeys", schema=None) as batch_op:
        batch_op.create_index("ix_report_journeys_pathway", ["pathway_code", "received_at"], unique=False)
        batch_op.create_index("ix_report_journeys_practice", ["practice_id", "received_at"], unique=False)
        batch_op.create_index("ix_report_journeys_provider", ["provider_id", "received_at"], unique=False)
        batch_op.create_index("ix_report_journeys_received_at", ["received_at"], unique=False)
        batch_op.create_index("ix_report_journeys_service", ["service_id", "received_at"], unique=False)
        # partial: only referrals with a gap, or with a decline, are read for those tables
        batch_op.create_index(
            "ix_report_journeys_unmet",
            ["received_at"],
            unique=False,
            sqlite_where=sa.text("unmet_reason IS NOT NULL"),
            postgresql_where=sa.text("unmet_reason IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_report_journeys_measured",
            ["received_at"],
            unique=False,
            sqlite_where=sa.text("measured"),
            postgresql_where=sa.text("measured"),
        )
        batch_op.create_index(
            "ix_report_journeys_declined",
            ["received_at"],
            unique=False,
            sqlite_where=sa.text("decline_reason IS NOT NULL"),
            postgresql_where=sa.text("decline_reason IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("report_journeys", schema=None) as batch_op:
        batch_op.drop_index("ix_report_journeys_declined")
        batch_op.drop_index("ix_report_journeys_measured")
        batch_op.drop_index("ix_report_journeys_unmet")
        batch_op.drop_index("ix_report_journeys_service")
        batch_op.drop_index("ix_report_journeys_received_at")
        batch_op.drop_index("ix_report_journeys_provider")
        batch_op.drop_index("ix_report_journeys_practice")
        batch_op.drop_index("ix_report_journeys_pathway")

    op.drop_table("report_journeys")
    op.drop_table("report_refresh")
    with op.batch_alter_table("practice_pcns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_pcns_pcn_code"))

    op.drop_table("practice_pcns")
