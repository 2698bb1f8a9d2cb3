"""The accredited directory as the outside world may see it: services, providers, places, capacity.

Read-only and free of patient data. Adapters (FHIR HealthcareService, Open Referral UK) render
these views; what is true today (accreditation, capacity) is computed from the same rows that
triage and reservations use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from referral_service.domain.directory import Accreditation
from referral_service.domain.rules import age_range, eligibility_text
from referral_service.persistence.models import Organisation, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.candidates import remember_rules
from referral_service.services.errors import NotFound


class CapacityStatus(StrEnum):
    """Gravity SDOH HealthcareService capacity status."""

    CAPACITY = "capacity"
    NO_CAPACITY = "no-capacity"
    WAITLIST = "waitlist"


@dataclass(frozen=True)
class PublishedOrganisation:
    id: str
    slug: str | None
    name: str
    description: str | None
    ods_code: str | None
    identifiers: tuple[tuple[str, str], ...]
    email: str | None
    phone: str | None
    website: str | None
    accredited: bool
    accreditations: tuple[Accreditation, ...]
    updated_at: datetime


@dataclass(frozen=True)
class PublishedLocation:
    id: str
    name: str
    address: str | None
    town: str | None
    postcode: str
    organisation_id: str


@dataclass(frozen=True)
class PublishedClass:
    """A weekly group class on the provider's timetable (what the public may see of it)."""

    id: str
    name: str
    weekday: int  # Monday is 0
    starts_at: time
    duration_minutes: int
    place: str


@dataclass(frozen=True)
class PublishedService:
    id: str
    slug: str
    name: str
    description: str | None
    category: str
    pathway_system: str
    pathway_code: str
    programme_weeks: int
    programme_sessions: int
    districts: tuple[str, ...]
    minimum_age: int | None
    maximum_age: int | None
    eligibility_text: str
    risk_levels: tuple[str, ...]
    capacity: CapacityStatus
    capacity_notes: str
    intakes: tuple[date, ...]
    active: bool  # listed, and its provider accredited today
    organisation: PublishedOrganisation
    locations: tuple[PublishedLocation, ...]
    updated_at: datetime
    eligibility_notes: str | None = None  # the provider's own words on who it is for
    classes: tuple[PublishedClass, ...] = ()


def _organisation(organisation: Organisation, today: date) -> PublishedOrganisation:
    accreditations = tuple(
        Accreditation(a.scheme, a.valid_until, a.level, a.valid_from) for a in organisation.accreditations
    )
    return PublishedOrganisation(
        id=organisation.public_id,
        slug=organisation.slug,
        name=organisation.name,
        description=organisation.description,
        ods_code=organisation.ods_code,
        identifiers=tuple((i.system, i.value) for i in organisation.identifiers),
        email=organisation.contact_email,
        phone=organisation.contact_phone,
        website=organisation.website,
        accredited=organisation.is_listed and any(a.is_valid_on(today) for a in accreditations),
        accreditations=accreditations,
        updated_at=organisation.updated_at,
    )


def publish(uow: UnitOfWork, service: Service, today: date) -> PublishedService:
    """A service row as the world may see it on `today`: live capacity, accreditation, plain-words rules."""
    rules = remember_rules(service.id, service.source_hash, service.eligibility)
    low, high = age_range(rules)
    organisation = _organisation(service.organisation, today)
    pools = uow.capacity.usable_pools(service.id, today)
    free = max((p.places - p.reserved for p in pools), default=0)
    waiting = uow.capacity.waiting_counts([service.id]).get(service.id, 0)
    if free > 0:
        status, notes = CapacityStatus.CAPACITY, f"{free} place{'s' if free != 1 else ''} free now"
    elif service.waitlist_enabled:
        status, notes = CapacityStatus.WAITLIST, f"full; {waiting} on the waiting list"
    else:
        status, notes = CapacityStatus.NO_CAPACITY, "full; no waiting list"
    updated = max([service.updated_at, organisation.updated_at, *(p.updated_at for p in pools)])
    return PublishedService(
        id=service.public_id,
        slug=service.slug,
        name=service.name,
        description=service.description,
        category=service.category.value,
        pathway_system=service.pathway_system,
        pathway_code=service.pathway_code,
        programme_weeks=service.programme_weeks,
        programme_sessions=service.programme_sessions,
        districts=tuple(service.catchment_districts),
        minimum_age=low,
        maximum_age=high,
        eligibility_text=eligibility_text(rules),
        risk_levels=tuple(service.risk_levels),
        capacity=status,
        capacity_notes=notes,
        intakes=tuple(p.intake_on for p in pools if p.intake_on is not None),
        active=service.is_listed and organisation.accredited,
        organisation=organisation,
        locations=tuple(
            PublishedLocation(loc.public_id, loc.name, loc.address, loc.town, loc.postcode, organisation.id)
            for loc in service.locations
        ),
        updated_at=updated,
        eligibility_notes=service.eligibility_notes,
        classes=tuple(
            PublishedClass(str(c.id), c.name, c.weekday, c.starts_at, c.duration_minutes, c.place)
            for c in uow.schedule.classes(service.id)
        ),
    )


def published_services(uow: UnitOfWork, *, today: date, listed_only: bool = True) -> list[PublishedService]:
    return [publish(uow, service, today) for service in uow.directory.services(listed_only=listed_only)]


def published_service(uow: UnitOfWork, public_id: str, *, today: date) -> PublishedService:
    service = uow.directory.service_by_public_id(public_id)
    if service is None:
        raise NotFound(f"no HealthcareService {public_id}")
    return publish(uow, service, today)


def published_organisation(uow: UnitOfWork, public_id: str, *, today: date) -> PublishedOrganisation:
    organisation = uow.directory.organisation_by_public_id(public_id)
    if organisation is None or organisation.kind.value != "provider":
        raise NotFound(f"no Organization {public_id}")
    return _organisation(organisation, today)


def published_location(uow: UnitOfWork, public_id: str) -> PublishedLocation:
    location = uow.directory.location_by_public_id(public_id)
    if location is None:
        raise NotFound(f"no Location {public_id}")
    return PublishedLocation(
        location.public_id,
        location.name,
        location.address,
        location.town,
        location.postcode,
        location.service.organisation.public_id,
    )
