"""The accredited directory over FHIR: search and read HealthcareService, read Organization and Location."""

from __future__ import annotations

from flask import Response, request

from referral_service.domain.clock import utcnow
from referral_service.fhir import bp, search
from referral_service.fhir.capabilities import supports
from referral_service.fhir.directory import CATEGORY_SYSTEM, healthcare_service, location, organization
from referral_service.fhir.http import fhir_response
from referral_service.fhir.outcomes import FhirError
from referral_service.services.directory_search import Compare, DirectorySearch, search_directory
from referral_service.services.publication import (
    PublishedService,
    published_location,
    published_organisation,
    published_service,
)
from referral_service.web.context import unit_of_work


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
    return fhir_response(search.respond([healthcare_service(s) for s in services]))


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
