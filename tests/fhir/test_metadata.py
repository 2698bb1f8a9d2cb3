"""The CapabilityStatement tells the truth about what is served; MessageDefinitions are published."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from referral_service.fhir.resources import parse
from tests.fixtures.fhir import headers


def test_metadata_is_public_and_valid_r4(client: FlaskClient) -> None:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.content_type == "application/fhir+json"
    statement = response.get_json()
    parse(statement)
    assert statement["fhirVersion"] == "4.0.1"
    assert {m["definition"] for m in statement["messaging"][0]["supportedMessage"]} == {
        "https://referral-service.example.org/fhir/MessageDefinition/referral-request",
        "https://referral-service.example.org/fhir/MessageDefinition/referral-cancellation",
    }


def test_every_route_is_declared_and_nothing_more(app: Flask, client: FlaskClient) -> None:
    rest = client.get("/fhir/metadata").get_json()["rest"][0]
    declared = {(r["type"], i["code"]) for r in rest["resource"] for i in r["interaction"]}
    assert declared == {
        ("ServiceRequest", "create"),
        ("ServiceRequest", "read"),
        ("ServiceRequest", "search-type"),
        ("Task", "read"),
        ("Task", "search-type"),
        ("Task", "patch"),
        ("Task", "update"),
        ("HealthcareService", "read"),
        ("HealthcareService", "search-type"),
        ("Organization", "read"),
        ("Location", "read"),
        ("MessageDefinition", "search-type"),
        ("Communication", "create"),
        ("OperationDefinition", "read"),
    }
    assert sorted(o["name"] for o in rest["operation"]) == ["process-message", "triage"]
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/fhir/")}
    assert routes == {
        "/fhir/metadata",
        "/fhir/$process-message",
        "/fhir/ServiceRequest",
        "/fhir/ServiceRequest/<referral_id>",
        "/fhir/ServiceRequest/$triage",
        "/fhir/Communication",
        "/fhir/OperationDefinition/<definition_id>",
        "/fhir/Task",
        "/fhir/Task/<task_id>",
        "/fhir/MessageDefinition",
        "/fhir/HealthcareService",
        "/fhir/HealthcareService/<service_id>",
        "/fhir/Organization/<organisation_id>",
        "/fhir/Location/<location_id>",
    }
    healthcare = next(r for r in rest["resource"] if r["type"] == "HealthcareService")
    assert {p["name"] for p in healthcare["searchParam"]} == {
        "_id",
        "active",
        "service-category",
        "organization",
        "location.address-postalcode",
        "_lastUpdated",
    }
    task = next(r for r in rest["resource"] if r["type"] == "Task")
    assert {p["name"] for p in task["searchParam"]} == {"_id", "focus", "_lastUpdated"}
    assert task["searchInclude"] == ["Task:focus"]


def test_message_definitions_are_published_with_our_use_cases(client: FlaskClient, gp_token: str) -> None:
    bundle = client.get("/fhir/MessageDefinition", headers=headers(gp_token)).get_json()
    parse(bundle)
    assert bundle["total"] == 2
    request_definition = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "referral-request")
    codes = {u["valueCodeableConcept"]["coding"][0]["code"] for u in request_definition["useContext"]}
    assert codes == {"social-prescribing", "active-pathway"}
    one = client.get(
        "/fhir/MessageDefinition?url=https://referral-service.example.org/fhir/MessageDefinition/referral-cancellation",
        headers=headers(gp_token),
    ).get_json()
    assert [e["resource"]["id"] for e in one["entry"]] == ["referral-cancellation"]


def test_unknown_fhir_urls_and_methods_are_operation_outcomes(client: FlaskClient, gp_token: str) -> None:
    missing = client.get("/fhir/Patient/123", headers=headers(gp_token))
    wrong_method = client.delete("/fhir/metadata")
    for response, status, code in [(missing, 404, "REC_NOT_FOUND"), (wrong_method, 405, "REC_METHOD_NOT_ALLOWED")]:
        assert response.status_code == status
        assert response.content_type == "application/fhir+json"
        outcome = response.get_json()
        parse(outcome)
        assert outcome["issue"][0]["details"]["coding"][0]["code"] == code
