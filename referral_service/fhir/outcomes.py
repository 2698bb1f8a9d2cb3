"""OperationOutcomes: every error on the FHIR API, with status, IssueType, REC_* code and element path."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from flask import Response

HTTP_ERROR_CODES = "https://fhir.nhs.uk/Codesystem/http-error-codes"
UKCORE_OPERATION_OUTCOME = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-OperationOutcome"
FHIR_JSON = "application/fhir+json"

# HTTP status -> the BaRS receiver details code (we only ever emit REC_*; interop.md §1.6).
REC_CODES = {
    400: "REC_BAD_REQUEST",
    401: "REC_UNAUTHORIZED",
    403: "REC_FORBIDDEN",
    404: "REC_NOT_FOUND",
    405: "REC_METHOD_NOT_ALLOWED",
    406: "REC_NOT_ACCEPTABLE",
    408: "REC_TIMEOUT",
    409: "REC_CONFLICT",
    413: "REC_BAD_REQUEST",
    415: "REC_BAD_REQUEST",
    422: "REC_UNPROCESSABLE_ENTITY",
    429: "REC_TOO_MANY_REQUESTS",
    500: "REC_SERVER_ERROR",
    501: "REC_NOT_IMPLEMENTED",
    503: "REC_SERVICE_UNAVAILABLE",
}


@dataclass(frozen=True)
class Issue:
    code: str  # FHIR IssueType: invalid, required, value, invariant, structure, not-supported, duplicate, …
    diagnostics: str
    expression: str | None = None
    severity: str = "error"


class FhirError(Exception):
    """An answer that is an OperationOutcome: raised anywhere in the FHIR adapter, rendered once."""

    def __init__(self, status: int, issues: list[Issue]) -> None:
        super().__init__(issues[0].diagnostics if issues else str(status))
        self.status = status
        self.issues = issues

    @classmethod
    def one(cls, status: int, code: str, diagnostics: str, expression: str | None = None) -> FhirError:
        return cls(status, [Issue(code, diagnostics, expression)])


def operation_outcome(status: int, issues: list[Issue]) -> dict[str, Any]:
    details = REC_CODES.get(status, "REC_SERVER_ERROR" if status >= 500 else "REC_BAD_REQUEST")
    rendered = []
    for issue in issues:
        item: dict[str, Any] = {"severity": issue.severity, "code": issue.code}
        if issue.severity in ("error", "fatal"):
            item["details"] = {"coding": [{"system": HTTP_ERROR_CODES, "code": details}]}
        item["diagnostics"] = issue.diagnostics
        if issue.expression:
            item["expression"] = [issue.expression]
        rendered.append(item)
    return {
        "resourceType": "OperationOutcome",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [UKCORE_OPERATION_OUTCOME]},
        "issue": rendered,
    }


def outcome_response(status: int, issues: list[Issue]) -> Response:
    body = json.dumps(operation_outcome(status, issues))
    return Response(body, status=status, content_type=FHIR_JSON)


# HTTP errors raised outside our views (routing, method, size) -> IssueType.
HTTP_ISSUE_CODES = {
    404: "not-found",
    405: "not-supported",
    413: "too-costly",
    401: "security",
    403: "forbidden",
    503: "transient",  # the database is away for a moment: the sender should retry
}


def render_http_error(status: int, code: str, message: str) -> Response:
    """The renderer registered for /fhir with the app-wide error handlers."""
    issue_code = HTTP_ISSUE_CODES.get(status, "exception" if status >= 500 else "processing")
    if code in {"duplicate", "conflict", "not-found", "forbidden", "security", "invalid"}:
        issue_code = code
    return outcome_response(status, [Issue(issue_code, message or code)])
