"""Baseline: the whole schema of the referral service.

Every table the service needs, from the provider directory to the outbox, and the triggers that
keep the referral event history append-only on both SQLite and PostgreSQL.

Revision ID: dca974432b69
Revises:
Created: 2026-11-26 05:57:27.738760+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import referral_service.persistence.base

APPEND_ONLY_MESSAGE = "referral_events is append-only"

revision: str = "dca974432b69"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lsoa_deprivation",
        sa.Column("lsoa_code", sa.String(length=9), nullable=False),
        sa.Column("imd_decile", sa.Integer(), nullable=False),
        sa.CheckConstraint("imd_decile BETWEEN 1 AND 10", name=op.f("ck_lsoa_deprivation_imd_decile_range")),
        sa.PrimaryKeyConstraint("lsoa_code", name=op.f("pk_lsoa_deprivation")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("provider", "referrer", name="organisation_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("ods_code", sa.String(length=10), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("endpoint", sa.String(length=500), nullable=True),
        sa.Column("is_listed", sa.Boolean(), nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=True),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("ods_code", name=op.f("uq_organisations_ods_code")),
        sa.UniqueConstraint("public_id", name=op.f("uq_organisations_public_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("nhs_number_verification", sa.String(length=60), nullable=True),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("postcode_district", sa.String(length=4), nullable=True),
        sa.Column("lsoa_code", sa.String(length=9), nullable=True),
        sa.Column("imd_decile", sa.Integer(), nullable=True),
        sa.Column("ethnicity_code", sa.String(length=10), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("public_id", name=op.f("uq_patients_public_id")),
    )
    op.create_index(op.f("ix_patients_postcode_district"), "patients", ["postcode_district"], unique=False)
    op.create_index(
        "uq_patients_nhs_number",
        "patients",
        ["nhs_number"],
        unique=True,
        sqlite_where=sa.text("nhs_number IS NOT NULL"),
        postgresql_where=sa.text("nhs_number IS NOT NULL"),
    )
    op.create_table(
        "postcode_lsoa",
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("lsoa_code", sa.String(length=9), nullable=False),
        sa.PrimaryKeyConstraint("postcode", name=op.f("pk_postcode_lsoa")),
    )
    op.create_index(op.f("ix_postcode_lsoa_lsoa_code"), "postcode_lsoa", ["lsoa_code"], unique=False)
    op.create_table(
        "accreditations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 7", name=op.f("ck_accreditations_level_range")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_accreditations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditations")),
    )
    op.create_index(op.f("ix_accreditations_organisation_id"), "accreditations", ["organisation_id"], unique=False)
    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("gp-system", "provider-system", name="api_client_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("callback_url", sa.String(length=500), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_api_clients_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_clients_client_id")),
    )
    op.create_index(op.f("ix_api_clients_organisation_id"), "api_clients", ["organisation_id"], unique=False)
    op.create_table(
        "organisation_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_identifiers_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_identifiers")),
        sa.UniqueConstraint("system", "value", name=op.f("uq_organisation_identifiers_system_value")),
    )
    op.create_index(
        op.f("ix_organisation_identifiers_organisation_id"),
        "organisation_identifiers",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "portal_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "provider",
                "link-worker",
                "commissioner",
                "admin",
                name="user_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_portal_users_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_users")),
        sa.UniqueConstraint("email", name=op.f("uq_portal_users_email")),
    )
    op.create_index(op.f("ix_portal_users_organisation_id"), "portal_users", ["organisation_id"], unique=False)
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("pathway_system", sa.String(length=200), nullable=False),
        sa.Column("pathway_code", sa.String(length=40), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "physical-activity",
                "weight-management",
                "falls-prevention",
                "cardiac-rehab",
                "social-connection",
                "mental-wellbeing",
                "money-and-housing",
                "other",
                name="service_category",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("programme_weeks", sa.Integer(), nullable=False),
        sa.Column("programme_sessions", sa.Integer(), nullable=False),
        sa.Column(
            "catchment_districts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "capacity_model",
            sa.Enum("rolling", "cohort", name="capacity_model", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("waitlist_enabled", sa.Boolean(), nullable=False),
        sa.Column("offer_response_days", sa.Integer(), nullable=False),
        sa.Column(
            "eligibility", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "risk_levels", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("is_listed", sa.Boolean(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("offer_response_days BETWEEN 1 AND 30", name=op.f("ck_services_offer_response_days_range")),
        sa.CheckConstraint(
            "programme_weeks > 0 AND programme_sessions > 0", name=op.f("ck_services_programme_positive")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_services_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("public_id", name=op.f("uq_services_public_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_services_slug")),
    )
    op.create_index(op.f("ix_services_organisation_id"), "services", ["organisation_id"], unique=False)
    op.create_index("ix_services_pathway", "services", ["pathway_system", "pathway_code"], unique=False)
    op.create_table(
        "api_client_practices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_client_id"],
            ["api_clients.id"],
            name=op.f("fk_api_client_practices_api_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client_practices")),
        sa.UniqueConstraint("api_client_id", "ods_code", name=op.f("uq_api_client_practices_api_client_id_ods_code")),
    )
    op.create_table(
        "capacity_pools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("intake_on", sa.Date(), nullable=True),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("updated_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("places >= 0", name=op.f("ck_capacity_pools_places_not_negative")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_capacity_pools_reserved_not_negative")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_capacity_pools_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_pools")),
        sa.UniqueConstraint("service_id", "intake_on", name=op.f("uq_capacity_pools_service_id_intake_on")),
    )
    op.create_index(op.f("ix_capacity_pools_service_id"), "capacity_pools", ["service_id"], unique=False)
    op.create_index(
        "uq_capacity_pools_rolling",
        "capacity_pools",
        ["service_id"],
        unique=True,
        sqlite_where=sa.text("intake_on IS NULL"),
        postgresql_where=sa.text("intake_on IS NULL"),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("sender_organisation_id", sa.Integer(), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=True),
        sa.Column("identifier_system", sa.String(length=200), nullable=True),
        sa.Column("identifier_value", sa.String(length=100), nullable=True),
        sa.Column("source_bundle_id", sa.String(length=100), nullable=True),
        sa.Column("source_endpoint", sa.String(length=300), nullable=True),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("correlation_id", sa.String(length=36), nullable=False),
        sa.Column("use_case", sa.String(length=40), nullable=True),
        sa.Column("pathway_system", sa.String(length=200), nullable=True),
        sa.Column("pathway_code", sa.String(length=40), nullable=True),
        sa.Column(
            "priority",
            sa.Enum("routine", "urgent", "asap", "stat", name="priority", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "on-hold",
                "revoked",
                "completed",
                "entered-in-error",
                name="referral_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("authored_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "risk_level",
            sa.Enum("low", "medium", "high", name="risk_level", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column(
            "triage", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_format", sa.String(length=40), nullable=False),
        sa.Column("updated_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_client_id"], ["api_clients.id"], name=op.f("fk_referrals_api_client_id_api_clients")
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_referrals_patient_id_patients")),
        sa.ForeignKeyConstraint(
            ["sender_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_referrals_sender_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("public_id", name=op.f("uq_referrals_public_id")),
        sa.UniqueConstraint(
            "sender_organisation_id",
            "identifier_system",
            "identifier_value",
            name=op.f("uq_referrals_sender_organisation_id_identifier_system_identifier_value"),
        ),
    )
    op.create_index(op.f("ix_referrals_api_client_id"), "referrals", ["api_client_id"], unique=False)
    op.create_index(op.f("ix_referrals_correlation_id"), "referrals", ["correlation_id"], unique=False)
    op.create_index("ix_referrals_pathway", "referrals", ["pathway_system", "pathway_code"], unique=False)
    op.create_index(op.f("ix_referrals_patient_id"), "referrals", ["patient_id"], unique=False)
    op.create_index(op.f("ix_referrals_received_at"), "referrals", ["received_at"], unique=False)
    op.create_index(op.f("ix_referrals_sender_organisation_id"), "referrals", ["sender_organisation_id"], unique=False)
    op.create_table(
        "service_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_locations_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_locations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_service_locations_public_id")),
    )
    op.create_index(op.f("ix_service_locations_service_id"), "service_locations", ["service_id"], unique=False)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_kind",
            sa.Enum(
                "api-client",
                "portal-user",
                "scheduler",
                "operator",
                name="actor_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_audit_events_patient_id_patients")),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_audit_events_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_actor", "audit_events", ["actor_kind", "actor_id", "occurred_at"], unique=False)
    op.create_index(op.f("ix_audit_events_occurred_at"), "audit_events", ["occurred_at"], unique=False)
    op.create_index(op.f("ix_audit_events_patient_id"), "audit_events", ["patient_id"], unique=False)
    op.create_index(op.f("ix_audit_events_referral_id"), "audit_events", ["referral_id"], unique=False)
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "phone",
                "sms",
                "email",
                "letter",
                "in-person",
                name="contact_method",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "reached",
                "no-answer",
                "left-message",
                "wrong-number",
                "declined",
                name="contact_outcome",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_contact_attempts_recorded_by_user_id_portal_users"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_contact_attempts_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attempts")),
    )
    op.create_index(op.f("ix_contact_attempts_referral_id"), "contact_attempts", ["referral_id"], unique=False)
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("correlation_id", sa.String(length=36), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=True),
        sa.Column("interaction", sa.String(length=40), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("received_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_client_id"], ["api_clients.id"], name=op.f("fk_inbound_messages_api_client_id_api_clients")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_inbound_messages_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("request_id", name=op.f("uq_inbound_messages_request_id")),
    )
    op.create_index(op.f("ix_inbound_messages_api_client_id"), "inbound_messages", ["api_client_id"], unique=False)
    op.create_index(op.f("ix_inbound_messages_referral_id"), "inbound_messages", ["referral_id"], unique=False)
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("capacity_pool_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "offered",
                "accepted",
                "declined",
                "expired",
                "withdrawn",
                name="offer_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("offered_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("respond_by", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason_code", sa.String(length=40), nullable=True),
        sa.Column("decline_reason_text", sa.Text(), nullable=True),
        sa.Column("place_released_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["capacity_pool_id"], ["capacity_pools.id"], name=op.f("fk_offers_capacity_pool_id_capacity_pools")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_offers_referral_id_referrals")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_offers_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("public_id", name=op.f("uq_offers_public_id")),
    )
    op.create_index(op.f("ix_offers_capacity_pool_id"), "offers", ["capacity_pool_id"], unique=False)
    op.create_index(op.f("ix_offers_referral_id"), "offers", ["referral_id"], unique=False)
    op.create_index(op.f("ix_offers_service_id"), "offers", ["service_id"], unique=False)
    op.create_index("ix_offers_status_respond_by", "offers", ["status", "respond_by"], unique=False)
    op.create_index(
        "uq_offers_open_per_referral",
        "offers",
        ["referral_id"],
        unique=True,
        sqlite_where=sa.text("status = 'offered'"),
        postgresql_where=sa.text("status = 'offered'"),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("ordering_key", sa.String(length=64), nullable=False),
        sa.Column("destination", sa.String(length=500), nullable=False),
        sa.Column("message_type", sa.String(length=60), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("correlation_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "parked",
                "resolved",
                name="outbox_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_reason", sa.Text(), nullable=True),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_outbox_messages_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("public_id", name=op.f("uq_outbox_messages_public_id")),
        sa.UniqueConstraint("request_id", name=op.f("uq_outbox_messages_request_id")),
    )
    op.create_index("ix_outbox_messages_due", "outbox_messages", ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_outbox_messages_ordering", "outbox_messages", ["ordering_key", "id"], unique=False)
    op.create_index(op.f("ix_outbox_messages_referral_id"), "outbox_messages", ["referral_id"], unique=False)
    op.create_table(
        "outcome_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column(
            "instrument",
            sa.Enum(
                "ons4",
                "swemwbs",
                "activity-minutes",
                "weight",
                "bmi",
                "blood-pressure",
                name="outcome_instrument",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "timepoint",
            sa.Enum("start", "end", "follow-up", name="outcome_timepoint", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column(
            "items", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_outcome_measures_recorded_by_user_id_portal_users"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_outcome_measures_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_measures")),
        sa.UniqueConstraint(
            "referral_id", "instrument", "timepoint", name=op.f("uq_outcome_measures_referral_id_instrument_timepoint")
        ),
    )
    op.create_index(op.f("ix_outcome_measures_referral_id"), "outcome_measures", ["referral_id"], unique=False)
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_kind",
            sa.Enum(
                "api-client",
                "portal-user",
                "scheduler",
                "operator",
                name="actor_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.String(length=100), nullable=True),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("from_business_status", sa.String(length=40), nullable=True),
        sa.Column("to_business_status", sa.String(length=40), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_referral_events_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_referral_events_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_events")),
    )
    op.create_index(op.f("ix_referral_events_referral_id"), "referral_events", ["referral_id"], unique=False)
    op.create_index(op.f("ix_referral_events_service_id"), "referral_events", ["service_id"], unique=False)
    op.create_index("ix_referral_events_type_time", "referral_events", ["event_type", "occurred_at"], unique=False)
    op.create_table(
        "referral_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "requested",
                "accepted",
                "rejected",
                "in-progress",
                "on-hold",
                "completed",
                "failed",
                "cancelled",
                "entered-in-error",
                name="task_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("business_status", sa.String(length=40), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("owner_organisation_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("authored_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_modified", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_referral_tasks_owner_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_referral_tasks_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_referral_tasks_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_tasks")),
        sa.UniqueConstraint("public_id", name=op.f("uq_referral_tasks_public_id")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_referral_tasks_referral_id")),
    )
    op.create_index("ix_referral_tasks_last_modified", "referral_tasks", ["last_modified"], unique=False)
    op.create_index(
        op.f("ix_referral_tasks_owner_organisation_id"), "referral_tasks", ["owner_organisation_id"], unique=False
    )
    op.create_index(op.f("ix_referral_tasks_service_id"), "referral_tasks", ["service_id"], unique=False)
    op.create_index(op.f("ix_referral_tasks_status"), "referral_tasks", ["status"], unique=False)
    op.create_table(
        "session_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("session_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "attended", "dna", "cancelled", name="attendance_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("is_final", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("session_number > 0", name=op.f("ck_session_attendance_session_number_positive")),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_session_attendance_recorded_by_user_id_portal_users"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_session_attendance_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_session_attendance_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_attendance")),
        sa.UniqueConstraint(
            "referral_id", "session_number", name=op.f("uq_session_attendance_referral_id_session_number")
        ),
    )
    op.create_index(op.f("ix_session_attendance_referral_id"), "session_attendance", ["referral_id"], unique=False)
    op.create_table(
        "unmet_demand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "no-eligible-service",
                "no-capacity",
                "excluded",
                "needs-review",
                name="unmet_demand_reason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("pathway_system", sa.String(length=200), nullable=True),
        sa.Column("pathway_code", sa.String(length=40), nullable=True),
        sa.Column("postcode_district", sa.String(length=4), nullable=True),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("recorded_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_unmet_demand_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmet_demand")),
    )
    op.create_index(op.f("ix_unmet_demand_referral_id"), "unmet_demand", ["referral_id"], unique=False)
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting", "promoted", "removed", name="waitlist_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("joined_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("left_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_waitlist_entries_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_waitlist_entries_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index(
        "ix_waitlist_entries_queue",
        "waitlist_entries",
        ["service_id", "status", "priority_rank", "joined_at", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_waitlist_entries_referral_id"), "waitlist_entries", ["referral_id"], unique=False)
    op.create_index(
        "uq_waitlist_entries_waiting_per_referral",
        "waitlist_entries",
        ["referral_id"],
        unique=True,
        sqlite_where=sa.text("status = 'waiting'"),
        postgresql_where=sa.text("status = 'waiting'"),
    )

    create_append_only_triggers()


def downgrade() -> None:
    drop_append_only_triggers()
    op.drop_index(
        "uq_waitlist_entries_waiting_per_referral",
        table_name="waitlist_entries",
        sqlite_where=sa.text("status = 'waiting'"),
        postgresql_where=sa.text("status = 'waiting'"),
    )
    op.drop_index(op.f("ix_waitlist_entries_referral_id"), table_name="waitlist_entries")
    op.drop_index("ix_waitlist_entries_queue", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    op.drop_index(op.f("ix_unmet_demand_referral_id"), table_name="unmet_demand")
    op.drop_table("unmet_demand")
    op.drop_index(op.f("ix_session_attendance_referral_id"), table_name="session_attendance")
    op.drop_table("session_attendance")
    op.drop_index(op.f("ix_referral_tasks_status"), table_name="referral_tasks")
    op.drop_index(op.f("ix_referral_tasks_service_id"), table_name="referral_tasks")
    op.drop_index(op.f("ix_referral_tasks_owner_organisation_id"), table_name="referral_tasks")
    op.drop_index("ix_referral_tasks_last_modified", table_name="referral_tasks")
    op.drop_table("referral_tasks")
    op.drop_index("ix_referral_events_type_time", table_name="referral_events")
    op.drop_index(op.f("ix_referral_events_service_id"), table_name="referral_events")
    op.drop_index(op.f("ix_referral_events_referral_id"), table_name="referral_events")
    op.drop_table("referral_events")
    op.drop_index(op.f("ix_outcome_measures_referral_id"), table_name="outcome_measures")
    op.drop_table("outcome_measures")
    op.drop_index(op.f("ix_outbox_messages_referral_id"), table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_ordering", table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_index(
        "uq_offers_open_per_referral",
        table_name="offers",
        sqlite_where=sa.text("status = 'offered'"),
        postgresql_where=sa.text("status = 'offered'"),
    )
    op.drop_index("ix_offers_status_respond_by", table_name="offers")
    op.drop_index(op.f("ix_offers_service_id"), table_name="offers")
    op.drop_index(op.f("ix_offers_referral_id"), table_name="offers")
    op.drop_index(op.f("ix_offers_capacity_pool_id"), table_name="offers")
    op.drop_table("offers")
    op.drop_index(op.f("ix_inbound_messages_referral_id"), table_name="inbound_messages")
    op.drop_index(op.f("ix_inbound_messages_api_client_id"), table_name="inbound_messages")
    op.drop_table("inbound_messages")
    op.drop_index(op.f("ix_contact_attempts_referral_id"), table_name="contact_attempts")
    op.drop_table("contact_attempts")
    op.drop_index(op.f("ix_audit_events_referral_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_patient_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_occurred_at"), table_name="audit_events")
    op.drop_index("ix_audit_events_actor", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_service_locations_service_id"), table_name="service_locations")
    op.drop_table("service_locations")
    op.drop_index(op.f("ix_referrals_sender_organisation_id"), table_name="referrals")
    op.drop_index(op.f("ix_referrals_received_at"), table_name="referrals")
    op.drop_index(op.f("ix_referrals_patient_id"), table_name="referrals")
    op.drop_index("ix_referrals_pathway", table_name="referrals")
    op.drop_index(op.f("ix_referrals_correlation_id"), table_name="referrals")
    op.drop_index(op.f("ix_referrals_api_client_id"), table_name="referrals")
    op.drop_table("referrals")
    op.drop_index(
        "uq_capacity_pools_rolling",
        table_name="capacity_pools",
        sqlite_where=sa.text("intake_on IS NULL"),
        postgresql_where=sa.text("intake_on IS NULL"),
    )
    op.drop_index(op.f("ix_capacity_pools_service_id"), table_name="capacity_pools")
    op.drop_table("capacity_pools")
    op.drop_table("api_client_practices")
    op.drop_index("ix_services_pathway", table_name="services")
    op.drop_index(op.f("ix_services_organisation_id"), table_name="services")
    op.drop_table("services")
    op.drop_index(op.f("ix_portal_users_organisation_id"), table_name="portal_users")
    op.drop_table("portal_users")
    op.drop_index(op.f("ix_organisation_identifiers_organisation_id"), table_name="organisation_identifiers")
    op.drop_table("organisation_identifiers")
    op.drop_index(op.f("ix_api_clients_organisation_id"), table_name="api_clients")
    op.drop_table("api_clients")
    op.drop_index(op.f("ix_accreditations_organisation_id"), table_name="accreditations")
    op.drop_table("accreditations")
    op.drop_index(op.f("ix_postcode_lsoa_lsoa_code"), table_name="postcode_lsoa")
    op.drop_table("postcode_lsoa")
    op.drop_index(
        "uq_patients_nhs_number",
        table_name="patients",
        sqlite_where=sa.text("nhs_number IS NOT NULL"),
        postgresql_where=sa.text("nhs_number IS NOT NULL"),
    )
    op.drop_index(op.f("ix_patients_postcode_district"), table_name="patients")
    op.drop_table("patients")
    op.drop_table("organisations")
    op.drop_table("lsoa_deprivation")


def create_append_only_triggers() -> None:
    """The event history is evidence: refuse UPDATE and DELETE in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION referral_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % is not allowed', TG_OP;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER referral_events_append_only BEFORE UPDATE OR DELETE ON referral_events "
            "FOR EACH ROW EXECUTE FUNCTION referral_events_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER referral_events_no_{operation.lower()} BEFORE {operation} ON referral_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: {operation} is not allowed'); END"
            )


def drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS referral_events_append_only ON referral_events")
        op.execute("DROP FUNCTION IF EXISTS referral_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS referral_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS referral_events_no_delete")
