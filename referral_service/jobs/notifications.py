"""The scheduler's notification ticks: send what is due, read Notify's receipts and replies, remind
providers of offers one working day before their deadline and patients of sessions the day
before. One transaction per item."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from referral_service.domain.notifications import NotificationState
from referral_service.jobs.channels import Channels
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.consent import opt_out_by_sms
from referral_service.services.notification_delivery import (
    awaiting_receipt,
    claim_notification,
    due_notifications,
    record_attempt,
    record_receipt,
)
from referral_service.services.session_reminders import remind_booking, reminders_due
from referral_service.services.staff_notices import digest_recipients, offers_to_remind, remind_offer, send_digest

log = logging.getLogger(__name__)
CLAIM = timedelta(minutes=2)
BATCH = 100
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "end", "quit", "cancel"})


def send_notifications(
    session_factory: SessionFactory, channels: Channels, *, now: Callable[[], datetime]
) -> tuple[int, int]:
    """(sent or recorded, parked): claim each due one (committed), send outside any transaction, record."""
    if channels.timeout >= CLAIM.total_seconds():
        raise ValueError("an attempt must end well within its claim")
    done = parked = 0
    with UnitOfWork(session_factory) as uow:
        due = due_notifications(uow, now(), BATCH)
    for notification_id in due:
        try:
            with UnitOfWork(session_factory) as uow:
                outgoing = claim_notification(uow, notification_id, now(), claim=CLAIM)
            if outgoing is None:
                continue
            result = channels.send(outgoing)  # no transaction open, however long it takes (bounded)
            with UnitOfWork(session_factory) as uow:
                state = record_attempt(uow, outgoing, result, now=now())
        except Exception:
            log.exception("sending notification %s failed; it is tried again when its claim ends", notification_id)
            continue
        if state in (NotificationState.SENT, NotificationState.RECORDED):
            done += 1
        elif state is NotificationState.PARKED:
            parked += 1
            log.warning("notification %s parked: see its reason", outgoing.public_id)  # never the recipient
    return done, parked


def read_receipts(session_factory: SessionFactory, channels: Channels, *, now: Callable[[], datetime]) -> int:
    """Notify's status of each sent notification: delivered, or failed with the reason."""
    with UnitOfWork(session_factory) as uow:
        waiting = awaiting_receipt(uow, BATCH)
    changed = 0
    for notification_id, reference in waiting:
        status = channels.delivery_status(reference)
        if status is None:
            continue
        with UnitOfWork(session_factory) as uow:
            changed += record_receipt(uow, notification_id, status, now=now()) is not None
    return changed


def read_replies(session_factory: SessionFactory, channels: Channels, *, now: Callable[[], datetime]) -> int:
    """A text STOP (or STOPALL, UNSUBSCRIBE …) from a patient's number withdraws SMS at once."""
    stopped = 0
    for number, content, created_at in channels.replies():
        if content.strip().lower().rstrip(".!") not in STOP_WORDS:
            continue
        try:
            sent_at = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
        except ValueError:
            sent_at = now()
        with UnitOfWork(session_factory) as uow:
            stopped += opt_out_by_sms(uow, number, sent_at=sent_at, now=now())
    return stopped


def remind_offers(session_factory: SessionFactory, *, now: Callable[[], datetime]) -> int:
    """Each open offer's team is reminded once, one working day (the service's setting) before its deadline."""
    moment = now()
    with UnitOfWork(session_factory) as uow:
        offer_ids = offers_to_remind(uow, moment)
    reminded = 0
    for offer_id in offer_ids:
        with UnitOfWork(session_factory) as uow:
            reminded += remind_offer(uow, offer_id, now=moment)
    return reminded


def remind_sessions(session_factory: SessionFactory, *, now: Callable[[], datetime]) -> int:
    """Each booked session's patient is reminded once, the UK day before (consent applied)."""
    moment = now()
    with UnitOfWork(session_factory) as uow:
        booking_ids = [booking.booking_id for booking in reminders_due(uow, moment)]
    queued = 0
    for booking_id in booking_ids:
        try:
            with UnitOfWork(session_factory) as uow:
                queued += remind_booking(uow, booking_id, now=moment)
        except Exception:
            log.exception("reminding booking %s failed; it is tried again next tick", booking_id)
    return queued


DIGEST_HOUR = 7  # UTC: the digest goes out once a day, from this hour


def send_digests(session_factory: SessionFactory, *, now: Callable[[], datetime]) -> int:
    """Once a day (from DIGEST_HOUR), each person who chose the digest gets one email of what waits."""
    moment = now()
    if moment.hour < DIGEST_HOUR:
        return 0
    with UnitOfWork(session_factory) as uow:
        users = digest_recipients(uow)
    sent = 0
    for user_id in users:
        with UnitOfWork(session_factory) as uow:
            sent += send_digest(uow, user_id, day=moment.date(), now=moment)
    return sent
