"""The accredited directory over FHIR: search and read HealthcareService, read Organization and Location."""

from __future__ import annotations

from datetime import datetime

from flask import Response, request

from referral_service.domain.directory import postcode_district
from referral_service.fhir import bp, render, search
from referral_service.fhir.capabilities import supports
from referral_service.fhir.directory import CATEGORY_SYSTEM, healthcare_service, location, organization
from referral_service.fhir.http import fhir_response
from referral_service.fhir.outcomes import FhirError
from referral_service.services.publication import (
    PublishedService,
    published_location,
    published_organisation,
    published_service,
    published_services,
)
from referral_service.web.context import unit_of_work, utcnow


def _matches(service: PublishedService, dates: dict[str, datetime]) -> bool:
    arguments = request.args
    if "_id" in arguments and service.id not in arguments["_id"].split(","):
        return False
    if "active" in arguments and str(service.active).lower() != arguments["active"].lower():
        return False
    category = search.token("service-category")
    if category is not None and (category[1] != service.category or category[0] not in (None, CATEGORY_SYSTEM)):
        return False
    if (
        "organization" in arguments
        and arguments["organization"].removeprefix("Organization/") != service.organisation.id
    ):
        return False
    district = arguments.get("location.address-postalcode")
    if district is not None:
        wanted = district.replace(" ", "").upper()
        places = {(postcode_district(p.postcode), p.postcode.replace(" ", "").upper()) for p in service.locations}
        if not any(wanted in place for place in places):
            return False
    checks = {"gt": lambda a, b: a > b, "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b}
    return all(checks[prefix](service.updated_at, moment) for prefix, moment in dates.items())


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
    search.only({"_id", "active", "service-category", "organization", "location.address-postalcode", "_lastUpdated"})
    if "active" in request.args and request.args["active"].lower() not in {"true", "false"}:
        raise FhirError.one(400, "value", "active is true or false")
    dates = search.date_filters("_lastUpdated")
    with unit_of_work() as uow:
        services = published_services(uow, today=utcnow().date())
    entries = [(healthcare_service(s), "match") for s in services if _matches(s, dates)]
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
