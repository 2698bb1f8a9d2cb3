"""The CapabilityStatement: what this server really supports, from the routes' own declarations."""

from __future__ import annotations

from typing import Any

from flask import url_for

from referral_service.fhir.capabilities import OPERATIONS, RESOURCES
from referral_service.fhir.profiles import message_definitions
from referral_service.version import __version__
from referral_service.web.context import service_context

RELEASE_DATE = "2026-11-26"


def capability_statement() -> dict[str, Any]:
    """Built from the routes' own declarations, so it cannot claim what is not served."""
    resources = []
    for resource_type in sorted(RESOURCES):
        support = RESOURCES[resource_type]
        entry: dict[str, Any] = {
            "type": resource_type,
            "interaction": [{"code": code} for code in sorted(support.interactions)],
        }
        if support.search_params:
            entry["searchParam"] = [
                {"name": name, "type": kind, "documentation": documentation}
                for name, (kind, documentation) in sorted(support.search_params.items())
            ]
        if support.search_includes:
            entry["searchInclude"] = sorted(support.search_includes)
        if "create" in support.interactions and resource_type == "ServiceRequest":
            entry["conditionalCreate"] = True
        resources.append(entry)
    settings = service_context().settings
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASE_DATE,
        "publisher": "referral_service project",
        "kind": "instance",
        "software": {"name": "referral_service", "version": __version__},
        "implementation": {
            "description": f"Social prescribing and active pathway referral service ({settings.ods_code})",
            "url": url_for("fhir.metadata", _external=True).removesuffix("/metadata"),
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": "OAuth 2.0 client credentials (POST /oauth/token), then a Bearer token.",
                },
                "resource": resources,
                "operation": [
                    {"name": name, "definition": definition} for name, definition in sorted(OPERATIONS.items())
                ],
            }
        ],
        "messaging": [
            {
                "supportedMessage": [
                    {"mode": "receiver", "definition": definition["url"]} for definition in message_definitions()
                ]
            }
        ],
    }
