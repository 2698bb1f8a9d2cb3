"""FHIR API fixtures: a registered GP system with a bearer token, and the public conformance examples."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import register_api_client
from referral_service.services.passwords import password_hasher

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
OUR_ENDPOINT = "https://fhir.nhs.uk/Id/dos-service-id|900000001"
OUR_ODS = "X99001"
USE_CASE_SYSTEM = "https://referral-service.example.org/fhir/CodeSystem/usecase-categories"
VALID_NHS_NUMBER = "9449306613"
SECOND_NHS_NUMBER = "9000000009"


def conformance(name: str) -> dict[str, Any]:
    path = CONFORMANCE / name
    if not path.exists():
        pytest.fail(f"conformance example {path} is missing: CI lays ../shared beside the project")
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def headers(token: str, request_id: str | None = None, correlation_id: str | None = None) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/fhir+json",
        "X-Request-Id": request_id or str(uuid.uuid4()),
        "X-Correlation-Id": correlation_id or str(uuid.uuid4()),
    }


def entries_of(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def addressed_to_us(bundle: dict[str, Any]) -> dict[str, Any]:
    """A BaRS example re-addressed to this service: our endpoint, and our ODS code on the receiver."""
    bundle = copy.deepcopy(bundle)
    header = bundle["entry"][0]["resource"]
    destination = header["destination"][0]
    destination["endpoint"] = OUR_ENDPOINT
    receiver_url = destination["receiver"]["reference"]
    for entry in bundle["entry"]:
        if entry.get("fullUrl") == receiver_url:
            entry["resource"]["identifier"] = [
                {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": OUR_ODS}
            ]
    return bundle


def with_nhs_number(bundle: dict[str, Any], nhs_number: str) -> dict[str, Any]:
    for patient in entries_of(bundle, "Patient"):
        for identifier in patient.get("identifier", []):
            if identifier["system"] == "https://fhir.nhs.uk/Id/nhs-number":
                identifier["value"] = nhs_number
    return bundle


def with_our_use_case(bundle: dict[str, Any], code: str = "active-pathway") -> dict[str, Any]:
    for service_request in entries_of(bundle, "ServiceRequest"):
        for category in service_request.get("category", []):
            for coding in category.get("coding", []):
                if coding["system"] == "https://fhir.nhs.uk/CodeSystem/usecases-categories-bars":
                    coding.update(system=USE_CASE_SYSTEM, code=code, display=code)
    return bundle


def gp_referral_bundle(nhs_number: str = VALID_NHS_NUMBER) -> dict[str, Any]:
    """The BaRS GP referral example with the three changes that make it one of ours."""
    bundle = conformance("bars-referral-request-gp-to-pharmacy.json")
    bundle["id"] = str(uuid.uuid4())  # each test sends its own message
    return with_our_use_case(with_nhs_number(addressed_to_us(bundle), nhs_number))


@pytest.fixture
def gp_token(uow: UnitOfWork, client: FlaskClient) -> str:
    """A GP system registered for the practices in the examples (RND sends the BaRS example)."""
    with uow:
        register_api_client(
            uow,
            client_id="gp-system",
            name="Test GP system",
            hasher=password_hasher("fast"),
            practices=("RND", "P88001"),
            secret="gp-system-secret",
        )
    return token_for(client, "gp-system", "gp-system-secret")


@pytest.fixture
def other_gp_token(uow: UnitOfWork, client: FlaskClient) -> str:
    with uow:
        register_api_client(
            uow,
            client_id="other-gp",
            name="Another GP system",
            hasher=password_hasher("fast"),
            practices=("RND",),
            secret="other-gp-secret",
        )
    return token_for(client, "other-gp", "other-gp-secret")


def token_for(client: FlaskClient, client_id: str, secret: str) -> str:
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["access_token"])


@pytest.fixture
def post_message(client: FlaskClient, gp_token: str) -> Callable[..., Any]:
    def post(bundle: dict[str, Any], **header_values: str) -> Any:
        return client.post(
            "/fhir/$process-message", data=json.dumps(bundle), headers=headers(gp_token, **header_values)
        )

    return post
