"""The provider directory: organisations, their accreditations, services, locations and places."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_service.domain.directory import CapacityModel, OrganisationKind, ServiceCategory
from referral_service.persistence.base import Base, JSONDocument, string_enum
from referral_service.persistence.models._columns import (
    created_at_column,
    public_id_column,
    updated_at_column,
)

if TYPE_CHECKING:
    from referral_service.persistence.models.accreditation import AccreditationEvidence


class Organisation(Base):
    """A provider from the directory, a referring practice, or this service itself."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(string_enum(OrganisationKind, "organisation_kind"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    ods_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(500))
    endpoint: Mapped[str | None] = mapped_column(String(500))
    is_listed: Mapped[bool] = mapped_column(default=True)
    source_file: Mapped[str | None] = mapped_column(String(500))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)  # domain.areas
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    # Loaded only when read (the directory loader): intake looks organisations up on every referral.
    identifiers: Mapped[list[OrganisationIdentifier]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    accreditations: Mapped[list[Accreditation]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    services: Mapped[list[Service]] = relationship(back_populates="organisation", lazy="raise")

    def __repr__(self) -> str:
        return f"<Organisation {self.slug or self.public_id}>"


class OrganisationIdentifier(Base):
    __tablename__ = "organisation_identifiers"
    __table_args__ = (UniqueConstraint("system", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    system: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(100))

    organisation: Mapped[Organisation] = relationship(back_populates="identifiers")


class Accreditation(Base):
    """Who vouches for a provider, until when; past `valid_until` nobody is offered to it."""

    __tablename__ = "accreditations"
    __table_args__ = (
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 7", name="level_range"),
        # covering: triage's "accredited on the day" test reads the index alone (issue 19 part d)
        Index("ix_accreditations_organisation_validity", "organisation_id", "valid_until", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(200))
    level: Mapped[int | None]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date]

    organisation: Mapped[Organisation] = relationship(back_populates="accreditations")
    # Set when recorded in the portal against uploaded evidence; None for one loaded from YAML.
    evidence: Mapped[AccreditationEvidence | None] = relationship(
        foreign_keys="AccreditationEvidence.accreditation_id", viewonly=True, uselist=False
    )


class Service(Base):
    """An accredited service. Its eligibility rules are kept as the document loaded from the
    directory file, so triage rebuilds the same rule objects the check validated."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("offer_response_days BETWEEN 1 AND 30", name="offer_response_days_range"),
        CheckConstraint("programme_weeks > 0 AND programme_sessions > 0", name="programme_positive"),
        Index("ix_services_pathway", "pathway_system", "pathway_code"),
        # covering what triage's narrowing tests of each service on a pathway (issue 19 part d)
        Index(
            "ix_services_pathway_narrowing",
            "pathway_system",
            "pathway_code",
            "is_listed",
            "organisation_id",
            "min_age",
            "max_age",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    eligibility_notes: Mapped[str | None] = mapped_column(Text)  # who it is for, in the provider's words
    pathway_system: Mapped[str] = mapped_column(String(200))
    pathway_code: Mapped[str] = mapped_column(String(40))
    category: Mapped[ServiceCategory] = mapped_column(string_enum(ServiceCategory, "service_category"))
    programme_weeks: Mapped[int]
    programme_sessions: Mapped[int]
    catchment_districts: Mapped[list[str]] = mapped_column(JSONDocument)
    capacity_model: Mapped[CapacityModel] = mapped_column(string_enum(CapacityModel, "capacity_model"))
    waitlist_enabled: Mapped[bool]
    offer_response_days: Mapped[int]
    offer_reminder_days: Mapped[int] = mapped_column(default=1, server_default="1")  # working days before the deadline
    reminder_note: Mapped[str | None] = mapped_column(String(80))  # the provider's own words in session reminders
    eligibility: Mapped[dict[str, object]] = mapped_column(JSONDocument)
    risk_levels: Mapped[list[str]] = mapped_column(JSONDocument)
    # the inclusion rule's age limits (domain.rules.age_limits), for narrowing triage in SQL
    min_age: Mapped[float | None] = mapped_column(Float)
    max_age: Mapped[float | None] = mapped_column(Float)
    is_listed: Mapped[bool] = mapped_column(default=True)
    self_referral: Mapped[bool] = mapped_column(default=False, server_default=text("false"))  # the public form
    source_hash: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("areas.id"), index=True
    )  # its organisation's unless the file says
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    organisation: Mapped[Organisation] = relationship(back_populates="services", lazy="joined")
    locations: Mapped[list[ServiceLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan", lazy="selectin", order_by="ServiceLocation.position"
    )
    capacity_pools: Mapped[list[CapacityPool]] = relationship(back_populates="service", lazy="raise")

    def __repr__(self) -> str:
        return f"<Service {self.slug}>"


class ServiceDistrict(Base):
    """One postcode district of a service's catchment, indexed: triage finds the services covering a
    patient's district without reading the whole directory. Kept in step with `catchment_districts`
    by `providers load` (the only writer of a catchment)."""

    __tablename__ = "service_districts"
    # covering: triage reads the services of a district from the index alone (issue 19 part d)
    __table_args__ = (Index("ix_service_districts_district_service", "district", "service_id"),)

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    district: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class ServiceLocation(Base):
    __tablename__ = "service_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    town: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(10))

    service: Mapped[Service] = relationship(back_populates="locations")


class CapacityPool(Base):
    """The places a service has: one pool for a rolling service, one per intake for a cohort service.

    `reserved` counts places held by open offers and current patients. It is changed only by a
    guarded UPDATE (`reserved < places`), so concurrent reservations can never overbook; loading
    the directory never touches `reserved`. `places` is seeded from the directory file; once the
    provider sets it in the portal (`places_set_in_portal_at`), the portal owns it and loading
    keeps it.
    """

    __tablename__ = "capacity_pools"
    __table_args__ = (
        CheckConstraint("places >= 0", name="places_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        Index(
            "uq_capacity_pools_rolling",
            "service_id",
            unique=True,
            sqlite_where=text("intake_on IS NULL"),
            postgresql_where=text("intake_on IS NULL"),
        ),
        UniqueConstraint("service_id", "intake_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    intake_on: Mapped[date | None]
    places: Mapped[int]
    reserved: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    is_open: Mapped[bool] = mapped_column(default=True)
    places_set_in_portal_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = updated_at_column()

    service: Mapped[Service] = relationship(back_populates="capacity_pools")


class DirectoryStamp(Base):
    """One row whose `stamp` the database itself changes (triggers, migration 9b3f6d2a7c10) with
    every insert, update or delete of an organisation, accreditation, service or catchment district:
    triage keeps what it narrowed per process under the stamp it read, so any change to the
    directory, by any path and any process, is seen by the next triage. A random value rather than
    a counter: a change rolled back must never leave its stamp to a later, different change."""

    __tablename__ = "directory_stamp"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(40))
