"""Ask before referring: `POST /fhir/ServiceRequest/$triage` answers what triage would do now with the
same body as a referral, stores and reserves nothing but the audit row, and agrees with what posting
that body as a referral then does."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from referral_service.fhir.resources import parse
from referral_service.persistence.models import (
    AuditEvent,
    CapacityPool,
    Offer,
    OutboxMessage,
    Patient,
    Referral,
    ReferralEvent,
    WaitlistEntry,
)
from referral_service.persistence.uow import UnitOfWork
from tests.fhir.test_conversation import without_facts
from tests.fixtures.fhir import gp_referral_bundle, headers, plain_referral

pytestmark = pytest.mark.usefixtures("directory")


def database(uow: UnitOfWork) -> dict[str, int]:
    """Everything a referral or a reservation would change."""
    with uow:
        counted = {
            model.__name__: uow.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Referral, ReferralEvent, Patient, Offer, WaitlistEntry, OutboxMessage, AuditEvent)
        }
        counted["reserved"] = uow.session.scalar(select(func.coalesce(func.sum(CapacityPool.reserved), 0))) or 0
        return counted


def parameter(answer: dict[str, Any], name: str) -> list[Any]:
    return [p for p in answer["parameter"] if p["name"] == name]


def services(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each service in the answer by its identifier, its parts by name (`why` as a list)."""
    found = {}
    for service in parameter(answer, "service"):
        parts: dict[str, Any] = {"why": []}
        for part in service["part"]:
            value = next(v for k, v in part.items() if k.startswith("value"))
            if part["name"] == "why":
                parts["why"].append(value)
            else:
                parts[part["name"]] = value
        found[parts["identifier"]["value"]] = parts
    return found


def check(client: FlaskClient, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/fhir/ServiceRequest/$triage", data=json.dumps(body), headers=headers(token))
    assert response.status_code == 200, response.get_json()
    assert response.content_type == "application/fhir+json"
    answer: dict[str, Any] = response.get_json()
    assert answer["resourceType"] == "Parameters"
    return answer


def triage_of(uow: UnitOfWork, referral_id: str) -> dict[str, Any]:
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None and referral.triage is not None
        return dict(referral.triage)


def test_a_triage_check_stores_and_reserves_nothing_and_agrees_with_the_referral_then_posted(
    client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    body = plain_referral()
    before = database(uow)

    answer = check(client, gp_token, body)

    after = database(uow)
    assert after == {**before, "AuditEvent": before["AuditEvent"] + 1}
    with uow:
        audit = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert audit is not None and audit.action == "triage-check"
    (outcome,) = parameter(answer, "outcome")
    judged = services(answer)
    chosen = [slug for slug, parts in judged.items() if parts["chosen"]]
    assert outcome["valueCode"] == "offer" and len(chosen) == 1
    assert judged[chosen[0]]["wouldTake"] is True and judged[chosen[0]]["freePlaces"] > 0
    assert judged[chosen[0]]["expectedWait"] == "A place is free now."
    assert any(not parts["wouldTake"] and parts["why"] for parts in judged.values())  # which would not, and why
    summary = parameter(answer, "summary")[0]["valueString"]
    assert judged[chosen[0]]["name"] in summary

    posted = client.post("/fhir/ServiceRequest", data=json.dumps(body), headers=headers(gp_token))
    assert posted.status_code == 201
    triage = triage_of(uow, posted.get_json()["id"])
    assert (triage["route"], triage["service"]) == ("offer", chosen[0])
    assert database(uow)["reserved"] == before["reserved"] + 1  # the referral did reserve; the check did not


def test_a_check_without_the_facts_says_a_link_worker_would_decide_and_what_is_missing(
    client: FlaskClient, gp_token: str, uow: UnitOfWork
) -> None:
    body = without_facts()

    answer = check(client, gp_token, body)

    assert parameter(answer, "outcome")[0]["valueCode"] == "link-worker"
    assert {p["valueString"] for p in parameter(answer, "missing")} >= {"blood pressure"}
    posted = client.post("/fhir/ServiceRequest", data=json.dumps(body), headers=headers(gp_token))
    assert triage_of(uow, posted.get_json()["id"])["route"] == "link-worker"


def test_a_bars_message_bundle_is_checked_as_it_would_be_received(
    client: FlaskClient, gp_token: str, post_message: Callable[..., Any], uow: UnitOfWork
) -> None:
    bundle = gp_referral_bundle()
    before = database(uow)

    answer = check(client, gp_token, bundle)

    assert database(uow) == {**before, "AuditEvent": before["AuditEvent"] + 1}
    response = post_message(bundle)
    assert response.status_code == 200
    service_request = next(
        e["resource"] for e in response.get_json()["entry"] if e["resource"]["resourceType"] == "ServiceRequest"
    )
    triage = triage_of(uow, service_request["id"])
    assert parameter(answer, "outcome")[0]["valueCode"] == triage["route"]


def test_the_check_is_for_gp_systems_with_a_token(client: FlaskClient) -> None:
    response = client.post("/fhir/ServiceRequest/$triage", data=json.dumps(plain_referral()))

    assert response.status_code == 401


def test_the_capability_statement_lists_the_operation_and_its_definition_is_served(
    client: FlaskClient, gp_token: str
) -> None:
    rest = client.get("/fhir/metadata").get_json()["rest"][0]
    (listed,) = [o for o in rest["operation"] if o["name"] == "triage"]

    definition = client.get("/fhir/OperationDefinition/ServiceRequest-triage", headers=headers(gp_token))

    assert definition.status_code == 200
    parse(definition.get_json())
    assert definition.get_json()["url"] == listed["definition"]
    assert definition.get_json()["affectsState"] is False
    unknown = client.get("/fhir/OperationDefinition/nothing", headers=headers(gp_token))
    assert unknown.status_code == 404
