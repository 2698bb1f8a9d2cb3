"""Each referral keeps the patient's details its sender sent (referral_patient_details).

Patients were one row per NHS number, overwritten by the newest referral from any practice, so a
provider holding one practice's referral saw another practice's name, phone and postcode. Each
referral now has its own copy; the patient row stays as the person, linking their referrals by NHS
number. Existing referrals get a copy of their patient row as it stands (the best there is).

Revision ID: 1f7fb1f9464c
Revises: 51dba0664c4a
Created: 2026-12-01 11:22:14.054180+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1f7fb1f9464c"
down_revision: str | None = "51dba0664c4a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DETAILS = (
    "nhs_number",
    "nhs_number_verification",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "postcode",
    "postcode_district",
    "ethnicity_code",
    "phone",
    "email",
)


def upgrade() -> None:
    op.create_table(
        "referral_patient_details",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("nhs_number_verification", sa.String(length=60), nullable=True),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("postcode_district", sa.String(length=4), nullable=True),
        sa.Column("ethnicity_code", sa.String(length=10), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_patient_details_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referral_patient_details")),
    )
    columns = ", ".join(DETAILS)
    from_patient = ", ".join(f"patients.{name}" for name in DETAILS)
    op.execute(
        f"INSERT INTO referral_patient_details (referral_id, {columns}) "  # noqa: S608 (constant names)
        f"SELECT referrals.id, {from_patient} FROM referrals JOIN patients ON patients.id = referrals.patient_id"
    )


def downgrade() -> None:
    op.drop_table("referral_patient_details")
