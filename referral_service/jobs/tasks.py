"""The scheduler's ticks. Plain functions over a session factory, so tests and `jobs run-once` call them.

Each item gets its own unit of work: one failing item rolls back alone. Items are claimed with
`SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL) and re-checked inside the transaction, so any
number of scheduler processes can run against one database without handling an item twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from referral_service.domain.clock import utcnow
from referral_service.jobs import notifications
from referral_service.jobs.channels import Channels
from referral_service.jobs.delivery import Sender, deliver_due
from referral_service.jobs.messages import ServiceIdentity
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import SCHEDULER
from referral_service.services.accreditation_expiry import warn_of_expiry, warnings_due
from referral_service.services.offers import due_offers, expire_offer, promote_service, services_to_promote
from referral_service.services.reports import refresh_report_data

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class TickReport:
    name: str
    handled: list[str] = field(default_factory=list)
    failed: int = 0

    def line(self) -> str:
        return f"{self.name}: {len(self.handled)} handled, {self.failed} failed"


# A parked outbox message counts as "failed" in its tick's report: a person must look.


def expire_overdue_offers(session_factory: SessionFactory, *, now: Callable[[], datetime] = utcnow) -> TickReport:
    """Offers past their working-day deadline expire; the place is freed and the referral re-triaged."""
    report = TickReport("expire-offers")
    moment = now()
    with UnitOfWork(session_factory) as uow:
        due = due_offers(uow, moment, BATCH)
    for offer_id in due:
        try:
            with UnitOfWork(session_factory) as uow:
                handled = expire_offer(uow, offer_id, now=moment)
        except Exception:
            report.failed += 1
            log.exception("expiring offer %s failed; it stays due", offer_id)
            continue
        if handled is not None:
            report.handled.append(handled.referral_id)
    return report


def promote_waiting_lists(session_factory: SessionFactory, *, now: Callable[[], datetime] = utcnow) -> TickReport:
    """Catch-up promotion: a service with a free place and a waiting queue offers the place (covers
    places freed outside a release, e.g. capacity raised in the directory)."""
    report = TickReport("promote-waiting-lists")
    moment = now()
    with UnitOfWork(session_factory) as uow:
        service_ids = services_to_promote(uow, moment)
    for service_id in service_ids:
        try:
            with UnitOfWork(session_factory) as uow:
                report.handled += promote_service(uow, service_id, actor=SCHEDULER, now=moment)
        except Exception:
            report.failed += 1
            log.exception("promoting the waiting list of service %s failed", service_id)
    return report


@dataclass(frozen=True)
class Delivery:
    """What delivery needs from the outside world: who we are, and how to send (the outbox to
    referrers' systems; notifications by Notify, SMTP, or recorded when neither is configured)."""

    identity: ServiceIdentity
    sender: Sender
    channels: Channels = field(default_factory=Channels)


def deliver_outbox(
    session_factory: SessionFactory, delivery: Delivery, *, now: Callable[[], datetime] = utcnow
) -> TickReport:
    result = deliver_due(session_factory, delivery.sender, delivery.identity, now=now)
    report = TickReport("deliver-outbox", handled=result.delivered)
    report.failed = result.parked + result.errors
    return report


def refresh_reports(session_factory: SessionFactory, *, now: Callable[[], datetime] = utcnow) -> TickReport:
    """The reports' summary brought up to date, so report pages only read. Safe in two schedulers:
    the refresh locks its one mark row (FOR UPDATE), so a second waits, then finds little to do."""
    report = TickReport("refresh-reports")
    with UnitOfWork(session_factory) as uow:
        rebuilt = refresh_report_data(uow, now=now())
    if rebuilt:
        log.info("refresh-reports: %d referrals summarised", rebuilt)
    return report


def remind_offer_deadlines(session_factory: SessionFactory, *, now: Callable[[], datetime] = utcnow) -> TickReport:
    return TickReport("remind-offers", handled=[""] * notifications.remind_offers(session_factory, now=now))


def remind_sessions(session_factory: SessionFactory, *, now: Callable[[], datetime] = utcnow) -> TickReport:
    return TickReport("remind-sessions", handled=[""] * notifications.remind_sessions(session_factory, now=now))


def send_digests(session_factory: SessionFactory, *, now: Callable[[], datetime] = utcnow) -> TickReport:
    return TickReport("daily-digests", handled=[""] * notifications.send_digests(session_factory, now=now))


def send_notifications(
    session_factory: SessionFactory, delivery: Delivery, *, now: Callable[[], datetime] = utcnow
) -> TickReport:
    done, parked = notifications.send_notifications(session_factory, delivery.channels, now=now)
    return TickReport("send-notifications", handled=[""] * done, failed=parked)


def read_notify(
    session_factory: SessionFactory, delivery: Delivery, *, now: Callable[[], datetime] = utcnow
) -> TickReport:
    """Notify's delivery receipts and the patients' replies (STOP)."""
    receipts = notifications.read_receipts(session_factory, delivery.channels, now=now)
    stops = notifications.read_replies(session_factory, delivery.channels, now=now)
    return TickReport("read-notify", handled=[""] * (receipts + stops))


def warn_accreditation_expiry(session_factory: SessionFactory, *, now: Callable[[], datetime] = utcnow) -> TickReport:
    """Accreditations ending within 30 days: their provider's team and the commissioners are told, once."""
    report = TickReport("warn-accreditation-expiry")
    moment = now()
    with UnitOfWork(session_factory) as uow:
        due = warnings_due(uow, moment.date())
    for accreditation_id in due:
        try:
            with UnitOfWork(session_factory) as uow:
                if warn_of_expiry(uow, accreditation_id, now=moment):
                    report.handled.append(str(accreditation_id))
        except Exception:
            report.failed += 1
            log.exception("warning of accreditation %s ending failed; it is tried again next tick", accreditation_id)
    return report


def ticks(delivery: Delivery) -> dict[str, Callable[..., TickReport]]:
    return {
        "expire-offers": expire_overdue_offers,
        "promote-waiting-lists": promote_waiting_lists,
        "remind-offers": remind_offer_deadlines,
        "remind-sessions": remind_sessions,
        "daily-digests": send_digests,
        "warn-accreditation-expiry": warn_accreditation_expiry,
        "deliver-outbox": partial(deliver_outbox, delivery=delivery),
        "read-notify": partial(read_notify, delivery=delivery),
        "send-notifications": partial(send_notifications, delivery=delivery),
        "refresh-reports": refresh_reports,  # last: it summarises what the ticks before it changed
    }


def run_once(
    session_factory: SessionFactory, delivery: Delivery, *, now: Callable[[], datetime] = utcnow
) -> list[TickReport]:
    """Every due job once, in order (cron-style deployments, tests): changes made by the first ticks
    are delivered by the last."""
    return [tick(session_factory, now=now) for tick in ticks(delivery).values()]
