"""Patients, referrals, the Task that tracks each one, and the append-only history of its life."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_service.domain.access import ActorKind
from referral_service.domain.clock import utcnow
from referral_service.domain.referral import (
    Priority,
    ReferralSource,
    ReferralStatus,
    RiskLevel,
    TaskStatus,
    UnmetDemandReason,
)
from referral_service.persistence.base import Base, JSONDocument, string_enum
from referral_service.persistence.models._columns import (
    created_at_column,
    public_id_column,
    updated_at_column,
)


class Patient(Base):
    """The person referred: the NHS number that links their referrals (duplicates, history, reports).

    The details here are those first received for the person, kept only for per-person lookups
    (the LSOA and IMD decile `lookups load` fills in); a later referral never overwrites them. What
    anyone working a referral sees is that referral's own copy, `ReferralPatientDetails`. Never
    printed in logs.
    """

    __tablename__ = "patients"
    __table_args__ = (
        Index(
            "uq_patients_nhs_number",
            "nhs_number",
            unique=True,
            sqlite_where=text("nhs_number IS NOT NULL"),
            postgresql_where=text("nhs_number IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    nhs_number_verification: Mapped[str | None] = mapped_column(String(60))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(String(10))
    postcode: Mapped[str | None] = mapped_column(String(10))
    postcode_district: Mapped[str | None] = mapped_column(String(4), index=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(9))
    imd_decile: Mapped[int | None]
    ethnicity_code: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    def __repr__(self) -> str:
        return f"<Patient {self.public_id}>"


class Referral(Base):
    """A referral as received: who sent it, their identifiers, the headers and the FHIR bytes as sent.

    The payload is kept exactly as received so it is never parsed or serialised twice and can be
    shown to auditors as the sender wrote it; `evidence` holds what intake read from it (conditions,
    measurements, with their dates) so triage never parses it again.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("sender_organisation_id", "identifier_system", "identifier_value"),
        UniqueConstraint("sender_organisation_id", "source_bundle_id"),
        Index("ix_referrals_pathway", "pathway_system", "pathway_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    sender_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"), index=True)
    identifier_system: Mapped[str | None] = mapped_column(String(200))
    identifier_value: Mapped[str | None] = mapped_column(String(100))
    source_bundle_id: Mapped[str | None] = mapped_column(String(100))
    source_endpoint: Mapped[str | None] = mapped_column(String(300))
    request_id: Mapped[str] = mapped_column(String(36))
    correlation_id: Mapped[str] = mapped_column(String(36), index=True)
    use_case: Mapped[str | None] = mapped_column(String(40))
    pathway_system: Mapped[str | None] = mapped_column(String(200))
    pathway_code: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[Priority] = mapped_column(string_enum(Priority, "priority"), default=Priority.ROUTINE)
    status: Mapped[ReferralStatus] = mapped_column(string_enum(ReferralStatus, "referral_status"))
    authored_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    risk_level: Mapped[RiskLevel | None] = mapped_column(string_enum(RiskLevel, "risk_level"))
    evidence: Mapped[dict[str, object]] = mapped_column(JSONDocument, default=dict, server_default=text("'{}'"))
    triage: Mapped[dict[str, object] | None] = mapped_column(JSONDocument)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    payload_format: Mapped[str] = mapped_column(String(40))
    source: Mapped[ReferralSource] = mapped_column(
        string_enum(ReferralSource, "referral_source"), default=ReferralSource.GP, server_default="gp"
    )
    updated_at: Mapped[datetime] = updated_at_column()

    patient: Mapped[Patient] = relationship(lazy="joined")
    patient_details: Mapped[ReferralPatientDetails] = relationship(
        back_populates="referral", lazy="joined", uselist=False, cascade="all, delete-orphan"
    )
    task: Mapped[ReferralTask] = relationship(back_populates="referral", lazy="joined", uselist=False)

    def __repr__(self) -> str:
        return f"<Referral {self.public_id}>"


class ReferralPatientDetails(Base):
    """The patient's details exactly as this referral's sender sent them; one row per referral.

    A provider, a link worker and the referrer's own messages read these, never the person's row,
    so a second practice referring the same NHS number changes nothing another referral shows.
    """

    __tablename__ = "referral_patient_details"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    nhs_number_verification: Mapped[str | None] = mapped_column(String(60))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(String(10))
    postcode: Mapped[str | None] = mapped_column(String(10))
    postcode_district: Mapped[str | None] = mapped_column(String(4))
    ethnicity_code: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))

    referral: Mapped[Referral] = relationship(back_populates="patient_details")

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part) or "(no name given)"


class ReferralTask(Base):
    """The FHIR Task that tracks the referral's fulfilment: one per referral, owner = current provider.

    `version` is bumped on every change; it is the Task's meta.versionId and ETag. `provider_output`
    is the Task.output the provider's own system last sent, kept as sent (FHIR TaskOutput JSON).
    """

    __tablename__ = "referral_tasks"
    __table_args__ = (Index("ix_referral_tasks_last_modified", "last_modified"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), unique=True)
    status: Mapped[TaskStatus] = mapped_column(string_enum(TaskStatus, "task_status"), index=True)
    business_status: Mapped[str | None] = mapped_column(String(40))
    status_reason: Mapped[str | None] = mapped_column(Text)
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    authored_at: Mapped[datetime]
    last_modified: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
    provider_output: Mapped[list[dict[str, object]] | None] = mapped_column(JSONDocument)

    referral: Mapped[Referral] = relationship(back_populates="task")

    __mapper_args__ = {"version_id_col": version}


class ReferralEvent(Base):
    """One step in a referral's life: who, when, from which state to which, and why.

    Append-only: the database refuses UPDATE and DELETE on this table (triggers in the baseline
    migration), so the history commissioners' reports are built from cannot be rewritten.
    """

    __tablename__ = "referral_events"
    __table_args__ = (Index("ix_referral_events_type_time", "event_type", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[ActorKind] = mapped_column(string_enum(ActorKind, "actor_kind"))
    actor_id: Mapped[str | None] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    from_business_status: Mapped[str | None] = mapped_column(String(40))
    to_business_status: Mapped[str | None] = mapped_column(String(40))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, object] | None] = mapped_column(JSONDocument)

    # set instead of referral_id for a referral not yet flushed: both go in one flush, in order
    referral: Mapped[Referral] = relationship()


class InboundMessage(Base):
    """Every accepted request by its X-Request-Id: the unique key makes replays a 409, atomically."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), unique=True)
    correlation_id: Mapped[str] = mapped_column(String(36))
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"), index=True)
    interaction: Mapped[str] = mapped_column(String(40))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnmetDemand(Base):
    """A referral that found no eligible service, or none with room: the gap-in-provision record."""

    __tablename__ = "unmet_demand"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    reason: Mapped[UnmetDemandReason] = mapped_column(string_enum(UnmetDemandReason, "unmet_demand_reason"))
    pathway_system: Mapped[str | None] = mapped_column(String(200))
    pathway_code: Mapped[str | None] = mapped_column(String(40))
    postcode_district: Mapped[str | None] = mapped_column(String(4))
    detail: Mapped[dict[str, object] | None] = mapped_column(JSONDocument)
    recorded_at: Mapped[datetime] = created_at_column()
