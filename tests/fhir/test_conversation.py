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
from sqlalchemy import select

from referral_service.fhir.profiles import BARS_REFERRAL_DEFINITION
from referral_service.jobs.messages import ServiceIdentity, render
from referral_service.persistence.models import AuditEvent, OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import (
    SECOND_NHS_NUMBER,
    addressed_to_us,
    conformance,
    headers,
    plain_referral,
    with_nhs_number,
)
from tests.fixtures.portal import People, sign_in, submit

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


def high_blood_pressure() -> dict[str, Any]:
    """The README's referral with a blood pressure too high for any exercise service: a person decides."""
    referral = plain_referral()
    bp = next(r for r in referral["contained"] if r["id"] == "bp")
    bp["component"][0]["valueQuantity"]["value"], bp["component"][1]["valueQuantity"]["value"] = 185, 115
    return referral


def answer(
    referral_id: str, question_id: str, words: str | None, *, bp: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The GP system's answer: a Communication about our ServiceRequest, based on our CommunicationRequest."""
    communication: dict[str, Any] = {
        "resourceType": "Communication",
        "status": "completed",
        "basedOn": [{"reference": f"CommunicationRequest/{question_id}"}],
        "about": [{"reference": f"ServiceRequest/{referral_id}"}],
        "sent": "2026-11-30T11:00:00+00:00",
        "payload": [{"contentString": words}] if words else [],
    }
    if bp is not None:
        reading = copy.deepcopy(next(r for r in plain_referral()["contained"] if r["id"] == "bp"))
        reading["effectiveDateTime"] = "2026-11-30T09:00:00Z"
        reading["component"][0]["valueQuantity"]["value"], reading["component"][1]["valueQuantity"]["value"] = bp
        communication["contained"] = [reading]
        communication["payload"].append({"contentReference": {"reference": "#bp"}})
    return communication


def ask(client: FlaskClient, people: People, uow: UnitOfWork, referral_id: str, question: str) -> str:
    """The link worker asks through the portal; the id of the CommunicationRequest that goes out."""
    sign_in(client, people.link_worker)
    assert submit(client, f"/portal/link-worker/{referral_id}/ask", {"question": question}).status_code == 302
    with uow:
        message = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_type == "information-requested")
        ).one()
        bundle = json.loads(render(json.loads(message.payload), ServiceIdentity("X99001", "endpoint")))
    return str(
        next(e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CommunicationRequest")
    )


@pytest.fixture
def asked(client: FlaskClient, gp_token: str, people: People, uow: UnitOfWork) -> tuple[str, str]:
    with uow:  # the question goes out only to a referrer with an endpoint
        gp = uow.access.api_client("gp-system")
        assert gp is not None
        gp.callback_url = "http://127.0.0.1:9/referrer"
    response = client.post("/fhir/ServiceRequest", data=json.dumps(high_blood_pressure()), headers=headers(gp_token))
    assert response.status_code == 201, response.get_json()
    referral_id = str(response.get_json()["id"])
    assert business_status(client, gp_token, referral_id)[0] == "link-worker"
    return referral_id, ask(
        client, people, uow, referral_id, "Please send a reading taken after the medication change."
    )


def post_answer(client: FlaskClient, token: str, communication: dict[str, Any]) -> Any:
    return client.post("/fhir/Communication", data=json.dumps(communication), headers=headers(token))


def test_an_answer_in_words_is_shown_to_the_link_worker_in_the_queue_and_on_the_referral(
    asked: tuple[str, str], client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    referral_id, question = asked
    words = "The medication was changed on 20 November; a new reading is booked for next week."

    response = post_answer(client, gp_token, answer(referral_id, question, words))

    assert response.status_code == 201, response.get_json()
    assert business_status(client, gp_token, referral_id)[0] == "link-worker"  # words alone: a person decides
    queue = client.get("/portal/link-worker").get_data(as_text=True)
    page = client.get(f"/portal/referrals/{referral_id}").get_data(as_text=True)
    assert words in queue
    assert "Answer from the referrer" in page and words in page
    assert "Please send a reading taken after the medication change." in page
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        audited = [a.action for a in uow.session.scalars(select(AuditEvent)) if a.resource_id == referral_id]
        assert "answer" in audited


def test_an_answer_with_a_new_reading_re_triages_the_referral_and_it_is_offered(
    asked: tuple[str, str], client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    referral_id, question = asked

    response = post_answer(client, gp_token, answer(referral_id, question, "Taken today.", bp=(135, 85)))

    assert response.status_code == 201, response.get_json()
    status, owner = business_status(client, gp_token, referral_id)
    assert status == "offered" and owner
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        kinds = [event.event_type for event in uow.referrals.events(referral)]
        assert kinds[-2:] == ["answered-by-referrer", "offered"]


def test_only_the_referrer_may_answer_and_only_a_question_we_asked(
    asked: tuple[str, str], client: FlaskClient, gp_token: str, other_gp_token: str, uow: UnitOfWork
) -> None:
    referral_id, question = asked
    before = counts(uow, referral_id)

    foreign = post_answer(client, other_gp_token, answer(referral_id, question, "Not my patient.", bp=(120, 80)))
    first = post_answer(client, gp_token, answer(referral_id, question, "Here it is."))
    again = post_answer(client, gp_token, answer(referral_id, question, "And again."))

    assert foreign.status_code == 404
    assert first.status_code == 201
    assert again.status_code == 422 and "no question" in again.get_json()["issue"][0]["diagnostics"]
    assert counts(uow, referral_id)[0] == before[0] + 1  # the one answer; nothing from the others


def test_an_answer_inside_an_update_message_is_recorded_as_the_answer_and_re_triages(
    asked: tuple[str, str], client: FlaskClient, gp_token: str, post_message: Callable[..., Any], uow: UnitOfWork
) -> None:
    """BaRS carries Communications in the referral's message: one based on our question is its answer."""
    referral_id, question = asked
    reading = answer(referral_id, question, None, bp=(132, 84))["contained"]
    message = update_message(referral_id, "2026-11-30T12:00:00+00:00", reading)
    words = "Reading taken after the change of medication."
    communication = answer(referral_id, question, words)
    communication["about"] = [{"reference": "urn:uuid:236bb75d-90ef-461f-b71e-fde7f899802c"}]  # the Bundle's own
    message["entry"].append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": communication})

    response = post_message(message)

    assert response.status_code == 200, response.get_json()
    assert business_status(client, gp_token, referral_id)[0] == "offered"
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        (answered,) = [e for e in uow.referrals.events(referral) if e.event_type == "answered-by-referrer"]
        assert answered.reason == words
        assert answered.detail is not None and answered.detail["question"] == f"CommunicationRequest/{question}"
