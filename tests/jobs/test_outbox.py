"""Every material change reaches the referrer, once, in order, whatever its endpoint does meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from referral_service.domain.lifecycle import Action
from referral_service.domain.outbox import OutboxStatus
from referral_service.fhir.resources import parse
from referral_service.jobs.delivery import deliver_due, http_sender
from referral_service.jobs.messages import ServiceIdentity
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.casework import record_step
from referral_service.services.intake import ReferralReceipt
from referral_service.services.offers import accept_offer
from tests.factories import incoming
from tests.fixtures.fhir import token_for
from tests.fixtures.referrals import NOW, provider_of
from tests.jobs.receiver import Receiver

IDENTITY = ServiceIdentity("X99001", "https://fhir.nhs.uk/Id/dos-service-id|900000001")
Refer = Callable[..., ReferralReceipt]


def work_the_programme(uow: UnitOfWork, referral_id: str) -> None:
    staff = provider_of(uow, "mvl-exercise-referral")
    with uow:
        accept_offer(uow, referral_id, actor=staff, now=NOW)
    for step in (Action.CONTACT, Action.ATTEND, Action.DNA, Action.ATTEND, Action.COMPLETE):
        with uow:
            record_step(uow, referral_id, step, actor=staff, now=NOW)


def outbox(uow: UnitOfWork) -> list[OutboxMessage]:
    with uow:
        return list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def deliver_until_quiet(session_factory: SessionFactory, *, start: datetime, timeout: float = 0.5) -> int:
    """Run delivery ticks, moving a fake clock past every back-off, until nothing is left to send."""
    moment, ticks = start, 0
    while ticks < 40:
        ticks += 1
        report = deliver_due(session_factory, http_sender(timeout=timeout), IDENTITY, now=lambda: moment)  # noqa: B023
        pending = [m for m in outbox_of(session_factory) if m.status is OutboxStatus.PENDING]
        idle = not (report.delivered or report.retrying or report.parked)
        if not pending or (idle and all(m.next_attempt_at <= moment for m in pending)):
            return ticks  # all sent, or what is left waits behind a parked message
        moment = max(moment, *(m.next_attempt_at for m in pending)) + timedelta(seconds=1)
    raise AssertionError("delivery did not settle")


def outbox_of(session_factory: SessionFactory) -> list[OutboxMessage]:
    with UnitOfWork(session_factory) as uow:
        return list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_each_material_change_queues_one_message_in_its_transaction(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming())
    assert [m.message_type for m in outbox(uow)] == []  # an offer is not news for the GP yet
    work_the_programme(uow, receipt.referral_id)
    messages = outbox(uow)
    assert [m.message_type for m in messages] == ["accepted", "first-attendance", "did-not-attend", "completed"]
    with uow:
        referral = uow.referrals.by_public_id(receipt.referral_id)
        assert referral is not None
        assert {m.correlation_id for m in messages} == {referral.correlation_id}  # the conversation's id
    assert len({m.request_id for m in messages}) == 4


def test_a_change_that_rolls_back_queues_nothing(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming())
    staff = provider_of(uow, "mvl-exercise-referral")
    with pytest.raises(RuntimeError), uow:  # noqa: PT012  (the change, then a failure in the same unit of work)
        accept_offer(uow, receipt.referral_id, actor=staff, now=NOW)
        raise RuntimeError("the request failed after the change")
    assert outbox(uow) == []


def test_delivery_survives_503s_and_a_time_out_and_arrives_once_in_order(
    refer: Refer,
    uow: UnitOfWork,
    session_factory: SessionFactory,
    receiver: Receiver,
    set_places: Callable[[str, int], None],
) -> None:
    set_places("mvl-exercise-referral", 1)
    first, waiting = refer(incoming()), refer(incoming())
    work_the_programme(uow, first.referral_id)
    receiver.script = ["503", "503", "timeout", "503"]

    deliver_until_quiet(session_factory, start=NOW)

    messages = outbox(uow)
    assert {m.status for m in messages} == {OutboxStatus.DELIVERED}
    assert len(receiver.order) == len(messages)  # each arrived exactly once after de-duplication
    assert len(receiver.attempts) > len(messages)  # and some were retried
    kinds_per_referral: dict[str, list[str]] = {}
    for message in receiver.messages():
        parse(message)  # a valid R4 Bundle
        header = message["entry"][0]["resource"]
        assert header["eventCoding"]["code"] == "servicerequest-response"
        task = message["entry"][1]["resource"]
        kinds_per_referral.setdefault(task["focus"]["reference"], []).append(
            task["businessStatus"]["coding"][0]["code"]
        )
    assert kinds_per_referral[f"urn:uuid:{first.referral_id}"] == ["3.0", "5.1.4", "5.1.2", "7.0"]
    assert kinds_per_referral[f"urn:uuid:{waiting.referral_id}"][0] == "waitlisted"
    for message in messages:  # every attempt of a message carried its one X-Request-Id
        assert receiver.headers[message.request_id]["X-Correlation-Id"] == message.correlation_id


def test_the_completion_message_carries_the_outcome_report(
    refer: Refer, uow: UnitOfWork, session_factory: SessionFactory, receiver: Receiver
) -> None:
    receipt = refer(incoming())
    work_the_programme(uow, receipt.referral_id)
    deliver_until_quiet(session_factory, start=NOW)

    completed = receiver.messages()[-1]
    header = completed["entry"][0]["resource"]
    assert header["response"] == {"identifier": receipt.referral_id, "code": "ok"}
    assert header["source"]["endpoint"] == IDENTITY.endpoint
    [document] = [e["resource"] for e in completed["entry"] if e["resource"]["resourceType"] == "Bundle"]
    composition = document["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    observations = [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Observation"]
    counts = {o["code"]["coding"][0]["code"]: o["valueQuantity"]["value"] for o in observations}
    assert counts == {"298057009": 2, "298058004": 1}
    # self-contained: every reference the Composition makes is an entry of the document itself
    inside = {e["fullUrl"]: e["resource"]["resourceType"] for e in document["entry"]}
    assert inside[composition["subject"]["reference"]] == "Patient"
    assert {inside[a["reference"]] for a in composition["author"]} == {"Organization"}
    for section in composition["section"]:
        assert inside[section["focus"]["reference"]] == "ServiceRequest"
        assert {inside[e["reference"]] for e in section["entry"]} == {"Observation"}
    assert "Sessions attended: 2; missed: 1." in composition["section"][0]["text"]["div"]


@pytest.mark.parametrize(("answer", "status"), [("409", OutboxStatus.DELIVERED), ("400", OutboxStatus.PARKED)])
def test_409_duplicate_ends_and_other_4xx_park(
    refer: Refer,
    uow: UnitOfWork,
    session_factory: SessionFactory,
    receiver: Receiver,
    answer: str,
    status: OutboxStatus,
) -> None:
    receipt = refer(incoming())
    staff = provider_of(uow, "mvl-exercise-referral")
    with uow:
        accept_offer(uow, receipt.referral_id, actor=staff, now=NOW)
    receiver.script = [answer]
    deliver_due(session_factory, http_sender(timeout=0.5), IDENTITY, now=lambda: NOW)
    [message] = outbox(uow)
    assert message.status is status
    assert message.attempts == 1


def test_a_parked_message_holds_back_later_ones_and_people_can_retry_or_resolve_it(
    refer: Refer, uow: UnitOfWork, session_factory: SessionFactory, receiver: Receiver, runner: FlaskCliRunner
) -> None:
    receipt = refer(incoming())
    work_the_programme(uow, receipt.referral_id)
    receiver.script = ["400"]
    deliver_until_quiet(session_factory, start=NOW)
    statuses = [m.status for m in outbox(uow)]
    assert statuses == [OutboxStatus.PARKED] + [OutboxStatus.PENDING] * 3  # nothing overtakes it
    parked_id = outbox(uow)[0].public_id

    listing = runner.invoke(args=["outbox", "parked"])
    assert parked_id in listing.output and "HTTP 400" in listing.output
    assert runner.invoke(args=["outbox", "retry", parked_id]).exit_code == 0
    deliver_until_quiet(session_factory, start=NOW)
    assert {m.status for m in outbox(uow)} == {OutboxStatus.DELIVERED}
    assert runner.invoke(args=["outbox", "resolve", parked_id, "--reason", "x"]).exit_code == 1  # not parked now


def test_health_per_endpoint_from_the_cli_and_the_admin_endpoint(
    refer: Refer,
    uow: UnitOfWork,
    session_factory: SessionFactory,
    receiver: Receiver,
    runner: FlaskCliRunner,
    client: Any,
) -> None:
    receipt = refer(incoming())
    work_the_programme(uow, receipt.referral_id)
    receiver.script = ["503"]
    deliver_due(session_factory, http_sender(timeout=0.5), IDENTITY, now=lambda: NOW)

    output = runner.invoke(args=["outbox", "health"]).output
    assert receiver.url in output and "backlog 4" in output

    assert client.get("/admin/integration-health").status_code == 401
    created = runner.invoke(args=["clients", "create", "ops-monitor", "--name", "Ops monitor", "--admin"])
    secret = next(line.split("=", 1)[1] for line in created.output.splitlines() if line.startswith("client_secret="))
    token = token_for(client, "ops-monitor", secret)
    response = client.get("/admin/integration-health", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    [endpoint] = response.get_json()["endpoints"]
    assert (endpoint["destination"], endpoint["backlog"], endpoint["parked"]) == (receiver.url, 4, 0)
    assert endpoint["last_failure"] is not None and endpoint["last_success"] is None
