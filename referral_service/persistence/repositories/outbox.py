"""Queries over the outbox: what is due (head of each referral's line only), claims, and health."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased

from referral_service.domain.outbox import OutboxStatus
from referral_service.persistence.models import OutboxMessage, OutcomeMeasure

UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.PARKED)


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    """No sender holds it: never claimed, or its claim ran out (the sender died mid-attempt)."""
    return or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutboxMessage) -> None:
        self.session.add(message)

    def by_public_id(self, public_id: str) -> OutboxMessage | None:
        return self.session.scalar(select(OutboxMessage).where(OutboxMessage.public_id == public_id))

    def outcome_measures(self, referral_id: int) -> Sequence[OutcomeMeasure]:
        return self.session.scalars(
            select(OutcomeMeasure).where(OutcomeMeasure.referral_id == referral_id).order_by(OutcomeMeasure.id)
        ).all()

    def due_ids(self, now: datetime, limit: int) -> list[int]:
        """Pending messages that are due and first in their referral's line: a later message never
        overtakes an earlier one that is still retrying (or parked, waiting for a person)."""
        earlier = aliased(OutboxMessage)
        blocked = (
            select(earlier.id)
            .where(
                earlier.ordering_key == OutboxMessage.ordering_key,
                earlier.id < OutboxMessage.id,
                earlier.status.in_(UNFINISHED),
            )
            .exists()
        )
        return list(
            self.session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    _unclaimed(now),
                    ~blocked,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
            )
        )

    def claim(self, message_id: int, now: datetime) -> OutboxMessage | None:
        """Lock one due, unclaimed message for this (short) transaction; None when another process
        holds, claimed or sent it."""
        return self.session.scalar(
            select(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                _unclaimed(now),
            )
            .with_for_update(skip_locked=True)
        )

    def for_update(self, message_id: int) -> OutboxMessage | None:
        return self.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update())

    def pending_to(self, destination: str, now: datetime) -> Sequence[OutboxMessage]:
        """Pending messages to one endpoint that no sender holds now."""
        return self.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.destination == destination,
                OutboxMessage.status == OutboxStatus.PENDING,
                _unclaimed(now),
            )
            .order_by(OutboxMessage.id)
            .with_for_update(skip_locked=True)
        ).all()

    def for_referral(self, referral_id: int) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.referral_id == referral_id).order_by(OutboxMessage.id)
        ).all()

    def parked(self) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PARKED).order_by(OutboxMessage.id)
        ).all()

    def health(self) -> list[dict[str, Any]]:
        """Per referrer endpoint: last success, last failure, backlog, oldest undelivered message, and
        the latest error among its undelivered messages (why it is retrying, or parked)."""
        message, latest = OutboxMessage, aliased(OutboxMessage)
        last_error = (
            select(latest.last_error)
            .where(
                latest.destination == message.destination,
                latest.status.in_(UNFINISHED),
                latest.last_error.is_not(None),
            )
            .order_by(latest.last_attempt_at.desc(), latest.id.desc())
            .limit(1)
            .correlate(message)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(
                message.destination,
                func.max(message.delivered_at),
                func.max(message.last_attempt_at).filter(message.last_error.is_not(None)),
                func.count().filter(message.status.in_(UNFINISHED)),
                func.count().filter(message.status == OutboxStatus.PARKED),
                func.min(message.created_at).filter(message.status.in_(UNFINISHED)),
                last_error,
            ).group_by(message.destination)
        ).all()
        return [
            {
                "destination": destination,
                "last_success": last_success,
                "last_failure": last_failure,
                "backlog": int(backlog),
                "parked": int(parked),
                "oldest_undelivered": oldest,
                "last_error": error,
            }
            for destination, last_success, last_failure, backlog, parked, oldest, error in rows
        ]

    def count_by_status(self) -> dict[str, int]:
        rows = self.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        return {str(status.value if hasattr(status, "value") else status): int(count) for status, count in rows}

    def backlog(self) -> tuple[int, datetime | None, int]:
        """(messages not yet delivered, when the oldest of them was queued, how many are parked)."""
        row = self.session.execute(
            select(
                func.count().filter(OutboxMessage.status.in_(UNFINISHED)),
                func.min(OutboxMessage.created_at).filter(OutboxMessage.status.in_(UNFINISHED)),
                func.count().filter(OutboxMessage.status == OutboxStatus.PARKED),
            )
        ).one()
        return int(row[0]), row[1], int(row[2])
