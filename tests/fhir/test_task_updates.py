"""Providers' own systems move their Tasks over FHIR, under the same lifecycle as the portal."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from referral_service.domain.access import Actor
from tests.fixtures.fhir import headers, plain_referral, token_for

PATCH = "application/json-patch+json"


@pytest.fixture
def provider_token(directory: None, make_api_client: Callable[..., Actor], client: FlaskClient) -> str:
    for client_id, slug in (("mvl-system", "mersey-vale-leisure"), ("gva-system", "goyt-valley-active")):
        make_api_client(client_id, provider=slug, secret="provider-secret", name=slug)
    return token_for(client, "mvl-system", "provider-secret")


@pytest.fixture
def offered_task(client: FlaskClient, gp_token: str, provider_token: str) -> dict[str, Any]:
    created = client.post(
        "/fhir/ServiceRequest", data=json.dumps(plain_referral()), headers=headers(gp_token)
    ).get_json()
    bundle = client.get(f"/fhir/Task?focus=ServiceRequest/{created['id']}", headers=headers(gp_token)).get_json()
    task: dict[str, Any] = bundle["entry"][0]["resource"]
    assert (task["businessStatus"]["coding"][0]["code"], task["owner"]["display"]) == (
        "offered",
        "Mersey Vale Leisure Trust",
    )
    return task


def patch(client: FlaskClient, token: str, task_id: str, *operations: dict[str, Any], **extra: str) -> Any:
    return client.patch(
        f"/fhir/Task/{task_id}",
        data=json.dumps(list(operations)),
        headers={**headers(token), "Content-Type": PATCH, **extra},
    )


def status(value: str) -> dict[str, Any]:
    return {"op": "replace", "path": "/status", "value": value}


def business(code: str) -> dict[str, Any]:
    return {"op": "replace", "path": "/businessStatus", "value": {"coding": [{"code": code}]}}


def test_the_provider_works_the_referral_and_the_gp_sees_each_step(
    client: FlaskClient, gp_token: str, provider_token: str, offered_task: dict[str, Any]
) -> None:
    task_id = offered_task["id"]
    steps = [
        ((status("accepted"),), ("accepted", "3.0")),
        ((status("in-progress"), business("5.1.1")), ("in-progress", "5.1.1")),
        ((business("5.1.4"),), ("in-progress", "5.1.4")),
        ((business("5.1.2"),), ("in-progress", "5.1.2")),
        (
            (
                status("completed"),
                {"op": "add", "path": "/output", "value": [{"type": {"text": "sessions"}, "valueInteger": 20}]},
            ),
            ("completed", "7.0"),
        ),
    ]
    for operations, expected in steps:
        response = patch(client, provider_token, task_id, *operations)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert (body["status"], body["businessStatus"]["coding"][0]["code"]) == expected
    seen_by_gp = client.get(f"/fhir/Task/{task_id}", headers=headers(gp_token)).get_json()
    # version 1: received and offered in one write; then one version for each of the five steps
    assert (seen_by_gp["status"], seen_by_gp["meta"]["versionId"]) == ("completed", "6")


def test_a_decline_offers_the_referral_elsewhere(
    client: FlaskClient, gp_token: str, provider_token: str, offered_task: dict[str, Any]
) -> None:
    response = patch(
        client,
        provider_token,
        offered_task["id"],
        status("rejected"),
        {
            "op": "replace",
            "path": "/statusReason",
            "value": {"coding": [{"code": "no-capacity"}], "text": "pool closed"},
        },
    )
    assert response.status_code == 200
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert client.get(f"/fhir/Task/{offered_task['id']}", headers=headers(provider_token)).status_code == 404
    now = client.get(f"/fhir/Task/{offered_task['id']}", headers=headers(gp_token)).get_json()
    assert now["businessStatus"]["coding"][0]["code"] == "link-worker"  # nobody else serves SK4


def test_only_the_owner_s_system_may_update(
    client: FlaskClient, gp_token: str, provider_token: str, offered_task: dict[str, Any]
) -> None:
    other = token_for(client, "gva-system", "provider-secret")
    assert patch(client, other, offered_task["id"], status("accepted")).status_code == 404
    gp = patch(client, gp_token, offered_task["id"], status("accepted"))
    assert gp.status_code == 403


@pytest.mark.parametrize(
    ("operations", "status_code", "message"),
    [
        ([{"op": "replace", "path": "/owner", "value": {"display": "me"}}], 400, "may change only"),
        ([{"op": "remove", "path": "/status"}], 400, "only replace and add"),
        ([status("completed")], 409, "cannot complete"),
        ([status("draft")], 422, "cannot set a Task to draft"),
        ([status("in-progress"), business("9.9")], 422, "5.1.1, 5.1.4 or 5.1.2"),
        ([{"op": "replace", "path": "/businessStatus", "value": "5.1.4"}], 400, "must be a CodeableConcept"),
        ([status("rejected"), {"op": "add", "path": "/statusReason", "value": ["busy"]}], 400, "CodeableConcept"),
        ([{"op": "add", "path": "/output", "value": ["sessions"]}], 400, "a list of outputs"),
        ([{"op": "replace", "path": "/status", "value": 5}], 400, "unknown Task.status"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(
    client: FlaskClient,
    provider_token: str,
    offered_task: dict[str, Any],
    operations: list[dict[str, Any]],
    status_code: int,
    message: str,
) -> None:
    response = patch(client, provider_token, offered_task["id"], *operations)
    assert response.status_code == status_code, response.get_json()
    assert message in response.get_json()["issue"][0]["diagnostics"]
    after = client.get(f"/fhir/Task/{offered_task['id']}", headers=headers(provider_token)).get_json()
    assert after["meta"]["versionId"] == offered_task["meta"]["versionId"]


def test_put_changes_only_what_a_provider_may(
    client: FlaskClient, provider_token: str, offered_task: dict[str, Any]
) -> None:
    current = client.get(f"/fhir/Task/{offered_task['id']}", headers=headers(provider_token)).get_json()
    moved = {**current, "owner": {"display": "Somebody else"}}
    refused = client.put(f"/fhir/Task/{current['id']}", data=json.dumps(moved), headers=headers(provider_token))
    assert refused.status_code == 400
    assert refused.get_json()["issue"][0]["expression"] == ["Task.owner"]

    stale = client.put(
        f"/fhir/Task/{current['id']}",
        data=json.dumps({**current, "status": "accepted"}),
        headers={**headers(provider_token), "If-Match": f'W/"{int(current["meta"]["versionId"]) + 1}"'},
    )
    assert stale.status_code == 412  # not the Task's version now

    accepted = client.put(
        f"/fhir/Task/{current['id']}",
        data=json.dumps({**current, "status": "accepted"}),
        headers={**headers(provider_token), "If-Match": f'W/"{current["meta"]["versionId"]}"'},
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
