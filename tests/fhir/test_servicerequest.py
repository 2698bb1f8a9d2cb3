"""POST /fhir/ServiceRequest (conditional create on identifier), read and search; a client sees only its own."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from referral_service.fhir.resources import parse
from referral_service.persistence.models import AuditEvent, Referral
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import NHS, SECOND_NHS_NUMBER, headers, plain_referral


def post(client: FlaskClient, token: str, body: dict[str, Any], **extra: str) -> Any:
    return client.post("/fhir/ServiceRequest", data=json.dumps(body), headers={**headers(token), **extra})


def test_a_new_referral_is_201_with_location_and_its_evidence_is_kept(
    client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    response = post(client, gp_token, plain_referral())

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    parse(body)
    assert response.headers["Location"].endswith(f"/fhir/ServiceRequest/{body['id']}")
    assert body["status"] == "active"
    with uow:
        referral = uow.referrals.by_public_id(body["id"])
        assert referral is not None
        assert referral.pathway_code == "390893007"
        assert referral.priority == "urgent"
        assert referral.patient.postcode == "SK4 1AA"
        assert referral.evidence["conditions"] == [{"code": "38341003", "recorded_on": "2019-05-01"}]
        assert referral.evidence["preferences"] == ["mvl-exercise-referral", "Mersey Vale exercise referral"]
        assert {m["kind"]: (m["value"], m["second_value"]) for m in referral.evidence["measurements"]} == {
            "bmi": (31.5, None),
            "blood_pressure": (150.0, 95.0),
            "activity_minutes_per_week": (20.0, None),
        }
        assert referral.task.status == "requested"


def test_posting_the_same_identifier_again_returns_the_first_referral(
    client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    identifier = str(uuid.uuid4())
    first = post(client, gp_token, plain_referral(identifier))

    again = post(client, gp_token, plain_referral(identifier))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Referral)) == 1


def test_an_identifier_is_required(client: FlaskClient, gp_token: str) -> None:
    body = plain_referral()
    del body["identifier"]
    response = post(client, gp_token, body)
    assert response.status_code == 400
    [error] = [i for i in response.get_json()["issue"] if i["severity"] == "error"]
    assert (error["code"], error["expression"]) == ("required", ["ServiceRequest.identifier"])


def test_prefer_operation_outcome_returns_the_warnings(client: FlaskClient, gp_token: str) -> None:
    body = plain_referral()
    body["supportingInfo"].append({"reference": "Observation/elsewhere"})
    response = post(client, gp_token, body, Prefer="return=OperationOutcome")
    assert response.status_code == 201
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any("only contained resources are read" in i["diagnostics"] for i in outcome["issue"])


def test_read_and_search_by_identifier_and_nhs_number(client: FlaskClient, gp_token: str, uow: UnitOfWork) -> None:
    identifier = str(uuid.uuid4())
    created = post(client, gp_token, plain_referral(identifier)).get_json()

    read = client.get(f"/fhir/ServiceRequest/{created['id']}", headers=headers(gp_token))
    by_identifier = client.get(
        f"/fhir/ServiceRequest?identifier=https://emis.example.org/referrals|{identifier}", headers=headers(gp_token)
    )
    by_patient = client.get(
        f"/fhir/ServiceRequest?patient:identifier={NHS}|{SECOND_NHS_NUMBER}", headers=headers(gp_token)
    )

    assert read.status_code == 200
    assert read.get_json()["id"] == created["id"]
    assert read.headers["ETag"] == 'W/"1"'  # received and triaged in one write: the first version anyone sees
    for search in (by_identifier, by_patient):
        bundle = search.get_json()
        parse(bundle)
        assert (bundle["type"], bundle["total"]) == ("searchset", 1)
        assert bundle["entry"][0]["resource"]["id"] == created["id"]
    with uow:
        reads = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(a.action, a.resource_type, a.actor_id) for a in reads][-3:] == [
            ("read", "ServiceRequest", "gp-system"),
            ("search", "ServiceRequest", "gp-system"),
            ("search", "ServiceRequest", "gp-system"),
        ]


def test_another_client_cannot_see_the_referral(client: FlaskClient, gp_token: str, other_gp_token: str) -> None:
    identifier = str(uuid.uuid4())
    created = post(client, gp_token, plain_referral(identifier)).get_json()

    read = client.get(f"/fhir/ServiceRequest/{created['id']}", headers=headers(other_gp_token))
    search = client.get(f"/fhir/ServiceRequest?identifier={identifier}", headers=headers(other_gp_token))

    assert read.status_code == 404
    assert read.get_json()["issue"][0]["code"] == "not-found"
    assert search.get_json()["total"] == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "search by identifier"),
        ("?name=Jones", "unsupported search parameter"),
        ("?patient:identifier=x|", "needs a value"),
    ],
)
def test_bad_searches_are_explained(client: FlaskClient, gp_token: str, query: str, message: str) -> None:
    response = client.get(f"/fhir/ServiceRequest{query}", headers=headers(gp_token))
    assert response.status_code == 400
    assert message in response.get_json()["issue"][0]["diagnostics"]
