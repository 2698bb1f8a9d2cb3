"""The operational figures `/metrics` reports, read from the database at scrape time.

Read at scrape time rather than counted in each process, so any number of web workers and
machines give the same answer and nothing drifts after a restart. Counts and ages only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.capacity import respond_by
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.calendar import bank_holidays


@dataclass(frozen=True)
class ServiceFigures:
    outbox_backlog: int  # outcome messages not yet delivered (pending or parked)
    outbox_oldest_seconds: float  # age of the oldest of them, 0 when there is none
    outbox_parked: int  # waiting for a person
    offers_due_within_a_working_day: int
    notification_backlog: int  # emails and texts queued or being sent (not the portal list)
    notification_oldest_seconds: float  # age of the oldest queued one, 0 when there is none
    notification_parked: int  # kept failing: for a person


def service_figures(uow: UnitOfWork, *, now: datetime) -> ServiceFigures:
    backlog, oldest, parked = uow.outbox.backlog()
    age = max(0.0, (now - _aware(oldest, now)).total_seconds()) if oldest is not None else 0.0
    within_a_day = uow.capacity.open_offers_due_by(now, respond_by(now, 1, bank_holidays()))
    waiting, queued_since, notices_parked = uow.notifications.backlog()
    notice_age = max(0.0, (now - _aware(queued_since, now)).total_seconds()) if queued_since is not None else 0.0
    return ServiceFigures(backlog, age, parked, within_a_day, waiting, notice_age, notices_parked)


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones."""
    return moment.replace(tzinfo=like.tzinfo) if moment.tzinfo is None else moment
