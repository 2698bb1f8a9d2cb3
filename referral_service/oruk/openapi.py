"""The feed's OpenAPI 3 document: what /oruk/ serves, with the query parameters the ORUK profile lists."""

from __future__ import annotations

from typing import Any


def _parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_document(server: str) -> dict[str, Any]:
    page_parameters = [
        _parameter(
            "search",
            "Words in the service's name, description or provider (`text` is accepted too)",
            {"type": "string"},
        ),
        _parameter("taxonomy_term_id", "A taxonomy term's id (category or pathway)", {"type": "string"}),
        _parameter("taxonomy_id", "A taxonomy: our service categories, or SNOMED CT (pathways)", {"type": "string"}),
        _parameter("minimum_age", "Services that take people of at least this age", {"type": "integer", "minimum": 0}),
        _parameter("maximum_age", "Services that take people of at most this age", {"type": "integer", "minimum": 0}),
        _parameter(
            "modified_after", "Only services changed after this date-time", {"type": "string", "format": "date-time"}
        ),
        _parameter("page", "Page number, from 1", {"type": "integer", "minimum": 1, "default": 1}),
        _parameter("per_page", "Services per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}),
    ]
    json_ok = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "referral_service: accredited services (Open Referral UK 3.0)",
            "version": "3.0",
            "description": "A read-only Open Referral UK feed of the accredited services in this directory.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/": {"get": {"summary": "Feed information: version, profile, openapi_url", "responses": json_ok}},
            "/services": {
                "get": {
                    "summary": "Services, paginated (Page wrapper)",
                    "parameters": page_parameters,
                    "responses": json_ok,
                }
            },
            "/services/{id}": {
                "get": {
                    "summary": "One service, fully nested",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {**json_ok, "404": {"description": "No such service"}},
                }
            },
        },
    }
