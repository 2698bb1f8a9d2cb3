"""The accredited directory over FHIR: HealthcareService (with live capacity), Organization, Location."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from referral_service.domain.clock import utcnow
from referral_service.fhir import bp, render, search
from referral_service.fhir.capabilities import supports
from referral_service.fhir.http import fhir_response, instant
from referral_service.fhir.outcomes import FhirError
from referral_service.fhir.profiles import CANONICAL_BASE
from referral_service.services.directory_search import Compare, DirectorySearch, search_directory
from referral_service.services.publication import (
    PublishedLocation,
    PublishedOrganisation,
    PublishedService,
    published_location,
    published_organisation,
    published_service,
)
from referral_service.web.context import unit_of_work

CATEGORY_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/service-categories"
CAPACITY_EXTENSION = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ExtensionHealthcareServiceCapacityStatus"
)
GRAVITY_CODES = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
CAPACITY_DISPLAY = {"capacity": "Has Capacity", "no-capacity": "No Capacity", "waitlist": "No Capacity - Has Waitlist"}


def _age_text(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return "any age"
    if high is None:
        return f"aged {low}+"
    return f"aged {low or 0} to {high}"


def healthcare_service(service: PublishedService) -> dict[str, Any]:
    """Says only what is true today: active false once accreditation lapses; capacity from the pools."""
    age_text = _age_text(service.minimum_age, service.maximum_age)
    return {
        "resourceType": "HealthcareService",
        "id": service.id,
        "meta": {"lastUpdated": instant(service.updated_at)},
        "extension": [
            {
                "url": CAPACITY_EXTENSION,
                "extension": [
                    {
                        "url": "capacityStatus",
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": GRAVITY_CODES,
                                    "code": service.capacity.value,
                                    "display": CAPACITY_DISPLAY[service.capacity.value],
                                }
                            ]
                        },
                    },
                    {"url": "capacityNotes", "valueString": service.capacity_notes},
                ],
            }
        ],
        "identifier": [{"system": f"{CANONICAL_BASE}/Id/service", "value": service.slug}],
        "active": service.active,
        "providedBy": {"reference": f"Organization/{service.organisation.id}", "display": service.organisation.name},
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": service.category}]}],
        "type": [{"coding": [{"system": service.pathway_system, "code": service.pathway_code}]}],
        "location": [
            {"reference": f"Location/{location.id}", "display": location.name} for location in service.locations
        ],
        "name": service.name,
        **({"comment": service.description} if service.description else {}),
        "extraDetails": service.eligibility_text,
        "eligibility": [
            {
                "code": {
                    "coding": [{"system": service.pathway_system, "code": service.pathway_code}],
                    "text": age_text,
                },
                "comment": f"{age_text}; lives in {', '.join(service.districts)}. {service.eligibility_text}",
            }
        ],
        "program": [{"text": f"{service.programme_weeks} weeks, {service.programme_sessions} sessions"}],
        "referralMethod": [{"text": "FHIR ServiceRequest or BaRS message to this service"}],
        "appointmentRequired": True,
    }


def organization(organisation: PublishedOrganisation) -> dict[str, Any]:
    telecom = [
        {"system": system, "value": value}
        for system, value in (
            ("email", organisation.email),
            ("phone", organisation.phone),
            ("url", organisation.website),
        )
        if value
    ]
    return {
        "resourceType": "Organization",
        "id": organisation.id,
        "meta": {"lastUpdated": instant(organisation.updated_at)},
        "identifier": [{"system": system, "value": value} for system, value in organisation.identifiers],
        "active": organisation.accredited,
        "name": organisation.name,
        **({"telecom": telecom} if telecom else {}),
    }


def location(place: PublishedLocation) -> dict[str, Any]:
    address: dict[str, Any] = {"postalCode": place.postcode, "country": "GB"}
    if place.address:
        address["line"] = [place.address]
    if place.town:
        address["city"] = place.town
    return {
        "resourceType": "Location",
        "id": place.id,
        "status": "active",
        "name": place.name,
        "address": address,
        "managingOrganization": {"reference": f"Organization/{place.organisation_id}"},
    }


def _search() -> DirectorySearch | None:
    """The query as a directory search; None when it can match nothing (a category system not ours)."""
    search.only({"_id", "active", "service-category", "organization", "location.address-postalcode", "_lastUpdated"})
    arguments = request.args
    if "active" in arguments and arguments["active"].lower() not in {"true", "false"}:
        raise FhirError.one(400, "value", "active is true or false")
    updated = tuple((Compare(prefix), moment) for prefix, moment in search.date_filters("_lastUpdated").items())
    category, organisation = search.token("service-category"), arguments.get("organization")
    if category is not None and category[0] not in (None, CATEGORY_SYSTEM):
        return None
    return DirectorySearch(
        ids=frozenset(arguments["_id"].split(",")) if "_id" in arguments else None,
        active=arguments["active"].lower() == "true" if "active" in arguments else None,
        category=category[1] if category is not None else None,
        organisation_id=organisation.removeprefix("Organization/") if organisation is not None else None,
        postcode=arguments.get("location.address-postalcode"),
        updated=updated,
    )


@bp.get("/HealthcareService")
@supports(
    "HealthcareService",
    "search-type",
    search_params={
        "_id": ("token", "The service's id (comma-separated for several)"),
        "active": ("token", "true: accredited today"),
        "service-category": ("token", f"{CATEGORY_SYSTEM}|physical-activity"),
        "organization": ("reference", "The provider: Organization/{id}"),
        "location.address-postalcode": ("string", "Postcode or district of a location, e.g. SK4"),
        "_lastUpdated": ("date", "When the service (or its capacity) last changed; gt, ge, lt, le"),
    },
)
def search_healthcare_services() -> Response:
    wanted = _search()
    services: list[PublishedService] = []
    if wanted is not None:
        with unit_of_work() as uow:
            services = search_directory(uow, wanted, today=utcnow().date()).services
    entries = [(healthcare_service(s), "match") for s in services]
    return fhir_response(render.searchset(entries, request.url))


@bp.get("/HealthcareService/<service_id>")
@supports("HealthcareService", "read")
def read_healthcare_service(service_id: str) -> Response:
    with unit_of_work() as uow:
        service = published_service(uow, service_id, today=utcnow().date())
    return fhir_response(healthcare_service(service))


@bp.get("/Organization/<organisation_id>")
@supports("Organization", "read")
def read_organization(organisation_id: str) -> Response:
    with unit_of_work() as uow:
        organisation = published_organisation(uow, organisation_id, today=utcnow().date())
    return fhir_response(organization(organisation))


@bp.get("/Location/<location_id>")
@supports("Location", "read")
def read_location(location_id: str) -> Response:
    with unit_of_work() as uow:
        place = published_location(uow, location_id)
    return fhir_response(location(place))
