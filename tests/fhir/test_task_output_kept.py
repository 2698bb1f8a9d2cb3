"""What a provider's own system sends in Task.output is kept: the referrer reads it on the Task and
in the completion message, beside our own outputs (issue 14: PATCH answered 200 and dropped it)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from referral_service.domain.access import Actor
from referral_service.jobs.messages import ServiceIdentity, render
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import plain_referral

PATCH = "application/json-patch+json"
SESSIONS = {
    "type": {"coding": [{"system": "http://snomed.info/sct", "code": "298057009"}], "text": "sessions attended"},
    "valueInteger": 20,
}
SUMMARY = {"type": {"text": "provider's summary"}, "valueString": "Finished; now walks with the Tuesday group."}


def _headers(token: str, content_type: str = "application/fhir+json") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": content_type, "X-Request-Id": str(uuid.uuid4())}


def _token(client: FlaskClient, client_id: str, secret: str) -> str:
    grant = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return str(client.post("/oauth/token", data=grant).get_json()["access_token"])


@pytest.fixture
def provider_token(
    uow: UnitOfWork, client: FlaskClient, gp_token: str, directory: None, make_api_client: Callable[..., Actor]
) -> str:
    """Mersey Vale Leisure's own system; the GP system has an endpoint, so its messages are queued."""
    make_api_client("mvl-system", provider="mersey-vale-leisure", secret="provider-secret")
    with uow:
        gp = uow.access.api_client("gp-system")
        assert gp is not None
        gp.callback_url = "http://127.0.0.1:9/referrer"
    return _token(client, "mvl-system", "provider-secret")


@pytest.fixture
def offered_task(client: FlaskClient, gp_token: str, provider_token: str) -> dict[str, Any]:
    """A referral triage has offered to Mersey Vale Leisure, as the GP reads its Task."""
    created = client.post("/fhir/ServiceRequest", data=json.dumps(plain_referral()), headers=_headers(gp_token))
    assert created.status_code == 201, created.get_json()
    found = client.get(f"/fhir/Task?focus=ServiceRequest/{created.get_json()['id']}", headers=_headers(gp_token))
    task: dict[str, Any] = found.get_json()["entry"][0]["resource"]
    assert task["businessStatus"]["coding"][0]["code"] == "offered"
    return task


@pytest.fixture
def started_task(
    client: FlaskClient, gp_token: str, provider_token: str, offered_task: dict[str, Any]
) -> dict[str, Any]:
    """The referral accepted and started (5.1.1), as the GP reads its Task."""
    task_id = offered_task["id"]
    for operations in (
        [{"op": "replace", "path": "/status", "value": "accepted"}],
        [
            {"op": "replace", "path": "/status", "value": "in-progress"},
            {"op": "replace", "path": "/businessStatus", "value": {"coding": [{"code": "5.1.1"}]}},
        ],
    ):
        assert _patch(client, provider_token, task_id, operations).status_code == 200
    task: dict[str, Any] = client.get(f"/fhir/Task/{task_id}", headers=_headers(gp_token)).get_json()
    return task


def _patch(client: FlaskClient, token: str, task_id: str, operations: list[dict[str, Any]]) -> Any:
    return client.patch(f"/fhir/Task/{task_id}", data=json.dumps(operations), headers=_headers(token, PATCH))


def _completion_message(uow: UnitOfWork, service_request_id: str) -> dict[str, Any]:
    """The queued completion message, rendered from its snapshot as the delivery renders it."""
    with uow:
        referral = uow.referrals.by_public_id(service_request_id)
        assert referral is not None
        [message] = [m for m in uow.outbox.for_referral(referral.id) if m.message_type == "completed"]
        snapshot = json.loads(message.payload)
    bundle: dict[str, Any] = json.loads(render(snapshot, ServiceIdentity("X99001", "https://referrals.example.org")))
    return bundle


def test_the_output_a_provider_sends_reaches_the_referrer(
    client: FlaskClient, uow: UnitOfWork, gp_token: str, provider_token: str, started_task: dict[str, Any]
) -> None:
    completed = _patch(
        client,
        provider_token,
        started_task["id"],
        [
            {"op": "replace", "path": "/status", "value": "completed"},
            {"op": "add", "path": "/output", "value": [SESSIONS, SUMMARY]},
        ],
    )
    assert completed.status_code == 200, completed.get_json()

    seen_by_gp = client.get(f"/fhir/Task/{started_task['id']}", headers=_headers(gp_token)).get_json()
    assert seen_by_gp["status"] == "completed"
    assert seen_by_gp["output"] == [SESSIONS, SUMMARY]
    assert int(seen_by_gp["meta"]["versionId"]) == int(started_task["meta"]["versionId"]) + 1  # one change

    message = _completion_message(uow, started_task["focus"]["reference"].removeprefix("ServiceRequest/"))
    [task] = [e["resource"] for e in message["entry"] if e["resource"]["resourceType"] == "Task"]
    assert task["output"][0]["type"] == {"text": "outcome report"}  # ours, first
    assert task["output"][-2:] == [SESSIONS, SUMMARY]  # then the provider's, as sent


def test_an_output_alone_is_kept_and_is_a_new_version(
    client: FlaskClient, gp_token: str, provider_token: str, started_task: dict[str, Any]
) -> None:
    response = _patch(
        client, provider_token, started_task["id"], [{"op": "add", "path": "/output", "value": [SUMMARY]}]
    )
    assert response.status_code == 200, response.get_json()

    seen_by_gp = client.get(f"/fhir/Task/{started_task['id']}", headers=_headers(gp_token)).get_json()
    assert seen_by_gp["output"] == [SUMMARY]
    assert seen_by_gp["businessStatus"] == started_task["businessStatus"]
    assert int(seen_by_gp["meta"]["versionId"]) == int(started_task["meta"]["versionId"]) + 1
    again = _patch(client, provider_token, started_task["id"], [{"op": "add", "path": "/output", "value": [SUMMARY]}])
    assert again.get_json()["meta"]["versionId"] == seen_by_gp["meta"]["versionId"]  # a replay changes nothing


@pytest.mark.parametrize(
    ("output", "expression", "message"),
    [
        ([{"valueString": "no type"}], "Task.output[0].type", "Task.output[0].type is required"),
        ([SUMMARY, {"type": "sessions", "valueInteger": 3}], "Task.output[1].type", "must be a CodeableConcept"),
        ([{"type": {"text": "sessions"}}], "Task.output[0]", "exactly one value[x]"),
        (
            [{"type": {"text": "sessions"}, "valueInteger": 3, "valueString": "3"}],
            "Task.output[0]",
            "found valueInteger and valueString",
        ),
        ([{"type": {"text": "sessions"}, "valueInteger": "twenty"}], "Task.output[0].valueInteger", "integer"),
        ([{"type": {"text": "sessions"}, "valueSessions": 3}], "Task.output[0].valueSessions", "not permitted"),
        ([{"type": {"coding": "298057009"}, "valueInteger": 3}], "Task.output[0].type.coding", "valid list"),
    ],
)
def test_a_malformed_output_is_refused_naming_the_element(
    client: FlaskClient,
    gp_token: str,
    provider_token: str,
    started_task: dict[str, Any],
    output: list[Any],
    expression: str,
    message: str,
) -> None:
    response = _patch(
        client,
        provider_token,
        started_task["id"],
        [{"op": "replace", "path": "/status", "value": "completed"}, {"op": "add", "path": "/output", "value": output}],
    )

    assert response.status_code == 400, response.get_json()
    issue = response.get_json()["issue"][0]
    assert issue["expression"] == [expression]
    assert message in issue["diagnostics"]
    after = client.get(f"/fhir/Task/{started_task['id']}", headers=_headers(gp_token)).get_json()
    assert (after["status"], after["meta"]["versionId"]) == ("in-progress", started_task["meta"]["versionId"])
    assert "output" not in after


def test_a_declining_provider_s_output_does_not_follow_the_referral(
    client: FlaskClient, gp_token: str, provider_token: str, offered_task: dict[str, Any]
) -> None:
    kept = _patch(client, provider_token, offered_task["id"], [{"op": "add", "path": "/output", "value": [SUMMARY]}])
    assert kept.status_code == 200, kept.get_json()
    assert kept.get_json()["output"] == [SUMMARY]

    declined = _patch(
        client,
        provider_token,
        offered_task["id"],
        [
            {"op": "replace", "path": "/status", "value": "rejected"},
            {"op": "replace", "path": "/statusReason", "value": {"coding": [{"code": "no-capacity"}]}},
        ],
    )

    assert declined.status_code == 200, declined.get_json()
    seen_by_gp = client.get(f"/fhir/Task/{offered_task['id']}", headers=_headers(gp_token)).get_json()
    assert seen_by_gp["businessStatus"]["coding"][0]["code"] == "link-worker"  # nobody else serves SK4
    assert "output" not in seen_by_gp  # what Mersey Vale wrote is in the history, not on the next owner's Task
