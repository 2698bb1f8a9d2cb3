"""Intake's checks, one behaviour each: what a GP system gets back when a message is not right."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import entries_of, gp_referral_bundle, headers

Post = Callable[..., Any]


def error_of(response: Any) -> dict[str, Any]:
    errors = [issue for issue in response.get_json()["issue"] if issue["severity"] == "error"]
    assert len(errors) == 1, errors
    return errors[0]


def service_request_of(bundle: dict[str, Any]) -> dict[str, Any]:
    return entries_of(bundle, "ServiceRequest")[0]


def patient_of(bundle: dict[str, Any]) -> dict[str, Any]:
    return entries_of(bundle, "Patient")[0]


@pytest.mark.parametrize("missing", ["X-Request-Id", "X-Correlation-Id"])
def test_message_ids_are_required_and_echoed(client: FlaskClient, gp_token: str, missing: str) -> None:
    sent = headers(gp_token)
    del sent[missing]
    response = client.post("/fhir/$process-message", data=json.dumps(gp_referral_bundle()), headers=sent)
    assert response.status_code == 400
    assert error_of(response)["code"] == "required"
    assert error_of(response)["expression"] == [f"header.{missing}"]
    other = "X-Correlation-Id" if missing == "X-Request-Id" else "X-Request-Id"
    assert response.headers[other] == sent[other]


def test_message_ids_must_be_uuids(post_message: Post) -> None:
    response = post_message(gp_referral_bundle(), request_id="not-a-uuid")
    assert response.status_code == 400
    assert response.headers["X-Request-Id"] != "not-a-uuid"  # what failed the check is never echoed
    assert error_of(response)["code"] == "value"


def test_without_a_bearer_token_the_answer_is_401(client: FlaskClient) -> None:
    sent = headers("forged.token.value")
    response = client.post("/fhir/$process-message", data=json.dumps(gp_referral_bundle()), headers=sent)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["details"]["coding"][0]["code"] == "REC_UNAUTHORIZED"
    assert response.headers["X-Correlation-Id"] == sent["X-Correlation-Id"]


@pytest.mark.parametrize(
    ("change", "status", "code", "expression"),
    [
        (lambda b: b.update(type="collection"), 400, "invalid", "Bundle.type"),
        (lambda b: b["meta"].pop("versionId"), 400, "invariant", "Bundle.meta.versionId"),
        (lambda b: b["meta"].update(versionId="2.0.0"), 422, "not-supported", "Bundle.meta.versionId"),
        (lambda b: b["entry"].insert(0, b["entry"].pop(1)), 400, "structure", "Bundle.entry[0]"),
        (
            lambda b: b["entry"][0]["resource"]["eventCoding"].update(code="booking-request"),
            422,
            "not-supported",
            "Bundle.entry[0].resource.eventCoding",
        ),
        (
            lambda b: b["entry"][0]["resource"]["reason"]["coding"][0].update(code="resend"),
            400,
            "value",
            "Bundle.entry[0].resource.reason",
        ),
        (
            lambda b: b["entry"][0]["resource"].update(definition="https://example.org/MessageDefinition/other"),
            422,
            "not-supported",
            "Bundle.entry[0].resource.definition",
        ),
        (
            lambda b: b["entry"][0]["resource"]["destination"][0].update(
                endpoint="https://fhir.nhs.uk/Id/dos-service-id|1"
            ),
            422,
            "not-supported",
            "Bundle.entry[0].resource.destination",
        ),
        (lambda b: service_request_of(b).update(status="draft"), 400, "value", "Bundle.entry[1].resource.status"),
        (lambda b: service_request_of(b).pop("authoredOn"), 400, "required", "Bundle.entry[1].resource.authoredOn"),
        (
            lambda b: b["entry"].__delitem__(
                next(i for i, e in enumerate(b["entry"]) if e["resource"]["resourceType"] == "Patient")
            ),
            400,
            "invalid",
            "Bundle.entry[1].resource.subject",
        ),
    ],
    ids=[
        "not-a-message",
        "no-version",
        "unsupported-version",
        "header-not-first",
        "other-event",
        "unknown-reason",
        "unknown-definition",
        "not-for-us",
        "not-active",
        "no-authored-on",
        "no-patient",
    ],
)
def test_each_broken_rule_is_named(
    post_message: Post, change: Callable[[dict[str, Any]], Any], status: int, code: str, expression: str
) -> None:
    bundle = gp_referral_bundle()
    change(bundle)
    response = post_message(bundle)
    assert response.status_code == status, response.get_json()
    errors = [i for i in response.get_json()["issue"] if i["severity"] == "error"]
    assert any(i["code"] == code and i.get("expression") == [expression] for i in errors), errors


def test_instants_with_any_offset_and_seven_fractional_digits_are_stored_in_utc(
    post_message: Post, uow: UnitOfWork
) -> None:
    bundle = gp_referral_bundle()
    service_request_of(bundle)["authoredOn"] = "2024-08-20T13:30:00.1234567+02:00"
    response = post_message(bundle)
    assert response.status_code == 200, response.get_json()
    with uow:
        referral = uow.referrals.by_public_id(service_request_of(response.get_json())["id"])
        assert referral is not None
        assert referral.authored_at == datetime(2024, 8, 20, 11, 30, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("system", "code", "stored"),
    [
        ("https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus", "number-present-and-verified", "01"),
        ("https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland", "02", "02"),
    ],
)
def test_both_generations_of_verification_status_are_read(
    post_message: Post, uow: UnitOfWork, system: str, code: str, stored: str
) -> None:
    bundle = gp_referral_bundle()
    coding = patient_of(bundle)["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]
    coding.update(system=system, code=code)
    response = post_message(bundle)
    assert response.status_code == 200
    with uow:
        referral = uow.referrals.by_public_id(service_request_of(response.get_json())["id"])
        assert referral is not None
        assert referral.patient.nhs_number_verification == stored


def test_an_unknown_verification_code_is_refused(post_message: Post) -> None:
    bundle = gp_referral_bundle()
    coding = patient_of(bundle)["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]
    coding["code"] = "sort-of-verified"
    response = post_message(bundle)
    assert response.status_code == 400
    assert error_of(response)["code"] == "code-invalid"


def test_a_trace_status_with_a_number_is_a_warning_not_a_refusal(post_message: Post) -> None:
    bundle = gp_referral_bundle()
    coding = patient_of(bundle)["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]
    coding.update(system="https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland", code="03")
    response = post_message(bundle)
    assert response.status_code == 200
    [outcome] = entries_of(response.get_json(), "OperationOutcome")
    assert any("verification status 03" in issue["diagnostics"] for issue in outcome["issue"])


def test_a_malformed_snomed_code_on_a_condition_is_refused(post_message: Post) -> None:
    bundle = gp_referral_bundle()
    condition = entries_of(bundle, "Condition")[0]
    condition["code"] = {"coding": [{"system": "http://snomed.info/sct", "code": "38341004"}]}
    response = post_message(bundle)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "code-invalid"
    assert error["expression"][0].endswith(".code.coding[0].code")


def test_a_well_formed_but_unknown_snomed_code_is_a_warning(post_message: Post, uow: UnitOfWork) -> None:
    bundle = gp_referral_bundle()
    entries_of(bundle, "Condition")[0]["code"] = {"coding": [{"system": "http://snomed.info/sct", "code": "73211009"}]}
    response = post_message(bundle)
    assert response.status_code == 200
    with uow:
        referral = uow.referrals.by_public_id(service_request_of(response.get_json())["id"])
        assert referral is not None
        assert referral.evidence["conditions"] == [{"code": "73211009", "recorded_on": "2024-08-20"}]


def test_a_practice_the_client_does_not_refer_for_is_forbidden(post_message: Post) -> None:
    bundle = gp_referral_bundle()
    sender_url = bundle["entry"][0]["resource"]["sender"]["reference"]
    for entry in bundle["entry"]:
        if entry.get("fullUrl") == sender_url:
            entry["resource"]["identifier"][0]["value"] = "Y99999"
    response = post_message(bundle)
    assert response.status_code == 403
    assert error_of(response)["details"]["coding"][0]["code"] == "REC_FORBIDDEN"


def test_an_unknown_use_case_of_ours_is_422(post_message: Post) -> None:
    bundle = gp_referral_bundle()
    service_request_of(bundle)["category"][0]["coding"][1]["code"] = "dentistry"
    response = post_message(bundle)
    assert response.status_code == 422
    assert "dentistry" in error_of(response)["diagnostics"]


def test_every_replay_of_a_request_id_is_refused(post_message: Post, uow: UnitOfWork) -> None:
    request_id = str(uuid.uuid4())
    statuses = [post_message(gp_referral_bundle(), request_id=request_id).status_code for _ in range(3)]
    assert statuses == [200, 409, 409]
