"""Delivering outbox messages to referrers' endpoints over HTTP, and classifying the answer.

2xx, and 409 with an OperationOutcome `duplicate` (already processed), end a message; 408, 429,
5xx, time-outs and connection errors are retried with back-off; any other 4xx parks it for a person.
Delivery is at least once: a crash between sending and recording resends, and the receiver
de-duplicates by the message's X-Request-Id, which every attempt of it carries.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from referral_service.jobs.messages import ServiceIdentity, render
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.outbox import AttemptResult, claim_message, due_messages, record_attempt

log = logging.getLogger(__name__)
RETRY_STATUSES = {408, 425, 429}
TIMEOUT_SECONDS = 10.0
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
    def send(outgoing: Outgoing) -> AttemptResult:
        request = urllib.request.Request(outgoing.url, data=outgoing.body, headers=outgoing.headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  (the referrer's registered URL)
                return classify(response.status, response.read())
        except urllib.error.HTTPError as error:
            return classify(error.code, error.read())
        except TimeoutError:
            return AttemptResult("retry", None, f"no answer within {timeout:g} s")
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            return AttemptResult("retry", None, f"connection failed: {type(reason).__name__}")

    return send


def outgoing(payload: bytes, *, url: str, request_id: str, correlation_id: str, identity: ServiceIdentity) -> Outgoing:
    snapshot = json.loads(payload)
    headers = {
        "Content-Type": "application/fhir+json",
        "Accept": "application/fhir+json",
        "X-Request-Id": request_id,
        "X-Correlation-Id": correlation_id,
    }
    endpoint = snapshot["referral"].get("source_endpoint")
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

    def line(self) -> str:
        return f"deliver-outbox: {len(self.delivered)} delivered, {self.retrying} to retry, {self.parked} parked"


def deliver_due(
    session_factory: SessionFactory,
    sender: Sender,
    identity: ServiceIdentity,
    *,
    now: Callable[[], datetime],
    batch: int = 100,
) -> DeliveryReport:
    """One tick: each due message in its own transaction, claimed (SKIP LOCKED) while it is sent.

    A referral's next message becomes due only when the one before it is delivered, so the tick
    goes round again while it makes progress (bounded), draining each line in order.
    """
    report = DeliveryReport()
    for _ in range(MAX_ROUNDS):
        with UnitOfWork(session_factory) as uow:
            due = due_messages(uow, now(), batch)
        delivered_before = len(report.delivered)
        for message_id in due:
            _deliver_one(session_factory, message_id, sender, identity, now, report)
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
    with UnitOfWork(session_factory) as uow:
        message = claim_message(uow, message_id, now())
        if message is None:
            return
        request = outgoing(
            message.payload,
            url=message.destination,
            request_id=message.request_id,
            correlation_id=message.correlation_id,
            identity=identity,
        )
        result = sender(request)
        record_attempt(message, result, now=now())
        if result.outcome == "delivered":
            report.delivered.append(message.public_id)
        elif message.status.value == "parked":
            report.parked += 1
            log.warning("outbox message %s parked: %s", message.public_id, result.error)
        else:
            report.retrying += 1
