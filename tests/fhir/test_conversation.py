"""The conversation with the referrer runs both ways: an `update` message with new facts and an
answer to a link worker's question reach the referral, are kept with their source, and a referral
waiting in the link-worker queue is triaged again and offered; stale or foreign updates change nothing."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from referral_service.fhir.profiles import BARS_REFERRAL_DEFINITION
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import (
    SECOND_NHS_NUMBER,
    addressed_to_us,
    conformance,
    headers,
    plain_referral,
    with_nhs_number,
)

pytestmark = pytest.mark.usefixtures("directory")
FACTS = ("bmi", "bp")


def without_facts() -> dict[str, Any]:
    """The README's referral without its blood pressure and BMI: no service can be sure, so a person decides."""
    referral = plain_referral()
    referral["contained"] = [r for r in referral["contained"] if r["id"] not in FACTS]
    referral["supportingInfo"] = [{"reference": "#activity"}]
    return referral


def the_facts() -> list[dict[str, Any]]:
    return [copy.deepcopy(r) for r in plain_referral()["contained"] if r["id"] in FACTS]


def update_message(referral_id: str, sent_at: str, facts: list[dict[str, Any]]) -> dict[str, Any]:
    """A BaRS update (reason `update`, the referral's MessageDefinition) for our ServiceRequest, carrying
    the facts as Observations in the Bundle."""
    bundle = with_nhs_number(addressed_to_us(conformance("bars-referral-cancel-revoked.json")), SECOND_NHS_NUMBER)
    bundle["id"] = str(uuid.uuid4())
    bundle["timestamp"] = sent_at
    header = bundle["entry"][0]["resource"]
    header["definition"] = BARS_REFERRAL_DEFINITION
    service_request = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest")
    service_request.update(id=referral_id, status="active", meta={"lastUpdated": sent_at})
    for fact in facts:
        fact.pop("id")
        bundle["entry"].append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": fact})
    return bundle


def business_status(client: FlaskClient, token: str, referral_id: str) -> tuple[str, str]:
    found = client.get(f"/fhir/Task?focus=ServiceRequest/{referral_id}", headers=headers(token)).get_json()
    task = found["entry"][0]["resource"]
    return task["businessStatus"]["coding"][0]["code"], task.get("owner", {}).get("display", "")


@pytest.fixture
def queued(client: FlaskClient, gp_token: str) -> str:
    response = client.post("/fhir/ServiceRequest", data=json.dumps(without_facts()), headers=headers(gp_token))
    assert response.status_code == 201, response.get_json()
    referral_id = str(response.get_json()["id"])
    assert business_status(client, gp_token, referral_id)[0] == "link-worker"
    return referral_id


def counts(uow: UnitOfWork, referral_id: str) -> tuple[int, int, str]:
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        return (
            len(uow.referrals.events(referral)),
            len(referral.evidence["measurements"]),
            referral.task.business_status,
        )


def test_an_update_with_new_facts_is_applied_and_the_referral_triaged_again_and_offered(
    queued: str, client: FlaskClient, gp_token: str, post_message: Callable[..., Any], uow: UnitOfWork
) -> None:
    response = post_message(update_message(queued, "2026-11-30T10:00:00+00:00", the_facts()))

    assert response.status_code == 200, response.get_json()
    status, owner = business_status(client, gp_token, queued)
    assert status == "offered" and owner
    with uow:
        referral = uow.referrals.by_public_id(queued)
        assert referral is not None
        added = [m for m in referral.evidence["measurements"] if m.get("source") == "update"]
        assert {m["kind"] for m in added} == {"bmi", "blood_pressure"}
        assert all(m["received_at"] and m["request_id"] for m in added)
        kinds = [event.event_type for event in uow.referrals.events(referral)]
        assert kinds[-3:] == ["to-link-worker", "updated-by-referrer", "offered"]


def test_a_stale_update_is_refused_with_the_bars_conflict_code_and_changes_nothing(
    queued: str, post_message: Callable[..., Any], uow: UnitOfWork
) -> None:
    before = counts(uow, queued)

    response = post_message(update_message(queued, "2026-11-20T10:00:00+00:00", the_facts()))  # before authoredOn

    assert response.status_code == 409, response.get_json()
    (issue,) = response.get_json()["issue"]
    assert issue["code"] == "conflict"
    assert issue["details"]["coding"][0]["code"] == "REC_CONFLICT"
    assert counts(uow, queued) == before


def test_an_update_older_than_the_last_one_applied_is_stale(
    queued: str, post_message: Callable[..., Any], uow: UnitOfWork
) -> None:
    first = post_message(update_message(queued, "2026-11-30T10:00:00+00:00", the_facts()[:1]))
    assert first.status_code == 200, first.get_json()
    after_first = counts(uow, queued)

    older = post_message(update_message(queued, "2026-11-29T10:00:00+00:00", the_facts()[1:]))

    assert older.status_code == 409
    assert counts(uow, queued) == after_first


def test_an_update_for_a_referral_that_is_not_ours_is_404_and_another_practice_cannot_update(
    queued: str, client: FlaskClient, other_gp_token: str, post_message: Callable[..., Any], uow: UnitOfWork
) -> None:
    before = counts(uow, queued)

    unknown = post_message(update_message(str(uuid.uuid4()), "2026-11-30T10:00:00+00:00", the_facts()))
    foreign = client.post(
        "/fhir/$process-message",
        data=json.dumps(update_message(queued, "2026-11-30T10:00:00+00:00", the_facts())),
        headers=headers(other_gp_token),
    )

    for response in (unknown, foreign):
        assert response.status_code == 404, response.get_json()
        assert response.get_json()["issue"][0]["details"]["coding"][0]["code"] == "REC_NOT_FOUND"
    assert counts(uow, queued) == before


def test_an_update_with_no_facts_and_no_cancellation_is_refused(queued: str, post_message: Callable[..., Any]) -> None:
    response = post_message(update_message(queued, "2026-11-30T10:00:00+00:00", []))

    assert response.status_code in (400, 422)
    assert "new facts" in response.get_json()["issue"][0]["diagnostics"]
