"""fhir/intake.py alone, no HTTP: the published BaRS examples read into the typed values intake takes,
and a message that is not one of ours answered with every issue, each at its element."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from referral_service.config import Settings
from referral_service.domain.intake import IncomingCancellation, IncomingReferral
from referral_service.domain.referral import Priority
from referral_service.fhir.intake import Received, Recipient, referral_from_service_request, request_from_message
from referral_service.fhir.outcomes import FhirError
from referral_service.fhir.profiles import BARS_USE_CASE_SYSTEM, USE_CASE_SYSTEM
from referral_service.fhir.resources import parse

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
VALID_NHS_NUMBER = "9449306613"
PUBLISHED_NHS_NUMBER = "3478526985"  # fails Modulus 11

Message = dict[str, Any]


@pytest.fixture
def published() -> Callable[[str], Message]:
    def load(name: str) -> Message:
        path = CONFORMANCE / name
        if not path.exists():
            pytest.fail(f"conformance example {path} is missing: CI lays ../shared beside the project")
        document: Message = json.loads(path.read_text())
        return document

    return load


@pytest.fixture
def recipient(settings: Settings) -> Recipient:
    return Recipient(settings.endpoint, settings.ods_code)


@pytest.fixture
def made_ours(settings: Settings) -> Callable[[Message], Message]:
    """A published message re-addressed to this service, with a valid NHS number and our use case."""

    def change(message: Message) -> Message:
        message = copy.deepcopy(message)
        destination = message["entry"][0]["resource"]["destination"][0]
        destination["endpoint"] = settings.endpoint
        for entry in message["entry"]:
            resource = entry["resource"]
            if entry.get("fullUrl") == destination["receiver"]["reference"]:
                resource["identifier"] = [
                    {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": settings.ods_code}
                ]
            for identifier in resource.get("identifier", []) if resource["resourceType"] == "Patient" else []:
                if identifier["system"] == "https://fhir.nhs.uk/Id/nhs-number":
                    identifier["value"] = VALID_NHS_NUMBER
            for category in resource.get("category", []) if resource["resourceType"] == "ServiceRequest" else []:
                for coding in category.get("coding", []):
                    if coding["system"] == BARS_USE_CASE_SYSTEM:
                        coding.update(system=USE_CASE_SYSTEM, code="active-pathway", display="active-pathway")
        return message

    return change


def read(message: Message, recipient: Recipient) -> Received[IncomingReferral | IncomingCancellation]:
    raw = json.dumps(message).encode()
    return request_from_message(raw, parse(message), request_id="req-1", correlation_id="corr-1", recipient=recipient)


def test_the_published_gp_referral_made_ours_is_an_incoming_referral_keeping_the_bytes_received(
    published: Callable[[str], Message], made_ours: Callable[[Message], Message], recipient: Recipient
) -> None:
    message = made_ours(published("bars-referral-request-gp-to-pharmacy.json"))
    raw = json.dumps(message).encode()

    received = request_from_message(
        raw, parse(message), request_id="req-1", correlation_id="corr-1", recipient=recipient
    )

    referral = received.value
    assert isinstance(referral, IncomingReferral)
    assert referral.payload is raw and referral.payload_format == "Bundle"
    assert (referral.request_id, referral.correlation_id, referral.bundle_id) == ("req-1", "corr-1", message["id"])
    assert referral.patient.nhs_number == VALID_NHS_NUMBER
    assert referral.sender_ods == "RND"  # the MessageHeader's sender
    assert referral.use_case == "active-pathway"
    assert referral.priority is Priority.ROUTINE
    assert referral.authored_at == datetime(2024, 8, 20, 11, 30, tzinfo=UTC)
    assert referral.source_endpoint == "https://fhir.nhs.uk/Id/dos-service-id|2222222222"
    assert referral.preferences == ("111111111", "Emergency Department - Adult")  # the HealthcareService asked for
    assert [(m.kind, m.value) for m in referral.measurements] == [("bmi", 46.0)]
    assert received.focus_path == "Bundle.entry[1].resource"
    # read, but not as the standard writes it: kept with the referral and sent back
    assert [issue.expression for issue in received.warnings] == [
        "Bundle.entry[14].resource.identifier[0].system",
        "Bundle.entry[5].resource.code.coding[0].code",
    ]
    assert referral.warnings[0].startswith("Bundle.entry[14].resource.identifier[0].system: ODS system written as")
    assert all(issue.severity == "warning" for issue in received.warnings)


def test_the_published_gp_referral_as_written_is_refused_with_each_issue_at_its_element(
    published: Callable[[str], Message], recipient: Recipient
) -> None:
    with pytest.raises(FhirError) as refused:
        read(published("bars-referral-request-gp-to-pharmacy.json"), recipient)

    assert refused.value.status == 400
    errors = {(issue.expression, issue.code) for issue in refused.value.issues if issue.severity == "error"}
    assert ("Bundle.entry[0].resource.destination", "not-supported") in errors
    assert ("Bundle.entry[8].resource.identifier[0].value", "value") in errors  # Modulus 11
    assert ("Bundle.entry[1].resource.category[0].coding[1]", "not-supported") in errors  # a pharmacy use case
    assert PUBLISHED_NHS_NUMBER not in json.dumps([issue.diagnostics for issue in refused.value.issues])


def test_only_the_use_case_wrong_is_a_422_naming_it(
    published: Callable[[str], Message], made_ours: Callable[[Message], Message], recipient: Recipient
) -> None:
    message = made_ours(published("bars-referral-request-gp-to-pharmacy.json"))
    service_request = message["entry"][1]["resource"]
    for category in service_request["category"]:
        for coding in category["coding"]:
            if coding["system"] == USE_CASE_SYSTEM:
                coding["code"] = "no-such-use-case"

    with pytest.raises(FhirError) as refused:
        read(message, recipient)

    assert refused.value.status == 422
    errors = [issue for issue in refused.value.issues if issue.severity == "error"]
    assert [(issue.code, issue.diagnostics) for issue in errors] == [
        ("not-supported", "unknown use case 'no-such-use-case'")
    ]


def test_the_published_cancellation_made_ours_is_an_incoming_cancellation(
    published: Callable[[str], Message], made_ours: Callable[[Message], Message], recipient: Recipient
) -> None:
    received = read(made_ours(published("bars-referral-cancel-revoked.json")), recipient)

    cancellation = received.value
    assert isinstance(cancellation, IncomingCancellation)
    assert cancellation.status == "revoked"
    assert cancellation.nhs_number == VALID_NHS_NUMBER
    assert (cancellation.request_id, cancellation.correlation_id) == ("req-1", "corr-1")


def test_a_plain_service_request_without_an_identifier_is_refused_with_every_issue() -> None:
    document = {"resourceType": "ServiceRequest", "status": "draft", "intent": "order", "subject": {"reference": "#p"}}
    raw = json.dumps(document).encode()

    with pytest.raises(FhirError) as refused:
        referral_from_service_request(raw, parse(document), request_id="req-1", correlation_id="corr-1")

    assert refused.value.status == 400
    assert [(issue.code, issue.expression) for issue in refused.value.issues] == [
        ("required", "ServiceRequest.identifier"),
        ("value", "ServiceRequest.status"),
        ("required", "ServiceRequest.authoredOn"),
        ("invalid", "ServiceRequest.subject"),
    ]
