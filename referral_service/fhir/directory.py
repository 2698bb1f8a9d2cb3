"""The accredited directory as FHIR resources: HealthcareService (with live capacity), Organization, Location."""

from __future__ import annotations

from typing import Any

from referral_service.fhir.http import instant
from referral_service.fhir.profiles import CANONICAL_BASE
from referral_service.services.publication import PublishedLocation, PublishedOrganisation, PublishedService

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
        "extraDetails": "\n\n".join(filter(None, [service.eligibility_notes, service.eligibility_text])),
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
