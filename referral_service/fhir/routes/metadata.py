"""GET /fhir/metadata and GET /fhir/MessageDefinition: what this server really supports."""

from __future__ import annotations

from flask import Response, request

from referral_service.fhir import bp, search
from referral_service.fhir.capabilities import supports
from referral_service.fhir.capability_statement import capability_statement
from referral_service.fhir.http import fhir_response
from referral_service.fhir.profiles import message_definitions


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
