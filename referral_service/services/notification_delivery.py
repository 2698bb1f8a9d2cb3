"""Sending queued notifications, for the scheduler: claim, (the job sends), record; receipts; health.

Like the outbox: a notification is claimed (committed) for one bounded attempt, sent with no
transaction open, and the answer recorded in a new one; a failure backs off, and after
MAX_ATTEMPTS, or at once when the answer says retrying cannot help, it is parked with the reason.
Consent is checked again at the claim: a patient who opted out since it was queued is not sent it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from referral_service.domain.notifications import (
    MAX_ATTEMPTS,
    Audience,
    Channel,
    NotificationState,
    withheld_reason,
)
from referral_service.domain.notifications import next_attempt as backoff
from referral_service.persistence.uow import UnitOfWork


@dataclass(frozen=True)
class Outgoing:
    """All a channel needs to send one notification: no session, no model."""

    notification_id: int
    public_id: str
    kind: str
    channel: Channel
    recipient: str
    subject: str
    body: str
    claimed_until: datetime


@dataclass(frozen=True)
class SendResult:
    outcome: Literal["sent", "recorded", "retry", "park"]
    error: str | None = None  # in words, never the recipient
    reference: str | None = None  # Notify's notification id


def due_notifications(uow: UnitOfWork, now: datetime, limit: int) -> list[int]:
    return uow.notifications.due_ids(now, limit)


def claim_notification(uow: UnitOfWork, notification_id: int, now: datetime, *, claim: timedelta) -> Outgoing | None:
    """Take one due notification for one attempt; None when another sender has it or it must not go."""
    notification = uow.notifications.claim(notification_id, now)
    if notification is None:
        return None
    if notification.audience is Audience.PATIENT and notification.referral_id is not None:
        permission = uow.notifications.permissions(notification.referral_id).get(notification.channel)
        reason = withheld_reason(
            notification.channel,
            permission.permission if permission else None,
            permission.address if permission else None,
            opted_out=permission is not None and permission.opted_out_at is not None,
        )
        if reason is not None or permission is None:
            notification.state, notification.state_reason, notification.updated_at = (
                NotificationState.WITHHELD,
                reason,
                now,
            )
            return None
        notification.recipient = permission.address
    if not notification.recipient:
        _park(notification, "there is no address to send it to", now)
        return None
    notification.state, notification.claimed_until = NotificationState.SENDING, now + claim
    notification.attempts += 1
    notification.updated_at = now
    return Outgoing(
        notification.id,
        notification.public_id,
        notification.kind.value,
        notification.channel,
        notification.recipient,
        notification.subject,
        notification.body,
        notification.claimed_until,
    )


def _park(notification: object, reason: str, now: datetime) -> None:
    notification.state = NotificationState.PARKED  # type: ignore[attr-defined]
    notification.state_reason = reason  # type: ignore[attr-defined]
    notification.claimed_until = None  # type: ignore[attr-defined]
    notification.updated_at = now  # type: ignore[attr-defined]


def record_attempt(
    uow: UnitOfWork, outgoing: Outgoing, result: SendResult, *, now: datetime
) -> NotificationState | None:
    """The attempt's answer; None when the claim ran out first (another sender may have it now)."""
    notification = uow.notifications.for_update(outgoing.notification_id)
    if notification is None or notification.claimed_until != outgoing.claimed_until:
        return None
    notification.claimed_until, notification.updated_at = None, now
    if result.outcome in ("sent", "recorded"):
        notification.state = NotificationState.SENT if result.outcome == "sent" else NotificationState.RECORDED
        notification.sent_at, notification.provider_reference = now, result.reference
        notification.last_error = None
    elif result.outcome == "park" or notification.attempts >= MAX_ATTEMPTS:
        notification.last_error = result.error
        _park(notification, f"{result.error} (after {notification.attempts} attempts)", now)
    else:
        notification.state, notification.last_error = NotificationState.QUEUED, result.error
        notification.next_attempt_at = backoff(notification.attempts, now)
    return notification.state


def awaiting_receipt(uow: UnitOfWork, limit: int) -> list[tuple[int, str]]:
    ids = uow.notifications.awaiting_receipt(limit)
    return [(i, n.provider_reference or "") for i in ids if (n := uow.notifications.for_update(i)) is not None]


def record_receipt(uow: UnitOfWork, notification_id: int, status: str, *, now: datetime) -> NotificationState | None:
    """Notify's status: delivered, or a failure (permanent, temporary, technical) in words."""
    notification = uow.notifications.for_update(notification_id)
    if notification is None or notification.state is not NotificationState.SENT:
        return None
    if status == "delivered":
        notification.state, notification.delivered_at = NotificationState.DELIVERED, now
    elif status in FAILURES:
        notification.state, notification.state_reason = NotificationState.FAILED, FAILURES[status]
    else:
        return None  # still on its way (created, sending, pending)
    notification.updated_at = now
    return notification.state


FAILURES = {
    "permanent-failure": "Notify could not deliver it: the number or address does not exist",
    "temporary-failure": "Notify could not deliver it: the phone was off or the inbox full for 72 hours",
    "technical-failure": "Notify could not deliver it: a technical failure at Notify",
}
