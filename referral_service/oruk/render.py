"""Published services as Open Referral UK 3.0 objects. Ids are our stable public ids, or UUIDs
derived from them (uuid5), so they survive every reload of the directory. No patient data."""

from __future__ import annotations

from typing import Any

from referral_service.domain.taxonomy import (
    CATEGORY_TAXONOMY,
    SNOMED,
    category_term_id,
    pathway_taxonomy,
    pathway_term_id,
    stable_id,
)
from referral_service.services.publication import CapacityStatus, PublishedClass, PublishedService

BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def taxonomy_terms(service: PublishedService) -> list[dict[str, Any]]:
    """The category (our taxonomy) and the pathway (SNOMED CT) a service answers."""
    return [
        {
            "id": category_term_id(service.category),
            "code": service.category,
            "name": service.category.replace("-", " ").capitalize(),
            "description": f"Service category {service.category}",
            "taxonomy": CATEGORY_TAXONOMY,
            "term_uri": f"{CATEGORY_TAXONOMY}#{service.category}",
        },
        {
            "id": pathway_term_id(service.pathway_system, service.pathway_code),
            "code": service.pathway_code,
            "name": f"SNOMED CT {service.pathway_code}",
            "description": "The referral (SNOMED CT procedure) this service answers",
            "taxonomy": pathway_taxonomy(service.pathway_system),
            "term_uri": f"{SNOMED}/{service.pathway_code}"
            if service.pathway_system == SNOMED
            else service.pathway_code,
        },
    ]


def status_and_alert(service: PublishedService) -> tuple[str, str | None]:
    """ORUK has no capacity field: open/closed goes in status, the detail in an alert."""
    if service.capacity is CapacityStatus.NO_CAPACITY:
        return "temporarily closed", f"No places at present ({service.capacity_notes})."
    if service.capacity is CapacityStatus.WAITLIST:
        return "active", f"Waiting list: {service.capacity_notes}."
    return "active", None


def organization(service: PublishedService) -> dict[str, Any]:
    org = service.organisation
    document: dict[str, Any] = {
        "id": org.id,
        "name": org.name,
        "description": org.description or org.name,
        "organization_identifiers": [
            {
                "id": stable_id(org.id, system, value),
                "organization_id": org.id,
                "identifier_scheme": system,
                "identifier_type": "ODS code" if value == org.ods_code else "identifier",
                "identifier": value,
            }
            for system, value in org.identifiers
        ],
    }
    if org.email:
        document["email"] = org.email
    if org.website:
        document["website"] = org.website
    return document


def summary(service: PublishedService) -> dict[str, Any]:
    status, alert = status_and_alert(service)
    document: dict[str, Any] = {
        "id": service.id,
        "organization_id": service.organisation.id,
        "name": service.name,
        "description": service.description or service.name,
        "status": status,
        "last_modified": service.updated_at.isoformat(),
    }
    if alert:
        document["alert"] = alert
    if service.minimum_age is not None:
        document["minimum_age"] = service.minimum_age
    if service.maximum_age is not None:
        document["maximum_age"] = service.maximum_age
    return document


def full(service: PublishedService, url: str) -> dict[str, Any]:
    """`url`: the service's own page: its provider's website, else this feed's URL for it."""
    org = service.organisation
    document = summary(service)
    document["url"] = org.website or url
    document["description"] = "\n\n".join(
        filter(None, [service.description, service.eligibility_notes, service.eligibility_text])
    )
    if org.email:
        document["email"] = org.email
    accreditations = "; ".join(
        f"{a.scheme}{f', level {a.level}' if a.level else ''}, valid until {a.valid_until.isoformat()}"
        for a in org.accreditations
    )
    if accreditations:
        document["accreditations"] = accreditations
    document["organization"] = organization(service)
    document["service_areas"] = [
        {
            "id": stable_id(service.id, "area", district),
            "service_id": service.id,
            "name": district,
            "description": f"Postcode district {district}",
        }
        for district in service.districts
    ]
    document["service_at_locations"] = [
        {
            "id": stable_id(service.id, location.id),
            "service_id": service.id,
            "location_id": location.id,
            "location": {
                "id": location.id,
                "location_type": "physical",
                "name": location.name,
                "addresses": [
                    {
                        "id": stable_id(location.id, "address"),
                        "location_id": location.id,
                        "address_1": location.address or location.name,
                        "city": location.town or "",
                        "state_province": "",
                        "postal_code": location.postcode,
                        "country": "GB",
                        "address_type": "physical",
                    }
                ],
            },
        }
        for location in service.locations
    ]
    # The UK profile removes email and phones from contact (and phones everywhere): the service
    # carries the email; the contact names who takes referrals.
    document["contacts"] = [
        {"id": stable_id(org.id, "contact"), "service_id": service.id, "name": f"Referrals, {org.name}"}
    ]
    document["schedules"] = [
        {
            "id": stable_id(service.id, "intake", intake.isoformat()),
            "service_id": service.id,
            "valid_from": intake.isoformat(),
            "dtstart": intake.isoformat(),
            "freq": "WEEKLY",
            "description": f"Cohort starting {intake.isoformat()}: {service.programme_weeks} weeks",
        }
        for intake in service.intakes
    ] + [weekly_class(service, group) for group in service.classes]
    document["attributes"] = [
        {
            "id": stable_id(service.id, term["id"]),
            "link_id": service.id,
            "link_type": "service",
            "link_entity": "service",
            "taxonomy_term_id": term["id"],
            "taxonomy_term": term,
        }
        for term in taxonomy_terms(service)
    ]
    return document


def weekly_class(service: PublishedService, group: PublishedClass) -> dict[str, Any]:
    """A weekly class on the provider's timetable as an ORUK schedule (UK wall-clock times)."""
    start = group.starts_at.hour * 60 + group.starts_at.minute
    end = min(start + group.duration_minutes, 24 * 60 - 1)
    return {
        "id": stable_id(service.id, "class", group.id),
        "service_id": service.id,
        "freq": "WEEKLY",
        "byday": BYDAY[group.weekday],
        "opens_at": f"{start // 60:02d}:{start % 60:02d}",
        "closes_at": f"{end // 60:02d}:{end % 60:02d}",
        "description": f"{group.name}, every week at {group.place}",
    }
