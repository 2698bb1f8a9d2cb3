"""A malformed-input sweep never yields a 5xx and never stores anything.

Every case is sent to both ways in (the BaRS `$process-message` and the plain ServiceRequest
create) unless it only makes sense for one. Each must be refused with a 4xx OperationOutcome
(BaRS error coding, no NHS number echoed, message headers echoed) and leave every referral
table exactly as it was.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import VALID_NHS_NUMBER, entries_of, gp_referral_bundle, headers

PROCESS_MESSAGE = "/fhir/$process-message"
SERVICE_REQUEST = "/fhir/ServiceRequest"
BOTH = (PROCESS_MESSAGE, SERVICE_REQUEST)
STORED_TABLES = ("referrals", "patients", "inbound_messages", "referral_events", "referral_tasks")
HTTP_ERROR_CODES = "https://fhir.nhs.uk/Codesystem/http-error-codes"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
MARKER = "@@MARKER@@"  # replaced in the encoded body where a case needs bytes JSON cannot express


def valid_document(endpoint: str) -> dict[str, Any]:
    """A document each endpoint accepts: the BaRS GP referral, or one ServiceRequest with its Patient contained."""
    bundle = gp_referral_bundle()
    if endpoint == PROCESS_MESSAGE:
        return bundle
    (patient,) = entries_of(bundle, "Patient")
    return {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://gp.example.org/referrals", "value": str(uuid.uuid4())}],
        "status": "active",
        "intent": "order",
        "subject": {"reference": "#patient"},
        "authoredOn": "2024-08-20T11:30:00+00:00",
        "requester": {"identifier": {"system": ODS_SYSTEM, "value": "RND"}},
        "contained": [{**patient, "id": "patient"}],
    }


def service_request_of(document: dict[str, Any]) -> dict[str, Any]:
    if document["resourceType"] == "ServiceRequest":
        return document
    return entries_of(document, "ServiceRequest")[0]


def patient_of(document: dict[str, Any]) -> dict[str, Any]:
    patients: list[dict[str, Any]] = (
        document["contained"] if document["resourceType"] == "ServiceRequest" else entries_of(document, "Patient")
    )
    return patients[0]


def encoded(document: Any) -> bytes:
    return json.dumps(document).encode()


def changed(change: Callable[[dict[str, Any]], None], *, marker: bytes | None = None) -> Callable[..., bytes]:
    """A valid document with one change; `marker` then replaces MARKER in the UTF-8 bytes."""

    def build(document: dict[str, Any]) -> bytes:
        document = copy.deepcopy(document)
        change(document)
        body = encoded(document)
        return body.replace(MARKER.encode(), marker) if marker is not None else body

    return build


def family_name(value: str) -> Callable[[dict[str, Any]], None]:
    return lambda document: patient_of(document)["name"][0].update(family=value)


def nested(depth: int) -> Callable[[dict[str, Any]], None]:
    """Extensions inside extensions: well under the JSON parser's limit, deep for a FHIR model."""

    def change(document: dict[str, Any]) -> None:
        extension: dict[str, Any] = {"url": "https://example.org/nested", "valueString": "leaf"}
        for _ in range(depth):
            extension = {"url": "https://example.org/nested", "extension": [extension]}
        service_request_of(document)["extension"] = [extension]

    return change


def first_entry_not_header(bundle: dict[str, Any]) -> None:
    bundle["entry"] = bundle["entry"][1:] + bundle["entry"][:1]


def subject_nowhere(document: dict[str, Any]) -> None:
    nowhere = "#nowhere" if document["resourceType"] == "ServiceRequest" else f"urn:uuid:{uuid.uuid4()}"
    service_request_of(document)["subject"] = {"reference": nowhere}


def list_is_a_string(document: dict[str, Any]) -> None:
    document["entry" if document["resourceType"] == "Bundle" else "contained"] = "x"


def deep_arrays(document: dict[str, Any]) -> bytes:
    return (
        b'{"resourceType": "%s", "extension": ' % document["resourceType"].encode()
        + b"[" * 10_000
        + b"]" * 10_000
        + b"}"
    )


def without(*names: str) -> Callable[[str], dict[str, str]]:
    return lambda token: {k: v for k, v in headers(token).items() if k not in names}


def with_header(name: str, value: str) -> Callable[[str], dict[str, str]]:
    return lambda token: {**headers(token), name: value}


@dataclass(frozen=True)
class Case:
    name: str
    body: Callable[[dict[str, Any]], bytes]
    headers: Callable[[str], dict[str, str]] = headers
    status: int | None = None  # the exact status the contract names; else any 4xx
    endpoints: tuple[str, ...] = BOTH


def unchanged(document: dict[str, Any]) -> bytes:
    return encoded(document)


CASES = (
    Case("truncated-json", lambda d: encoded(d)[: len(encoded(d)) // 2]),
    Case("not-json", lambda _: f"please see patient {VALID_NHS_NUMBER} urgently".encode()),
    Case("json-array", lambda d: encoded([d])),
    Case("empty-body", lambda _: b""),
    Case("json-null", lambda _: b"null"),
    Case("patient-not-referral", lambda d: encoded(patient_of(d))),
    Case("status-is-a-number", changed(lambda d: service_request_of(d).update(status=5))),
    Case("list-is-a-string", changed(list_is_a_string)),
    Case("birth-date-yesterday", changed(lambda d: patient_of(d).update(birthDate="yesterday"))),
    Case("arrays-nested-10000-deep", deep_arrays),
    Case("extensions-nested-300-deep", changed(nested(300))),
    Case("note-of-1.5-mb", changed(lambda d: service_request_of(d).update(note=[{"text": "x" * 1_500_000}]))),
    Case("family-name-of-1.5-mb", changed(family_name("x" * 1_500_000))),
    Case("body-of-5-mb", changed(lambda d: service_request_of(d).update(note=[{"text": "x" * 5_000_000}])), status=413),
    Case("no-request-id", unchanged, without("X-Request-Id"), 400, (PROCESS_MESSAGE,)),
    Case("no-correlation-id", unchanged, without("X-Correlation-Id"), 400, (PROCESS_MESSAGE,)),
    Case("request-id-not-a-uuid", unchanged, with_header("X-Request-Id", "request-1"), 400),
    Case("correlation-id-not-a-uuid", unchanged, with_header("X-Correlation-Id", "not-a-uuid"), 400),
    Case("no-bearer-token", unchanged, without("Authorization"), 401),
    Case("garbage-bearer-token", unchanged, with_header("Authorization", "Bearer not.a.token"), 401),
    Case("basic-not-bearer", unchanged, with_header("Authorization", "Basic Z3Atc3lzdGVtOnNlY3JldA=="), 401),
    Case("invalid-utf8-in-name", changed(family_name(MARKER), marker=b"Sm\xc3\x28th\xff")),
    Case("utf16-not-utf8", lambda d: json.dumps(d).encode("utf-16-le")),
    Case("lone-surrogate-in-name", changed(family_name("Smith\ud800"))),
    Case("nul-character-in-name", changed(family_name("Smith\u0000"))),
    Case("first-entry-not-message-header", changed(first_entry_not_header), endpoints=(PROCESS_MESSAGE,)),
    Case("subject-points-nowhere", changed(subject_nowhere)),
)


def stored_rows(uow: UnitOfWork) -> dict[str, int]:
    with uow:
        return {
            table: uow.session.execute(text(f"select count(*) from {table}")).scalar_one() for table in STORED_TABLES
        }


def case_id(endpoint: str, case: Case) -> str:
    return f"{endpoint.rsplit('/', 1)[-1].lstrip('$')}-{case.name}"


SWEEP = [pytest.param(endpoint, case, id=case_id(endpoint, case)) for case in CASES for endpoint in case.endpoints]


def assert_refused_with_an_operation_outcome(response: TestResponse, case: Case, sent: dict[str, str]) -> None:
    raw = response.get_data(as_text=True)
    assert response.status_code < 500, raw[:2000]
    if case.status is not None:
        assert response.status_code == case.status, raw[:2000]
    assert 400 <= response.status_code < 500, raw[:2000]
    assert response.mimetype == "application/fhir+json"
    body = json.loads(raw)
    assert body["resourceType"] == "OperationOutcome"
    OperationOutcome.model_validate(body)
    assert body["issue"]
    for issue in body["issue"]:
        assert issue["severity"] and issue["code"]
        if issue["severity"] in ("error", "fatal"):
            (coding,) = issue["details"]["coding"]
            assert coding["system"] == HTTP_ERROR_CODES
            assert coding["code"].startswith("REC_")
        assert VALID_NHS_NUMBER not in issue.get("diagnostics", "")
    assert VALID_NHS_NUMBER not in raw
    for name in ("X-Request-Id", "X-Correlation-Id"):
        if name in sent:  # echoed when a UUID; what failed the check never is
            valid = re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", sent[name]) is not None
            assert (response.headers.get(name) == sent[name]) is valid


@pytest.mark.parametrize(("endpoint", "case"), SWEEP)
def test_malformed_input_is_refused_with_an_operation_outcome_and_nothing_is_stored(
    client: FlaskClient, uow: UnitOfWork, gp_token: str, endpoint: str, case: Case
) -> None:
    before = stored_rows(uow)
    sent = case.headers(gp_token)

    response = client.post(endpoint, data=case.body(valid_document(endpoint)), headers=sent)

    assert_refused_with_an_operation_outcome(response, case, sent)
    assert stored_rows(uow) == before


@pytest.mark.parametrize("endpoint", BOTH, ids=lambda e: e.rsplit("/", 1)[-1].lstrip("$"))
def test_the_same_document_well_formed_is_accepted_and_stored(
    client: FlaskClient, uow: UnitOfWork, gp_token: str, endpoint: str
) -> None:
    """The control for the sweep: the valid document is taken, and the row counts see it."""
    before = stored_rows(uow)

    response = client.post(endpoint, data=encoded(valid_document(endpoint)), headers=headers(gp_token))

    assert response.status_code in (200, 201), response.get_data(as_text=True)[:2000]
    grown = {table: count - before[table] for table, count in stored_rows(uow).items()}
    assert grown.pop("referral_events") >= 1
    assert grown == dict.fromkeys(("referrals", "patients", "inbound_messages", "referral_tasks"), 1)
