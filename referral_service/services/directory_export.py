"""The directory as it stands in the database, back into provider files that `providers load` reads.

The definitions are rebuilt from the stored rows (the same values `providers load` compares), so an
export loaded again changes nothing, and a deployment can keep the directory it edits in git.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from referral_service.domain.areas import AreaDefinition
from referral_service.domain.directory import (
    Accreditation,
    CapacityModel,
    CapacityPlan,
    Contact,
    Identifier,
    Location,
    Pathway,
    Programme,
    ProviderDefinition,
    ServiceDefinition,
)
from referral_service.persistence.models import Area, CapacityPool, Organisation, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.rules import eligibility_document, load_eligibility
from referral_service.services.errors import Conflict

HEADER = "# Exported from the referral service's directory; `providers load` reads it back unchanged.\n"


def capacity_plan(service: Service, pools: Sequence[CapacityPool]) -> CapacityPlan:
    """The plan the pools stand for: a rolling pool's places, or a cohort's open intakes with the
    places most of them have (a file gives one number for every intake)."""
    open_pools = [pool for pool in pools if pool.is_open]
    if service.capacity_model is CapacityModel.ROLLING:
        rolling = next((pool for pool in open_pools if pool.intake_on is None), None)
        return CapacityPlan(CapacityModel.ROLLING, rolling.places if rolling else 0, service.waitlist_enabled)
    intakes = tuple(sorted(pool.intake_on for pool in open_pools if pool.intake_on is not None))
    counts = Counter(pool.places for pool in open_pools if pool.intake_on is not None)
    places = counts.most_common(1)[0][0] if counts else 0
    return CapacityPlan(CapacityModel.COHORT, places, service.waitlist_enabled, intakes)


def service_definition(
    service: Service, pools: Sequence[CapacityPool], areas: Mapping[int, AreaDefinition] | None = None
) -> ServiceDefinition:
    """The service as the directory file would define it, from what is stored: its `area:` only where
    it differs from its organisation's (else it takes the organisation's, as a load does)."""
    own_area = service.area_id if service.area_id != service.organisation.area_id else None
    return ServiceDefinition(
        slug=service.slug,
        name=service.name,
        description=service.description,
        eligibility_notes=service.eligibility_notes,
        pathway=Pathway(service.pathway_system, service.pathway_code),
        category=service.category,
        programme=Programme(service.programme_weeks, service.programme_sessions),
        locations=tuple(
            Location(name=row.name, postcode=row.postcode, address=row.address, town=row.town)
            for row in service.locations
        ),
        catchment_districts=frozenset(service.catchment_districts),
        capacity=capacity_plan(service, pools),
        offer_response_days=service.offer_response_days,
        eligibility=load_eligibility(service.eligibility),
        area=(areas or {}).get(own_area) if own_area is not None else None,
        self_referral=service.self_referral,
    )


def area_definitions(uow: UnitOfWork) -> dict[int, AreaDefinition]:
    """Every area with the practices in it, as the areas file defines them (by the area's row id)."""
    return {area.id: _area_definition(uow, area) for area in uow.areas.all()}


def _area_definition(uow: UnitOfWork, area: Area) -> AreaDefinition:
    return AreaDefinition(area.slug, area.name, tuple(uow.areas.practice_codes(area.id)))


def provider_definition(
    uow: UnitOfWork, organisation: Organisation, areas: Mapping[int, AreaDefinition] | None = None
) -> ProviderDefinition:
    """The organisation and its listed services, as one provider file defines them. Accreditations
    recorded in the portal against evidence are the database's own (a load keeps them), not the file's."""
    areas = areas if areas is not None else area_definitions(uow)
    services = [service for service in uow.directory.services_of(organisation) if service.is_listed]
    return ProviderDefinition(
        slug=organisation.slug or organisation.public_id,
        name=organisation.name,
        description=organisation.description,
        identifiers=tuple(
            Identifier(row.system, row.value)
            for row in sorted(organisation.identifiers, key=lambda row: (row.system, row.value))
        ),
        contact=Contact(
            email=organisation.contact_email or "",
            phone=organisation.contact_phone,
            website=organisation.website,
        ),
        accreditations=tuple(
            Accreditation(scheme=row.scheme, valid_until=row.valid_until, level=row.level, valid_from=row.valid_from)
            for row in sorted(organisation.accreditations, key=lambda row: row.id)
            if row.evidence is None
        ),
        services=tuple(
            service_definition(service, uow.directory.capacity_pools(service), areas) for service in services
        ),
        endpoint=organisation.endpoint,
        area=areas.get(organisation.area_id) if organisation.area_id is not None else None,
    )


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def service_file_document(service: ServiceDefinition) -> dict[str, Any]:
    """One service in the file's own keys (code sets expanded: `code_set_files` takes them out again)."""
    capacity: dict[str, Any] = {
        "model": service.capacity.model.value,
        "places": service.capacity.places,
        "waitlist": service.capacity.waitlist,
    }
    if service.capacity.intakes:
        capacity["intakes"] = list(service.capacity.intakes)
    return _present(
        {
            "id": service.slug,
            "name": service.name,
            "description": service.description,
            "eligibility_notes": service.eligibility_notes,
            "pathway": service.pathway.token,
            "category": service.category.value,
            "programme": {"weeks": service.programme.weeks, "sessions": service.programme.sessions},
            "locations": [
                _present({"name": loc.name, "address": loc.address, "town": loc.town, "postcode": loc.postcode})
                for loc in service.locations
            ],
            "catchment": {"postcode_districts": sorted(service.catchment_districts)},
            "capacity": capacity,
            "offer_response_days": service.offer_response_days,
            "eligibility": eligibility_document(service.eligibility),
            "area": service.area.slug if service.area else None,
            "self_referral": True if service.self_referral else None,  # written only where it is true
        }
    )


def provider_file_document(provider: ProviderDefinition) -> dict[str, Any]:
    """A provider file's whole document: what `ProviderFileSchema` reads."""
    organisation = _present(
        {
            "id": provider.slug,
            "name": provider.name,
            "description": provider.description,
            "identifiers": [{"system": i.system, "value": i.value} for i in provider.identifiers],
            "contact": _present(
                {"email": provider.contact.email, "phone": provider.contact.phone, "website": provider.contact.website}
            ),
            "accreditation": [
                _present(
                    {"scheme": a.scheme, "level": a.level, "valid_from": a.valid_from, "valid_until": a.valid_until}
                )
                for a in provider.accreditations
            ],
        }
    )
    organisation["endpoint"] = provider.endpoint
    if provider.area is not None:
        organisation["area"] = provider.area.slug
    return {"organisation": organisation, "services": [service_file_document(s) for s in provider.services]}


def _conditions(node: Any) -> Iterator[dict[str, Any]]:
    """Every `condition` rule body in an eligibility document, wherever it is nested."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "condition" and isinstance(value, dict):
                yield value
            else:
                yield from _conditions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _conditions(item)


def code_set_files(documents: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Take the code sets back out of the rules: each file holds the codes every rule naming it has,
    and a rule keeps inline only the codes it adds (loading joins the two again)."""
    bodies = [body for document in documents for body in _conditions(document) if body.get("code_set")]
    files: dict[str, set[str]] = {}
    for body in bodies:
        codes = set(body.get("any_of") or ())
        name = str(body["code_set"])
        files[name] = files[name] & codes if name in files else codes
    for name, codes in files.items():
        path = PurePosixPath(name)
        if not codes or path.is_absolute() or ".." in path.parts:
            raise Conflict(f"the code set {name!r} cannot be written back as a file")
    for body in bodies:
        inline = sorted(set(body.get("any_of") or ()) - files[str(body["code_set"])], key=int)
        if inline:
            body["any_of"] = inline
        else:
            body.pop("any_of", None)
    return {name: sorted(codes, key=int) for name, codes in files.items()}


@dataclass(frozen=True)
class Export:
    """The files of an export: provider documents by file name, code set codes by relative path."""

    providers: dict[str, dict[str, Any]]
    code_sets: dict[str, list[str]]
    areas: dict[str, Any] | None = None  # the areas file's document, when the deployment has areas


def export_directory(uow: UnitOfWork) -> Export:
    """Every listed provider with a listed service, one document each, and the code sets they name."""
    documents: dict[str, dict[str, Any]] = {}
    areas = area_definitions(uow)
    for organisation in uow.directory.providers(listed_only=True):
        provider = provider_definition(uow, organisation, areas)
        if provider.services:
            documents[f"{provider.slug}.yaml"] = provider_file_document(provider)
    areas_document = (
        {"areas": [{"id": a.slug, "name": a.name, "practices": list(a.practices)} for a in areas.values()]}
        if areas
        else None
    )
    return Export(documents, code_set_files(list(documents.values())), areas_document)


def yaml_ready(value: Any) -> Any:
    """Dates stay dates (YAML writes them as YYYY-MM-DD); everything else is already plain."""
    if isinstance(value, dict):
        return {key: yaml_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [yaml_ready(item) for item in value]
    return value.isoformat() if isinstance(value, date) else value
