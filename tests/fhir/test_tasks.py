"""The Task: how a GP system learns what became of its referral, by reading or polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from referral_service.fhir.resources import parse
from tests.fixtures.fhir import entries_of, gp_referral_bundle, headers


def referral_and_task(post_message: Callable[..., Any]) -> tuple[str, dict[str, Any]]:
    processed = post_message(gp_referral_bundle()).get_json()
    referral_id = entries_of(processed, "ServiceRequest")[0]["id"]
    task = next(t for t in entries_of(processed, "Task") if t.get("focus"))
    return referral_id, task


def test_the_task_is_readable_with_its_status_owner_and_patient(
    post_message: Callable[..., Any], client: FlaskClient, gp_token: str
) -> None:
    referral_id, created = referral_and_task(post_message)

    response = client.get(f"/fhir/Task/{created['id']}", headers=headers(gp_token))

    assert response.status_code == 200
    task = response.get_json()
    parse(task)
    assert task["status"] == "requested"
    assert task["businessStatus"]["coding"][0] == {
        "system": "https://referral-service.example.org/fhir/CodeSystem/referral-business-status",
        "code": "link-worker",
    }
    assert task["focus"] == {"reference": f"ServiceRequest/{referral_id}"}
    assert task["for"]["identifier"]["value"] == "9449306613"
    assert task["requester"]["identifier"]["value"] == "RND"


def test_search_by_focus_with_the_service_request_included(
    post_message: Callable[..., Any], client: FlaskClient, gp_token: str
) -> None:
    referral_id, task = referral_and_task(post_message)
    referral_and_task(post_message)  # another referral, not to be returned

    bundle = client.get(
        f"/fhir/Task?focus=ServiceRequest/{referral_id}&_include=Task:focus", headers=headers(gp_token)
    ).get_json()

    parse(bundle)
    assert bundle["total"] == 1
    assert [(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]] == [
        ("Task", "match"),
        ("ServiceRequest", "include"),
    ]
    assert bundle["entry"][0]["resource"]["id"] == task["id"]
    assert bundle["entry"][1]["resource"]["id"] == referral_id


def test_polling_with_last_updated_returns_only_what_changed_since(
    post_message: Callable[..., Any], client: FlaskClient, gp_token: str
) -> None:
    _, older = referral_and_task(post_message)
    time.sleep(0.01)
    _, newer = referral_and_task(post_message)

    since_older = client.get(f"/fhir/Task?_lastUpdated=gt{older['lastModified']}", headers=headers(gp_token)).get_json()
    everything = client.get("/fhir/Task?_lastUpdated=gt2020-01-01T00:00:00Z", headers=headers(gp_token)).get_json()

    assert [e["resource"]["id"] for e in since_older["entry"]] == [newer["id"]]
    assert [e["resource"]["id"] for e in everything["entry"]] == [older["id"], newer["id"]]


def test_another_client_gets_404_and_an_empty_search(
    post_message: Callable[..., Any], client: FlaskClient, gp_token: str, other_gp_token: str
) -> None:
    referral_id, task = referral_and_task(post_message)

    assert client.get(f"/fhir/Task/{task['id']}", headers=headers(other_gp_token)).status_code == 404
    assert (
        client.get(f"/fhir/Task?focus=ServiceRequest/{referral_id}", headers=headers(other_gp_token)).get_json()[
            "total"
        ]
        == 0
    )


def test_unsupported_task_searches_are_refused_clearly(client: FlaskClient, gp_token: str) -> None:
    for query, message in [
        ("_include=Task:owner", "Task:focus only"),
        ("_lastUpdated=yesterday", "not a FHIR dateTime"),
        ("owner=Organization/1", "unsupported search parameter"),
    ]:
        response = client.get(f"/fhir/Task?{query}", headers=headers(gp_token))
        assert response.status_code == 400, query
        assert message in response.get_json()["issue"][0]["diagnostics"]
