"""A link worker closing a referral no service can take tells the referrer with a `closed` message."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.domain.events import SOCIAL_PRESCRIBING_DECLINED
from referral_service.jobs.messages import ServiceIdentity, render
from referral_service.persistence.models import OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt
from referral_service.services.link_worker import close_referral
from tests.factories import incoming

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
IDENTITY = ServiceIdentity("X99001", "https://fhir.nhs.uk/Id/dos-service-id|900000001")


def test_a_link_worker_close_queues_a_closed_message(refer: Callable[..., ReferralReceipt], uow: UnitOfWork) -> None:
    receipt = refer(incoming(bp=None))  # nothing to go on: a link worker reviews it
    link_worker = Actor(ActorKind.PORTAL_USER, "link-worker-1", role=UserRole.LINK_WORKER)
    with uow:
        close_referral(
            uow, receipt.referral_id, reason="no suitable service; back to the GP", actor=link_worker, now=NOW
        )
    with uow:
        messages = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [m.message_type for m in messages] == ["sent-to-link-worker", "closed"]

    snapshot = json.loads(messages[-1].payload)
    assert (snapshot["kind"], snapshot["task"]["status"]) == ("closed", "rejected")
    snapshot["referral"]["use_case"] = "social-prescribing"  # the use case whose Task.output says so
    assert _activity_codes(render(snapshot, IDENTITY)) == [SOCIAL_PRESCRIBING_DECLINED[0]]


def _activity_codes(message: bytes) -> list[str]:
    bundle = json.loads(message)
    task = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task")
    return [c["code"] for o in task.get("output", []) for c in o["valueCodeableConcept"]["coding"]]
