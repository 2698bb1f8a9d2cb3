"""Triage at 10,000 services on SQLite: covering indexes for the narrowing statements. On
service_districts (district, service_id), so the candidates are found from the patient's district
(a few dozen index entries) instead of walking every service on the pathway with a look-up each;
on services and accreditations, so counting the rest of a pathway's services by reason reads
indexes only, not each service's and accreditation's row.

Revision ID: 5d2c8e41b7a9
Revises: c3a9d7e15b24
Created: 2026-12-01 17:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "5d2c8e41b7a9"
down_revision: str | None = "c3a9d7e15b24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NARROWING = ["pathway_system", "pathway_code", "is_listed", "organisation_id", "min_age", "max_age"]


def upgrade() -> None:
    op.create_index("ix_service_districts_district_service", "service_districts", ["district", "service_id"])
    op.create_index("ix_services_pathway_narrowing", "services", NARROWING)
    op.create_index(
        "ix_accreditations_organisation_validity", "accreditations", ["organisation_id", "valid_until", "valid_from"]
    )


def downgrade() -> None:
    op.drop_index("ix_accreditations_organisation_validity", table_name="accreditations")
    op.drop_index("ix_services_pathway_narrowing", table_name="services")
    op.drop_index("ix_service_districts_district_service", table_name="service_districts")
