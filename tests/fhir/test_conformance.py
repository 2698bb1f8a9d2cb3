"""The published BaRS, UK Core, Gravity and BSeR examples, fed to the service as others wrote them."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from referral_service.fhir.resources import parse
from referral_service.persistence.models import Patient, Referral
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import (
    VALID_NHS_NUMBER,
    addressed_to_us,
    conformance,
    entries_of,
    gp_referral_bundle,
    headers,
    with_nhs_number,
)

OperationOutcome = dict[str, Any]


def issues(outcome: OperationOutcome, severity: str = "error") -> list[dict[str, Any]]:
    return [issue for issue in outcome["issue"] if issue["severity"] == severity]


def test_the_published_gp_referral_is_answered_with_every_reason_it_cannot_be_taken(
    post_message: Callable[..., Any], uow: UnitOfWork
) -> None:
    published = conformance("bars-referral-request-gp-to-pharmacy.json")

    response = post_message(published)

    assert response.status_code == 400
    outcome = response.get_json()
    parse(outcome)  # a valid R4 OperationOutcome
    errors = {issue["expression"][0]: issue for issue in issues(outcome)}
    nhs_path = next(path for path in errors if path.endswith(".identifier[0].value"))
    assert errors[nhs_path]["code"] == "value"
    assert "Modulus 11" in errors[nhs_path]["diagnostics"]
    assert "3478526985" not in json.dumps(outcome)  # diagnostics never repeat patient data
    use_case = next(issue for path, issue in errors.items() if ".category[0].coding[1]" in path)
    assert use_case["code"] == "not-supported"
    assert "a5t2" in use_case["diagnostics"]
    assert "not addressed to this service" in json.dumps(outcome)
    assert {i["details"]["coding"][0]["code"] for i in issues(outcome)} == {"REC_BAD_REQUEST"}
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Referral)) == 0


def test_readdressed_with_only_its_nhs_number_wrong_it_is_a_400_naming_the_element(
    post_message: Callable[..., Any],
) -> None:
    bundle = gp_referral_bundle()
    with_nhs_number(bundle, "3478526985")

    response = post_message(bundle)

    assert response.status_code == 400
    [error] = issues(response.get_json())
    assert error["expression"] == ["Bundle.entry[8].resource.identifier[0].value"]
    assert error["details"]["coding"][0] == {
        "system": "https://fhir.nhs.uk/Codesystem/http-error-codes",
        "code": "REC_BAD_REQUEST",
    }


def test_a_pharmacy_use_case_is_422_not_500(post_message: Callable[..., Any]) -> None:
    bundle = with_nhs_number(
        addressed_to_us(conformance("bars-referral-request-gp-to-pharmacy.json")), VALID_NHS_NUMBER
    )

    response = post_message(bundle)

    assert response.status_code == 422
    [error] = issues(response.get_json())
    assert error["code"] == "not-supported"
    assert error["details"]["coding"][0]["code"] == "REC_UNPROCESSABLE_ENTITY"
    assert "a5t2 (Primary Care to Pharmacy Contraception)" in error["diagnostics"]


def test_with_a_valid_nhs_number_our_use_case_and_destination_the_referral_is_accepted(
    post_message: Callable[..., Any], client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    bundle = gp_referral_bundle()

    response = post_message(bundle)

    assert response.status_code == 200, response.get_json()
    assert response.content_type == "application/fhir+json"
    processed = response.get_json()
    parse(processed)
    [service_request] = entries_of(processed, "ServiceRequest")
    [patient] = entries_of(processed, "Patient")
    [task] = [t for t in entries_of(processed, "Task") if t.get("focus")]
    assert service_request["id"] and patient["id"]
    assert task["focus"]["reference"] == f"ServiceRequest/{service_request['id']}"
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == (
        "requested",
        "link-worker",
    )  # no directory loaded: a person decides
    [outcome] = entries_of(processed, "OperationOutcome")  # what was read with a warning
    assert {issue["severity"] for issue in outcome["issue"]} == {"warning"}
    assert any("ods-organization-code" in issue["diagnostics"] for issue in outcome["issue"])

    read = client.get(f"/fhir/ServiceRequest/{service_request['id']}", headers=headers(gp_token))
    assert read.status_code == 200
    assert read.get_json()["contained"][0]["identifier"][0]["value"] == VALID_NHS_NUMBER

    with uow:
        referral = uow.referrals.by_public_id(service_request["id"])
        assert referral is not None
        assert referral.payload == json.dumps(bundle).encode()  # the bytes as received
        assert referral.source_endpoint == "https://fhir.nhs.uk/Id/dos-service-id|2222222222"
        assert referral.use_case == "active-pathway"
        assert referral.evidence["measurements"] == [
            {"kind": "bmi", "value": 46.0, "second_value": None, "observed_on": "2024-08-22"}
        ]
        assert any("ods-organization-code" in w for w in referral.evidence["warnings"])  # lower-case 'id' variant
        assert any("check digit" in w and "ignored" in w for w in referral.evidence["warnings"])  # damaged Task.code
        assert referral.patient.nhs_number_verification == "01"
        assert referral.patient.postcode_district == "LS10"


def test_the_cancellation_example_cancels_the_referral_it_follows(
    post_message: Callable[..., Any], client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    correlation_id = str(uuid.uuid4())
    created = post_message(gp_referral_bundle(), correlation_id=correlation_id).get_json()
    [referral] = entries_of(created, "ServiceRequest")
    cancellation = with_nhs_number(addressed_to_us(conformance("bars-referral-cancel-revoked.json")), VALID_NHS_NUMBER)

    response = post_message(cancellation, correlation_id=correlation_id)

    assert response.status_code == 200, response.get_json()
    assert entries_of(response.get_json(), "ServiceRequest")[0]["status"] == "revoked"
    task = client.get(f"/fhir/Task?focus=ServiceRequest/{referral['id']}", headers=headers(gp_token)).get_json()
    [entry] = task["entry"]
    assert entry["resource"]["status"] == "cancelled"
    assert entry["resource"]["statusReason"]["text"] == "cancelled by the referrer"
    read = client.get(f"/fhir/ServiceRequest/{referral['id']}", headers=headers(gp_token)).get_json()
    assert read["status"] == "revoked"
    with uow:
        stored = uow.referrals.by_public_id(referral["id"])
        assert stored is not None
        assert [e.event_type for e in uow.referrals.events(stored)] == [
            "received",
            "to-link-worker",
            "cancelled-by-referrer",
        ]

    again = post_message(cancellation, correlation_id=correlation_id)
    assert again.status_code == 409
    [error] = issues(again.get_json())
    assert error["code"] == "conflict"
    assert "no longer current" in error["diagnostics"]


def test_a_replayed_request_id_is_409_duplicate_in_the_shape_of_the_bars_example(
    post_message: Callable[..., Any], uow: UnitOfWork
) -> None:
    request_id = str(uuid.uuid4())
    bundle = gp_referral_bundle()
    assert post_message(bundle, request_id=request_id).status_code == 200

    replay = post_message(copy.deepcopy(bundle), request_id=request_id)

    assert replay.status_code == 409
    assert replay.headers["X-Request-Id"] == request_id
    ours, theirs = replay.get_json(), conformance("bars-operationoutcome-409-duplicate.json")
    assert ours["resourceType"] == theirs["resourceType"]
    assert [{k: i[k] for k in ("severity", "code", "details")} for i in ours["issue"]] == [
        {k: i[k] for k in ("severity", "code", "details")} for i in theirs["issue"]
    ]
    assert ours["issue"][0]["diagnostics"] == theirs["issue"][0]["diagnostics"]
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Referral)) == 1
        assert uow.session.scalar(select(func.count()).select_from(Patient)) == 1


def test_the_same_bundle_under_a_new_request_id_returns_the_first_referral(post_message: Callable[..., Any]) -> None:
    bundle = gp_referral_bundle()
    first = entries_of(post_message(bundle).get_json(), "ServiceRequest")[0]["id"]

    second = post_message(bundle)

    assert second.status_code == 200
    assert entries_of(second.get_json(), "ServiceRequest")[0]["id"] == first


def test_our_task_follows_the_gravity_example_shape(
    post_message: Callable[..., Any], client: FlaskClient, gp_token: str
) -> None:
    processed = post_message(gp_referral_bundle()).get_json()
    task_id = next(t["id"] for t in entries_of(processed, "Task") if t.get("focus"))

    ours = client.get(f"/fhir/Task/{task_id}", headers=headers(gp_token)).get_json()
    gravity = conformance("gravity-task-accepted.json")

    parse(ours)
    for element in ("intent", "code"):
        assert ours[element] == gravity[element]
    assert ours["focus"]["reference"].startswith("ServiceRequest/")
    assert {"status", "businessStatus", "authoredOn", "lastModified", "for", "requester"} <= ours.keys()


def test_the_uk_core_patient_example_is_read_with_its_verified_nhs_number(
    client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    patient = conformance("ukcore-patient-nhs-number-verified.json")
    patient["id"] = "pat"
    service_request = {
        "resourceType": "ServiceRequest",
        "contained": [patient],
        "identifier": [{"system": "https://example.org/referrals", "value": str(uuid.uuid4())}],
        "status": "active",
        "intent": "order",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "871731000000106"}]},
        "subject": {"reference": "#pat"},
        "authoredOn": "2026-11-26T09:00:00+00:00",
        "requester": {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "P88001"}},
    }

    response = client.post("/fhir/ServiceRequest", data=json.dumps(service_request), headers=headers(gp_token))

    assert response.status_code == 201, response.get_json()
    with uow:
        referral = uow.referrals.by_public_id(response.get_json()["id"])
        assert referral is not None
        identifier = next(i for i in patient["identifier"] if i["system"] == "https://fhir.nhs.uk/Id/nhs-number")
        assert referral.patient.nhs_number == identifier["value"]
        assert referral.patient.nhs_number_verification == "01"
