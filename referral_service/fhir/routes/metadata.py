"""GET /fhir/metadata, GET /fhir/MessageDefinition and our OperationDefinitions: what this server really supports."""

from __future__ import annotations

from flask import Response, request

from referral_service.fhir import bp, search
from referral_service.fhir.capabilities import supports
from referral_service.fhir.capability_statement import capability_statement
from referral_service.fhir.http import fhir_response
from referral_service.fhir.outcomes import FhirError
from referral_service.fhir.profiles import message_definitions, resource

OPERATION_DEFINITIONS = ("ServiceRequest-triage",)


@bp.get("/metadata")
def metadata() -> Response:
    return fhir_response(capability_statement())


@bp.get("/MessageDefinition")
@supports(
    "MessageDefinition",
    "search-type",
    search_params={
        "url": ("uri", "The definition's canonical URL"),
        "context": ("token", "Accepted (BaRS senders send it); every definition here applies to this service"),
    },
)
def search_message_definitions() -> Response:
    search.only({"url", "context"})
    wanted = request.args.get("url")
    found = [d for d in message_definitions() if wanted is None or d["url"] == wanted]
    return fhir_response(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "link": [{"relation": "self", "url": request.url}],
            "entry": [{"fullUrl": d["url"], "resource": d, "search": {"mode": "match"}} for d in found],
        }
    )


@bp.get("/OperationDefinition/<definition_id>")
@supports("OperationDefinition", "read")
def read_operation_definition(definition_id: str) -> Response:
    """The definition the CapabilityStatement names for an operation of ours."""
    if definition_id not in OPERATION_DEFINITIONS:
        raise FhirError.one(404, "not-found", f"no OperationDefinition {definition_id}")
    return fhir_response(resource(f"OperationDefinition-{definition_id}"))
