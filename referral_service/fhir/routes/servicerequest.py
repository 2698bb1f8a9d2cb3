"""ServiceRequest: POST (conditional create on identifier), read, and search."""

from __future__ import annotations

from flask import Response, url_for

from referral_service.domain.clock import utcnow
from referral_service.domain.identifiers import is_ascii_digits
from referral_service.domain.intake import IncomingCancellation, IncomingFacts, IncomingReferral
from referral_service.fhir import bp, current_client, render, search
from referral_service.fhir.capabilities import operation, supports
from referral_service.fhir.findings import service_warnings
from referral_service.fhir.http import (
    fhir_response,
    message_ids,
    prefer_return,
    read_resource,
)
from referral_service.fhir.intake import Received, Recipient, referral_from_service_request, request_from_message
from referral_service.fhir.outcomes import FhirError, Issue, operation_outcome
from referral_service.fhir.triage_check import TRIAGE_OPERATION, parameters
from referral_service.fhir.ukcore import NHS_NUMBER_SYSTEM
from referral_service.services.intake import receive_referral
from referral_service.services.referrals import read_referral as read_referral_view
from referral_service.services.referrals import search_referrals
from referral_service.services.triage_check import check_triage
from referral_service.web.context import service_context, unit_of_work
from referral_service.web.requests import current_request_id


@bp.post("/ServiceRequest")
@supports("ServiceRequest", "create")
def create_service_request() -> Response:
    """A referral as a single ServiceRequest with a contained Patient; the same identifier again
    from the same practice returns the first referral (200) and creates nothing."""
    request_id, correlation_id = message_ids(required=False)
    raw, _document, service_request = read_resource("ServiceRequest")
    received = referral_from_service_request(raw, service_request, request_id=request_id, correlation_id=correlation_id)
    preference = prefer_return()
    with unit_of_work() as uow:
        receipt = receive_referral(uow, received.value, actor=current_client(), now=utcnow())
        # Only a representation shows patient data back (and is audited as a read).
        view = (
            read_referral_view(
                uow, receipt.referral_id, actor=current_client(), now=utcnow(), request_id=current_request_id()
            )
            if preference == "representation"
            else None
        )
    location = url_for("fhir.read_service_request", referral_id=receipt.referral_id, _external=True)
    headers = {"Location": location, "ETag": f'W/"{receipt.task_version}"'}
    status = 201 if receipt.created else 200
    if preference == "minimal":
        return fhir_response("", status, headers)
    if preference == "OperationOutcome" or view is None:
        warnings = [*received.warnings, *service_warnings(receipt.warnings)]
        information = [Issue("informational", f"ServiceRequest/{receipt.referral_id} stored", severity="information")]
        return fhir_response(operation_outcome(status, warnings or information), status, headers)
    return fhir_response(render.service_request(view), status, headers)


@bp.post("/ServiceRequest/$triage")
@operation("triage", TRIAGE_OPERATION)
def triage_service_request() -> Response:
    """Ask before referring: the same body as a referral (a ServiceRequest, or a BaRS message Bundle
    with reason `new`) answered with what triage would do now; nothing stored or reserved but the audit."""
    request_id, correlation_id = message_ids(required=False)
    raw, _document, resource = read_resource("ServiceRequest", "Bundle")
    received: Received[IncomingReferral | IncomingCancellation | IncomingFacts] | Received[IncomingReferral]
    if resource.get_resource_type() == "Bundle":
        settings = service_context().settings
        recipient = Recipient(settings.endpoint, settings.ods_code)
        received = request_from_message(
            raw, resource, request_id=request_id, correlation_id=correlation_id, recipient=recipient
        )
    else:
        received = referral_from_service_request(raw, resource, request_id=request_id, correlation_id=correlation_id)
    if not isinstance(received.value, IncomingReferral):
        raise FhirError.one(400, "not-supported", "$triage takes a new referral (message reason new)", "Bundle")
    with unit_of_work() as uow:
        check = check_triage(uow, received.value, actor=current_client(), now=utcnow(), request_id=current_request_id())
    return fhir_response(parameters(check))


@bp.get("/ServiceRequest/<referral_id>")
@supports("ServiceRequest", "read")
def read_service_request(referral_id: str) -> Response:
    with unit_of_work() as uow:
        view = read_referral_view(
            uow, referral_id, actor=current_client(), now=utcnow(), request_id=current_request_id()
        )
    return fhir_response(render.service_request(view), headers={"ETag": f'W/"{view.task.version}"'})


@bp.get("/ServiceRequest")
@supports(
    "ServiceRequest",
    "search-type",
    search_params={
        "identifier": ("token", "The sender's identifier for the referral (system|value)"),
        "patient:identifier": ("token", f"The patient's NHS number: {NHS_NUMBER_SYSTEM}|9000000009"),
    },
)
def search_service_requests() -> Response:
    search.only({"identifier", "patient:identifier"})
    identifier = search.token("identifier")
    patient = search.token("patient:identifier")
    if identifier is None and patient is None:
        raise FhirError.one(400, "required", "search by identifier or patient:identifier")
    if patient is not None and patient[0] not in (None, NHS_NUMBER_SYSTEM):
        raise FhirError.one(400, "not-supported", f"patient:identifier searches by {NHS_NUMBER_SYSTEM} only")
    nhs_number = patient[1].replace(" ", "") if patient else None  # read as intake reads it
    if nhs_number is not None and not (len(nhs_number) == 10 and is_ascii_digits(nhs_number)):
        raise FhirError.one(400, "value", "an NHS number is 10 digits (0-9)", "patient:identifier")
    with unit_of_work() as uow:
        views = search_referrals(
            uow,
            actor=current_client(),
            identifier=identifier,
            nhs_number=nhs_number,
            now=utcnow(),
            request_id=current_request_id(),
        )
    return fhir_response(search.respond([render.service_request(view) for view in views]))
