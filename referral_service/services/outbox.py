"""The outbox: every material change to a referral queues a message to its referrer, in the same
transaction as the change (a change that rolls back queues nothing), and nothing is ever dropped.

A message stores a snapshot of what changed; the delivery job renders it as a BaRS-style
`servicerequest-response` Bundle (deterministically, so every retry sends the same bytes) with the
message's own X-Request-Id and the referral's X-Correlation-Id.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from referral_service.domain.events import EVENTS, MESSAGES, Attachment, EventType, MessageKind
from referral_service.domain.explanation import sentence
from referral_service.domain.outbox import OutboxStatus
from referral_service.persistence.models import OutboxMessage, Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.referrals import service_names

# event type in the history -> the message kind the referrer receives (attend: the first only)
MATERIAL: Mapping[str, MessageKind] = {
    event: meaning.message.kind for event, meaning in EVENTS.items() if meaning.message is not None
}
MAX_ATTEMPTS = 10
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 3600


def queue_for_event(
    uow: UnitOfWork, referral: Referral, event_type: EventType, *, now: datetime
) -> OutboxMessage | None:
    """Queue the referrer's message for a material event; None when the event is not material or the
    referrer has no endpoint (it polls GET /fhir/Task instead)."""
    meaning = EVENTS[event_type]
    news = meaning.message
    if meaning.first_message is not None and _first_time(uow, referral, event_type):
        news = meaning.first_message
    kind = news.kind if news is not None else None
    if kind is None or referral.api_client_id is None:
        return None
    client = uow.access.api_client_by_id(referral.api_client_id)
    if client is None or not client.callback_url:
        return None
    message = OutboxMessage(
        referral_id=referral.id,
        ordering_key=referral.public_id,
        destination=client.callback_url,
        message_type=kind,
        request_id=str(uuid.uuid4()),
        correlation_id=referral.correlation_id,
        payload=json.dumps(_snapshot(uow, referral, kind, now), sort_keys=True).encode(),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    uow.outbox.add(message)
    return message


def _first_time(uow: UnitOfWork, referral: Referral, event_type: str) -> bool:
    same = [event for event in uow.referrals.events(referral) if event.event_type == event_type]
    return len(same) == 1  # the event just recorded is the only one


def _snapshot(uow: UnitOfWork, referral: Referral, kind: MessageKind, now: datetime) -> dict[str, Any]:
    """Everything the message says, as it was at the moment of the change."""
    task = referral.task
    owner = uow.directory.organisation_by_id(task.owner_organisation_id)
    sender = uow.directory.organisation_by_id(referral.sender_organisation_id)
    client = uow.access.api_client_by_id(referral.api_client_id) if referral.api_client_id else None
    events = uow.referrals.events(referral)
    snapshot: dict[str, Any] = {
        "kind": kind,
        "bundle_id": str(uuid.uuid4()),
        "header_id": str(uuid.uuid4()),
        "at": now.isoformat(),
        "referral": {
            "id": referral.public_id,
            "status": referral.status.value,
            "identifier": [referral.identifier_system, referral.identifier_value]
            if referral.identifier_value
            else None,
            "source_bundle_id": referral.source_bundle_id,
            "source_endpoint": referral.source_endpoint,
            "nhs_number": referral.patient_details.nhs_number,
            "pathway": [referral.pathway_system, referral.pathway_code] if referral.pathway_code else None,
            "use_case": referral.use_case,
        },
        "task": {
            "id": task.public_id,
            "status": task.status.value,
            "business_status": task.business_status,
            "status_reason": sentence(task.status_reason, service_names(uow, referral)),
            "version": task.version,
            "last_modified": task.last_modified.isoformat(),
            "output": list(task.provider_output or []),  # what the provider's system sent
        },
        "owner": {"name": owner.name, "ods": owner.ods_code} if owner else None,
        # the referring practice (MessageHeader.destination.receiver) and its registered endpoint
        "referrer": {
            "name": sender.name if sender else None,
            "ods": sender.ods_code if sender else None,
            "endpoint": client.callback_url if client else None,
        },
    }
    attachment = MESSAGES[kind].attachment
    if attachment is Attachment.INFORMATION_REQUEST:
        asked = next(e for e in reversed(events) if e.event_type == EventType.INFORMATION_REQUESTED)
        snapshot["request"] = {"question": asked.reason, "at": asked.occurred_at.isoformat()}
    if attachment is Attachment.OUTCOME_REPORT:
        snapshot["outcome"] = {
            "attended": sum(1 for e in events if e.event_type == EventType.ATTEND),
            "missed": sum(1 for e in events if e.event_type == EventType.DNA),
            "measures": [
                {
                    "instrument": m.instrument.value,
                    "timepoint": m.timepoint.value,
                    "on": m.measured_on.isoformat(),
                    "items": m.items,
                    "score": m.score,
                }
                for m in uow.outbox.outcome_measures(referral.id)
            ],
            "output": next(
                (e.detail.get("output") for e in reversed(events) if e.detail and e.detail.get("output")), None
            ),
        }
    return snapshot


@dataclass(frozen=True)
class AttemptResult:
    """What one delivery attempt came to: delivered, retry later, or park for a person."""

    outcome: str  # "delivered" | "retry" | "park"
    status_code: int | None
    error: str | None


def next_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with jitter: 30 s, 60 s, 120 s … up to 6 hours, each ±50 %."""
    base = min(BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)
    return timedelta(seconds=base * (rng or random.Random()).uniform(0.5, 1.5))  # noqa: S311


def record_attempt(message: OutboxMessage, result: AttemptResult, *, now: datetime) -> None:
    message.claimed_until = None
    message.attempts += 1
    message.last_attempt_at = now
    message.last_status_code = result.status_code
    message.last_error = result.error
    if result.outcome == "delivered":
        message.status, message.delivered_at = OutboxStatus.DELIVERED, now
    elif result.outcome == "park" or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.PARKED
    else:
        message.next_attempt_at = now + next_delay(message.attempts)


def record_claimed_attempt(
    uow: UnitOfWork, message_id: int, claimed_until: datetime, result: AttemptResult, *, now: datetime
) -> OutboxMessage | None:
    """Record an attempt made under a claim; None when the claim was lost meanwhile (it ran out and
    another process took the message: that process records its own attempt)."""
    message = uow.outbox.for_update(message_id)
    if message is None or message.status is not OutboxStatus.PENDING or message.claimed_until != claimed_until:
        return None
    record_attempt(message, result, now=now)
    return message


def park_message(message: OutboxMessage, reason: str, *, now: datetime) -> None:
    """Park a message that cannot be sent at all (e.g. cannot be rendered), with the reason for a person."""
    message.status, message.claimed_until = OutboxStatus.PARKED, None
    message.last_error, message.last_status_code, message.last_attempt_at = reason, None, now


def retry_parked(uow: UnitOfWork, public_id: str, *, now: datetime) -> None:
    message = _message(uow, public_id)
    if message.status is not OutboxStatus.PARKED:
        raise Conflict(f"message {public_id} is {message.status.value}, not parked")
    message.status, message.next_attempt_at, message.attempts = OutboxStatus.PENDING, now, 0
    message.claimed_until = None


def send_now(uow: UnitOfWork, destination: str, *, now: datetime) -> int:
    """Make every pending message to one endpoint due now (it has recovered: no need to wait out the
    back-off); returns how many. Messages being sent are left alone; parked ones are retried one by one."""
    if not destination.strip():
        raise Invalid("name the endpoint whose messages to send", where="endpoint")
    waiting = uow.outbox.pending_to(destination.strip(), now)
    for message in waiting:
        message.next_attempt_at = min(message.next_attempt_at, now)
    return len(waiting)


def resolve_parked(uow: UnitOfWork, public_id: str, *, reason: str, now: datetime) -> None:
    """A person closes a parked message (e.g. told the practice by phone); the reason is kept."""
    if not reason.strip():
        raise Invalid("resolving a parked message needs a reason", where="reason")
    message = _message(uow, public_id)
    if message.status is not OutboxStatus.PARKED:
        raise Conflict(f"message {public_id} is {message.status.value}, not parked")
    message.status, message.resolved_reason, message.last_attempt_at = OutboxStatus.RESOLVED, reason.strip(), now


def _message(uow: UnitOfWork, public_id: str) -> OutboxMessage:
    message = uow.outbox.by_public_id(public_id)
    if message is None:
        raise NotFound(f"no outbox message {public_id}")
    return message


def due_messages(uow: UnitOfWork, now: datetime, limit: int) -> list[int]:
    """The ids of messages whose next attempt is due, oldest first (each referral's in its order)."""
    return list(uow.outbox.due_ids(now, limit))


def claim_message(uow: UnitOfWork, message_id: int, now: datetime, *, claim: timedelta) -> OutboxMessage | None:
    """Take one due message for one attempt, until `now + claim` (None when another process holds it).

    The claim is committed before the message is sent, so no transaction stays open across the
    network call; if the sender dies, the claim runs out and the message is sent again."""
    message = uow.outbox.claim(message_id, now)
    if message is not None:
        message.claimed_until = now + claim
    return message
