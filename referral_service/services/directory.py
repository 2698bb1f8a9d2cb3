"""Loading the accredited provider directory into the database, safely and repeatably."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from referral_service.domain.access import Actor
from referral_service.domain.areas import AreaDefinition
from referral_service.domain.clock import utcnow
from referral_service.domain.directory import (
    CapacityModel,
    OrganisationKind,
    ProviderDefinition,
    ServiceDefinition,
)
from referral_service.domain.rules import age_limits
from referral_service.persistence.models import (
    Accreditation,
    Area,
    CapacityPool,
    Organisation,
    OrganisationIdentifier,
    Service,
    ServiceLocation,
)
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.rules import eligibility_document
from referral_service.services.accounts import ensure_referrer
from referral_service.services.directory_export import service_definition as stored_definition
from referral_service.services.directory_versions import record_version
from referral_service.services.errors import Conflict

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"


@dataclass
class LoadSummary:
    """What a load changed, for the operator's terminal and the tests."""

    organisations_created: int = 0
    organisations_updated: int = 0
    services_created: int = 0
    services_updated: int = 0
    services_unchanged: int = 0
    services_delisted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # what the portal owns and the files did not undo
    warnings: list[str] = field(default_factory=list)
    changed: dict[int, list[str]] = field(default_factory=dict)  # what changed, by organisation, in words

    def note(self, organisation_id: int, change: str) -> None:
        self.changed.setdefault(organisation_id, []).append(change)

    def lines(self) -> list[str]:
        lines = [
            f"organisations: {self.organisations_created} created, {self.organisations_updated} updated",
            f"services: {self.services_created} created, {self.services_updated} updated, "
            f"{self.services_unchanged} unchanged, {len(self.services_delisted)} delisted",
        ]
        lines += [f"delisted: {slug}" for slug in self.services_delisted]
        lines += self.kept
        lines += [f"warning: {warning}" for warning in self.warnings]
        return lines


def load_directory(
    uow: UnitOfWork,
    providers: Sequence[ProviderDefinition],
    *,
    complete: bool,
    areas: Sequence[AreaDefinition] = (),
    actor: Actor | None = None,
    now: datetime | None = None,
) -> LoadSummary:
    """Create or update every provider and service; with `complete`, delist what the files no longer hold.

    Idempotent: loading the same files twice changes nothing. Nothing is ever deleted, and places
    already reserved are never dropped: lowering `places` below what is reserved only stops new
    offers until enough places free up. A pool's places set in the portal are the provider's and
    are kept (the file's `places` seeds new pools only). A service cannot move to another provider
    (its referrals and portal users belong to the first), so that is refused as a conflict.

    `areas` (the directory's areas file) puts its practices in their areas; the providers' and
    services' `area:` name areas too, created or renamed here.
    Each organisation it changes gets a version (the history of its listing).
    """
    summary = LoadSummary()
    seen_services: set[str] = set()
    area_ids = _load_areas(uow, areas)
    for provider in providers:
        organisation = _upsert_organisation(uow, provider, summary, _area_id(uow, provider.area, area_ids))
        for service_definition in provider.services:
            seen_services.add(service_definition.slug)
            area_id = (
                _area_id(uow, service_definition.area, area_ids) if service_definition.area else organisation.area_id
            )
            _upsert_service(uow, organisation, service_definition, summary, area_id)
        if not complete:
            continue
        for service in uow.directory.services_of(organisation):
            if service.is_listed and service.slug not in seen_services:
                _delist(service, summary)
    if complete:
        loaded = {provider.slug for provider in providers}
        for organisation in uow.directory.providers(listed_only=True):
            if organisation.slug not in loaded:
                organisation.is_listed = False
                summary.note(organisation.id, "Taken out of the directory")
                for service in uow.directory.services_of(organisation):
                    if service.is_listed:
                        _delist(service, summary)
    uow.directory.flush()
    loader = actor or Actor.operator("providers-load")
    for organisation_id, changes in summary.changed.items():
        changed = uow.directory.organisation_by_id(organisation_id)
        assert changed is not None
        record_version(uow, changed, loader, changes, now=now or utcnow())
    return summary


def _load_areas(uow: UnitOfWork, areas: Sequence[AreaDefinition]) -> dict[str, int]:
    """Create or rename the areas the file defines and place their practices (each created on first sight)."""
    area_ids: dict[str, int] = {}
    for definition in areas:
        area_id = _area_id(uow, definition, area_ids)
        assert area_id is not None
        for code in definition.practices:
            ensure_referrer(uow, code)
        uow.directory.flush()
        uow.areas.place_practices(area_id, definition.practices)
    return area_ids


def _area_id(uow: UnitOfWork, definition: AreaDefinition | None, known: dict[str, int]) -> int | None:
    if definition is None:
        return None
    if definition.slug not in known:
        area = uow.areas.by_slug(definition.slug)
        if area is None:
            area = Area(slug=definition.slug, name=definition.name)
            uow.areas.add(area)
        area.name = definition.name
        known[definition.slug] = area.id
    return known[definition.slug]


def _delist(service: Service, summary: LoadSummary) -> None:
    service.is_listed = False
    summary.services_delisted.append(service.slug)
    summary.note(service.organisation_id, f"{service.name}: taken out of the directory")


def _upsert_organisation(
    uow: UnitOfWork, provider: ProviderDefinition, summary: LoadSummary, area_id: int | None
) -> Organisation:
    organisation = uow.directory.organisation_by_slug(provider.slug)
    ods_code = next((i.value.upper() for i in provider.identifiers if i.system == ODS_SYSTEM), None)
    created = organisation is None
    if organisation is None:
        organisation = Organisation(kind=OrganisationKind.PROVIDER, slug=provider.slug, name=provider.name)
        uow.directory.add(organisation)
        summary.organisations_created += 1
    elif organisation.kind != OrganisationKind.PROVIDER:
        raise Conflict(f"organisation {provider.slug!r} exists and is not a provider")
    values = {
        "name": provider.name,
        "description": provider.description,
        "ods_code": ods_code,
        "contact_email": provider.contact.email,
        "contact_phone": provider.contact.phone,
        "website": provider.contact.website,
        "endpoint": provider.endpoint,
        "is_listed": True,
        "area_id": area_id,
    }
    changed = _assign(organisation, values)
    changed |= _sync_identifiers(organisation, provider)
    changed |= _sync_accreditations(organisation, provider)
    if changed and not created:
        summary.organisations_updated += 1
        summary.note(organisation.id, "Organisation details loaded from the directory files")
    if created:
        summary.note(organisation.id, "Added to the directory from the directory files")
    return organisation


def _assign(row: object, values: Mapping[str, object]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _sync_identifiers(organisation: Organisation, provider: ProviderDefinition) -> bool:
    wanted = {(i.system, i.value) for i in provider.identifiers}
    have = {(row.system, row.value): row for row in organisation.identifiers}
    for key, row in have.items():
        if key not in wanted:
            organisation.identifiers.remove(row)
    for system, value in sorted(wanted - have.keys()):
        organisation.identifiers.append(OrganisationIdentifier(system=system, value=value))
    return wanted != have.keys()


def _sync_accreditations(organisation: Organisation, provider: ProviderDefinition) -> bool:
    def key(scheme: str, level: int | None, valid_from: date | None, valid_until: date) -> tuple[object, ...]:
        return (scheme, level, valid_from, valid_until)

    wanted = {key(a.scheme, a.level, a.valid_from, a.valid_until) for a in provider.accreditations}
    # only the file's own rows: one recorded in the portal against evidence is not the file's to remove
    have = {
        key(r.scheme, r.level, r.valid_from, r.valid_until): r
        for r in organisation.accreditations
        if r.evidence is None
    }
    for existing_key, row in have.items():
        if existing_key not in wanted:
            organisation.accreditations.remove(row)
    for accreditation in provider.accreditations:
        if key(accreditation.scheme, accreditation.level, accreditation.valid_from, accreditation.valid_until) in have:
            continue
        organisation.accreditations.append(
            Accreditation(
                scheme=accreditation.scheme,
                level=accreditation.level,
                valid_from=accreditation.valid_from,
                valid_until=accreditation.valid_until,
            )
        )
    return wanted != have.keys()


def service_document(definition: ServiceDefinition) -> dict[str, object]:
    """Everything the file says about a service, normalised; its hash tells whether a reload changes it."""
    document: dict[str, object] = {
        "name": definition.name,
        "description": definition.description,
        "pathway": definition.pathway.token,
        "category": definition.category.value,
        "programme": [definition.programme.weeks, definition.programme.sessions],
        "locations": [[loc.name, loc.address, loc.town, loc.postcode] for loc in definition.locations],
        "catchment": sorted(definition.catchment_districts),
        "capacity": {
            "model": definition.capacity.model.value,
            "places": definition.capacity.places,
            "waitlist": definition.capacity.waitlist,
            "intakes": [day.isoformat() for day in definition.capacity.intakes],
        },
        "offer_response_days": definition.offer_response_days,
        "eligibility": eligibility_document(definition.eligibility),
        **({"self_referral": True} if definition.self_referral else {}),  # absent when off: hashes stay
    }
    if definition.eligibility_notes:
        document["eligibility_notes"] = definition.eligibility_notes
    return document


def refresh_source_hash(uow: UnitOfWork, service: Service) -> None:
    """After a change made here rather than by a file: the hash of what the service now is, so triage
    rebuilds its rules and loading an export of it finds nothing to change."""
    uow.directory.flush()
    definition = stored_definition(service, uow.directory.capacity_pools(service))
    service.source_hash = _hash(service_document(definition))


def _stored_document(uow: UnitOfWork, service: Service) -> dict[str, object]:
    return service_document(stored_definition(service, uow.directory.capacity_pools(service)))


def _hash(document: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _upsert_service(
    uow: UnitOfWork,
    organisation: Organisation,
    definition: ServiceDefinition,
    summary: LoadSummary,
    area_id: int | None,
) -> None:
    document = service_document(definition)
    source_hash = _hash(document)
    service = uow.directory.service_by_slug(definition.slug)
    if service is not None and service.organisation_id != organisation.id:
        raise Conflict(
            f"service {definition.slug!r} belongs to another provider; a service cannot move between "
            "providers (its referrals stay with the first): give it a new id",
            where=definition.slug,
        )
    unchanged = service is not None and service.is_listed and service.source_hash == source_hash
    if service is not None and (unchanged or (service.is_listed and _stored_document(uow, service) == document)):
        service.source_hash = source_hash  # the same listing, or what is stored written back (an export)
        service.area_id = area_id  # the area is not in the file's hash: moving areas is no change of listing
        summary.services_unchanged += 1
        return
    values = service_values(definition, document) | {"source_hash": source_hash, "area_id": area_id}
    if service is None:
        service = Service(slug=definition.slug, organisation_id=organisation.id, **values)
        uow.directory.add(service)
        summary.services_created += 1
        summary.note(organisation.id, f"{definition.name}: added from the directory files")
    else:
        _assign(service, values)
        summary.services_updated += 1
        summary.note(organisation.id, f"{definition.name}: loaded from the directory files")
    uow.directory.set_districts(service.id, definition.catchment_districts)
    _sync_locations(service, definition)
    _sync_capacity(uow, service, definition, summary)


def service_values(definition: ServiceDefinition, document: dict[str, object]) -> dict[str, object]:
    """The columns a load stores for a service from its definition (a bulk load stores the same)."""
    ages = age_limits(definition.eligibility)
    return {
        "name": definition.name,
        "description": definition.description,
        "eligibility_notes": definition.eligibility_notes,
        "pathway_system": definition.pathway.system,
        "pathway_code": definition.pathway.code,
        "category": definition.category,
        "programme_weeks": definition.programme.weeks,
        "programme_sessions": definition.programme.sessions,
        "catchment_districts": sorted(definition.catchment_districts),
        "capacity_model": definition.capacity.model,
        "waitlist_enabled": definition.capacity.waitlist,
        "offer_response_days": definition.offer_response_days,
        "eligibility": document["eligibility"],
        "risk_levels": sorted(level.value for level in definition.eligibility.risk_levels),
        "min_age": ages.min,
        "max_age": ages.max,
        "self_referral": definition.self_referral,
        "is_listed": True,
    }


def _sync_locations(service: Service, definition: ServiceDefinition) -> None:
    rows = list(service.locations)
    for position, location in enumerate(definition.locations):
        values = {
            "position": position,
            "name": location.name,
            "address": location.address,
            "town": location.town,
            "postcode": location.postcode,
        }
        if position < len(rows):
            _assign(rows[position], values)
        else:
            service.locations.append(ServiceLocation(**values))
    for extra in rows[len(definition.locations) :]:
        service.locations.remove(extra)


def _sync_capacity(uow: UnitOfWork, service: Service, definition: ServiceDefinition, summary: LoadSummary) -> None:
    """Set places per pool, except where the provider set them in the portal; close pools the file
    no longer lists, keeping their reservations."""
    plan = definition.capacity
    wanted: set[date | None] = {None} if plan.model is CapacityModel.ROLLING else set(plan.intakes)
    pools = {pool.intake_on: pool for pool in uow.directory.capacity_pools(service)}
    for intake_on in sorted(wanted, key=lambda day: day or date.min):
        pool = pools.get(intake_on)
        if pool is None:
            uow.directory.add(CapacityPool(service_id=service.id, intake_on=intake_on, places=plan.places))
            continue
        when = f" (intake {intake_on.isoformat()})" if intake_on else ""
        pool.is_open = True
        if pool.places_set_in_portal_at is None:
            pool.places = plan.places
        elif pool.places != plan.places:
            summary.kept.append(
                f"kept {pool.places} places set in the portal for {service.slug}{when} (the file says {plan.places})"
            )
        if pool.reserved > pool.places:
            summary.warnings.append(
                f"{service.slug}{when} now has {pool.places} places but {pool.reserved} are taken; "
                "no new offers until enough free up"
            )
    for intake_on, pool in pools.items():
        if intake_on not in wanted and pool.is_open:
            pool.is_open = False
            if pool.reserved:
                when = intake_on.isoformat() if intake_on else "rolling"
                summary.warnings.append(
                    f"{service.slug} pool {when} is closed to new offers; its {pool.reserved} taken places stay"
                )
