"""What administrators see of the outbox: parked messages and each referrer endpoint's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from referral_service.persistence.uow import UnitOfWork


@dataclass(frozen=True)
class ParkedMessage:
    id: str
    referral_id: str
    kind: str
    destination: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True)
class EndpointHealth:
    destination: str
    last_success: datetime | None
    last_failure: datetime | None
    backlog: int
    parked: int
    oldest_undelivered_age_seconds: float | None
    last_error: str | None  # the latest failure's reason, in words (e.g. why a message was parked)


def parked_messages(uow: UnitOfWork) -> list[ParkedMessage]:
    return [
        ParkedMessage(
            id=m.public_id,
            referral_id=m.ordering_key,
            kind=m.message_type,
            destination=m.destination,
            attempts=m.attempts,
            last_status_code=m.last_status_code,
            last_error=m.last_error,
            created_at=m.created_at,
        )
        for m in uow.outbox.parked()
    ]


def integration_health(uow: UnitOfWork, *, now: datetime) -> list[EndpointHealth]:
    """Per referrer endpoint; about referrers, never about this process (that is /readyz)."""
    return [
        EndpointHealth(
            destination=row["destination"],
            last_success=row["last_success"],
            last_failure=row["last_failure"],
            backlog=row["backlog"],
            parked=row["parked"],
            oldest_undelivered_age_seconds=(now - row["oldest_undelivered"]).total_seconds()
            if row["oldest_undelivered"]
            else None,
            last_error=row["last_error"],
        )
        for row in uow.outbox.health()
    ]


@dataclass(frozen=True)
class ParkedNotification:
    id: str
    kind: str
    channel: str
    attempts: int
    reason: str | None  # in words; never the recipient


@dataclass(frozen=True)
class NotificationHealth:
    """The notification queue at a glance: how many in each state, how long the oldest has waited,
    and each parked one with its reason."""

    counts: dict[str, int]
    oldest_queued_age_seconds: float | None
    parked: list[ParkedNotification]


def notification_health(uow: UnitOfWork, *, now: datetime) -> NotificationHealth:
    found = uow.notifications.health()
    oldest = found["oldest_queued"]
    return NotificationHealth(
        counts=dict(sorted(found["counts"].items())),
        oldest_queued_age_seconds=(now - oldest).total_seconds() if oldest is not None else None,
        parked=[
            ParkedNotification(n.public_id, n.kind.value, n.channel.value, n.attempts, n.state_reason)
            for n in found["parked"]
        ],
    )
