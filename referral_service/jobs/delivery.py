"""Delivering outbox messages to referrers' endpoints over HTTP, and classifying the answer.

2xx, and 409 with an OperationOutcome `duplicate` (already processed), end a message; 408, 429,
5xx, time-outs and connection errors are retried with back-off; any other 4xx parks it for a person.
Delivery is at least once: a crash between sending and recording resends, and the receiver
de-duplicates by the message's X-Request-Id, which every attempt of it carries.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from referral_service.domain.outbox import OutboxStatus
from referral_service.jobs.bounded_http import Deadline, post
from referral_service.jobs.messages import ServiceIdentity, Unrenderable, render, unrenderable_reason
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.outbox import (
    AttemptResult,
    claim_message,
    due_messages,
    park_message,
    record_claimed_attempt,
)

log = logging.getLogger(__name__)
RETRY_STATUSES = {408, 425, 429}
TIMEOUT_SECONDS = 10.0  # for the whole attempt, not each read
CLAIM = timedelta(minutes=2)  # how long a claimed message is left to its sender before others may try
MAX_ROUNDS = 50


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


Sender = Callable[[Outgoing], AttemptResult]


def classify(status: int, body: bytes) -> AttemptResult:
    if 200 <= status < 300:
        return AttemptResult("delivered", status, None)
    if status == 409 and _is_duplicate(body):
        return AttemptResult("delivered", status, "409 duplicate: the receiver had it already")
    summary = f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
    if status in RETRY_STATUSES or status >= 500:
        return AttemptResult("retry", status, summary)
    return AttemptResult("park", status, summary)


def _is_duplicate(body: bytes) -> bool:
    try:
        outcome = json.loads(body)
    except ValueError:
        return False
    return isinstance(outcome, dict) and any(
        isinstance(issue, dict) and issue.get("code") == "duplicate" for issue in outcome.get("issue", [])
    )


def http_sender(timeout: float = TIMEOUT_SECONDS) -> Sender:
    """POST each message; the whole attempt (connect, send, the complete answer) within `timeout`."""
    if timeout >= CLAIM.total_seconds():
        raise ValueError("an attempt must end well within its claim on the message")

    def send(outgoing: Outgoing) -> AttemptResult:
        deadline = Deadline(timeout)
        try:
            status, body = post(outgoing.url, outgoing.body, outgoing.headers, deadline)
        except ValueError as error:  # not an http(s) address, or a header http.client refuses: for a person
            return AttemptResult("park", None, f"the request cannot be sent: {error}")
        except (http.client.HTTPException, OSError) as error:  # TimeoutError and URLError are OSErrors
            reason = getattr(error, "reason", error)
            if deadline.passed or isinstance(reason, TimeoutError):
                return AttemptResult("retry", None, f"no complete answer within {timeout:g} s")
            return AttemptResult("retry", None, f"connection failed: {type(reason).__name__}")
        return classify(status, body)

    return send


def outgoing(payload: bytes, *, url: str, request_id: str, correlation_id: str, identity: ServiceIdentity) -> Outgoing:
    """The request for one message; Unrenderable when its stored snapshot is defective."""
    try:
        snapshot = json.loads(payload)
        endpoint = snapshot["referral"].get("source_endpoint")
    except Exception as error:  # a defect in this message alone
        raise Unrenderable(unrenderable_reason(error)) from error
    headers = {
        "Content-Type": "application/fhir+json",
        "Accept": "application/fhir+json",
        "X-Request-Id": request_id,
        "X-Correlation-Id": correlation_id,
    }
    if endpoint and "|" in endpoint:  # BaRS routing: where the reply goes, as the sender named itself
        system, _, value = endpoint.partition("|")
        headers["NHSD-Target-Identifier"] = base64.b64encode(
            json.dumps({"system": system, "value": value}).encode()
        ).decode()
    return Outgoing(url, render(snapshot, identity), headers)


@dataclass
class DeliveryReport:
    delivered: list[str] = field(default_factory=list)
    retrying: int = 0
    parked: int = 0
    errors: int = 0

    def line(self) -> str:
        line = f"deliver-outbox: {len(self.delivered)} delivered, {self.retrying} to retry, {self.parked} parked"
        return line + (f", {self.errors} failed unexpectedly (retried when their claim ends)" if self.errors else "")


@dataclass(frozen=True)
class Claimed:
    """A message taken for one attempt, and the request to send: all the send needs, no session."""

    message_id: int
    public_id: str
    claimed_until: datetime
    request: Outgoing


def deliver_due(
    session_factory: SessionFactory,
    sender: Sender,
    identity: ServiceIdentity,
    *,
    now: Callable[[], datetime],
    batch: int = 100,
) -> DeliveryReport:
    """One tick: each due message claimed (committed), sent outside any transaction, then recorded.

    Each message fails alone: one that cannot be rendered is parked with the reason, anything else
    unexpected is logged and the message is tried again when its claim runs out. A referral's next
    message becomes due only when the one before it is delivered, so the tick goes round again while
    it makes progress (bounded), draining each line in order.
    """
    report = DeliveryReport()
    for _ in range(MAX_ROUNDS):
        with UnitOfWork(session_factory) as uow:
            due = due_messages(uow, now(), batch)
        delivered_before = len(report.delivered)
        for message_id in due:
            try:
                _deliver_one(session_factory, message_id, sender, identity, now, report)
            except Exception:
                report.errors += 1
                log.exception("delivering outbox message %s failed; it is retried when its claim ends", message_id)
        if not due or len(report.delivered) == delivered_before:
            break
    return report


def _deliver_one(
    session_factory: SessionFactory,
    message_id: int,
    sender: Sender,
    identity: ServiceIdentity,
    now: Callable[[], datetime],
    report: DeliveryReport,
) -> None:
    claimed = _claim(session_factory, message_id, identity, now, report)
    if claimed is None:
        return
    result = sender(claimed.request)  # no transaction open, no row locked, however long it takes
    with UnitOfWork(session_factory) as uow:
        message = record_claimed_attempt(uow, claimed.message_id, claimed.claimed_until, result, now=now())
        parked = message is not None and message.status is OutboxStatus.PARKED
    if message is None:
        log.warning("outbox message %s: its claim ran out before the answer was recorded", claimed.public_id)
    elif result.outcome == "delivered":
        report.delivered.append(claimed.public_id)
    elif parked:
        report.parked += 1
        # The status only: the receiver's answer may quote the patient; it is kept on the message.
        log.warning("outbox message %s parked (HTTP %s): see its last error", claimed.public_id, result.status_code)
    else:
        report.retrying += 1


def _claim(
    session_factory: SessionFactory,
    message_id: int,
    identity: ServiceIdentity,
    now: Callable[[], datetime],
    report: DeliveryReport,
) -> Claimed | None:
    """Claim the message and render it, in one short transaction; an unrenderable one is parked."""
    with UnitOfWork(session_factory) as uow:
        message = claim_message(uow, message_id, now(), claim=CLAIM)
        if message is None or message.claimed_until is None:
            return None
        try:
            request = outgoing(
                message.payload,
                url=message.destination,
                request_id=message.request_id,
                correlation_id=message.correlation_id,
                identity=identity,
            )
        except Unrenderable as error:
            park_message(message, error.reason, now=now())
            report.parked += 1
            log.warning("outbox message %s parked: %s", message.public_id, error.reason)
            return None
        return Claimed(message.id, message.public_id, message.claimed_until, request)
