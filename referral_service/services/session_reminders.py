"""Patient reminders of booked sessions, the day before (in UK time), through the notification queue.

Each booking is reminded once (the dedupe key names the booking), with consent applied when it is
queued and again when it is sent; a cancelled booking is not reminded, and a reminder still
waiting when its booking is cancelled is withheld. The words give the day and time ("Tuesday 8
December at 10:00am"), never "tomorrow".
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from referral_service.domain.notifications import PATIENT_CHANNELS, NotificationKind, NotificationState
from referral_service.domain.schedule import BookingStatus, reminder_time, uk_date, uk_instant
from referral_service.persistence.repositories.schedule import BookingStart
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.notifications import queue_patient_message

REMINDER_HOUR = time(9)  # UK time on the day before: nobody is texted in the night


def reminder_key(booking_id: int) -> str:
    """The dedupe key of a booking's reminder (one per channel is `<key>:sms`, `<key>:email`)."""
    return f"session-reminder:{booking_id}"


def reminders_due(uow: UnitOfWork, now: datetime) -> list[BookingStart]:
    """Live bookings of sessions on the UK day after today, once it is REMINDER_HOUR in the UK."""
    today = uk_date(now)
    if now < uk_instant(today, REMINDER_HOUR):
        return []
    tomorrow = today + timedelta(days=1)
    due = uow.schedule.bookings_starting_between(
        uk_instant(tomorrow, time(0)), uk_instant(tomorrow + timedelta(days=1), time(0))
    )
    return [booking for booking in due if not uow.notifications.exists(f"{reminder_key(booking.booking_id)}:sms")]


def remind_booking(uow: UnitOfWork, booking_id: int, *, now: datetime) -> int:
    """Queue one booking's reminder (each channel withheld without consent): how many were queued.
    The booking is read again here, so one cancelled since the list was made is left alone."""
    booking = uow.schedule.booking(booking_id)
    if booking is None or booking.status is not BookingStatus.BOOKED or booking.starts_at <= now:
        return 0
    place = ""
    if booking.class_id is not None:
        group = uow.schedule.service_class(booking.class_id)
        place = group.place if group is not None else ""
    elif booking.programme_start_id is not None:
        start = uow.schedule.programme_start(booking.programme_start_id)
        place = start.place if start is not None else ""
    referral = uow.referrals.by_id(booking.referral_id)
    details = {"when": reminder_time(booking.starts_at), "place": place or "the usual place"}
    queued = queue_patient_message(
        uow, referral, NotificationKind.SESSION_REMINDER, dedupe_key=reminder_key(booking.id), now=now, details=details
    )
    return len(queued)


def withhold_reminder(uow: UnitOfWork, booking_id: int, *, reason: str, now: datetime) -> None:
    """A reminder still waiting to be sent is not sent (its booking was cancelled)."""
    for channel in PATIENT_CHANNELS:
        notification = uow.notifications.by_dedupe_key(f"{reminder_key(booking_id)}:{channel}")
        if notification is not None and notification.state is NotificationState.QUEUED:
            notification.state, notification.state_reason, notification.updated_at = (
                NotificationState.WITHHELD,
                reason,
                now,
            )
