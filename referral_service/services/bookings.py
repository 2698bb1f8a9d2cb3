"""Booking a patient into sessions: a class occurrence or a programme start, and cancelling it.

A class's size is the capacity of each occurrence. Booking locks the class row
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite writes one transaction at a time), counts the live
bookings of that occurrence and refuses a full one, so two people booking the last seat at once
cannot both have it (tests/concurrency/test_booking_race.py). A patient has at most one live
booking per session (partial unique indexes). Booking tells the referrer nothing: the event table
(domain/events.py) has no message for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import STARTED, BusinessStatus
from referral_service.domain.schedule import BookingStatus, is_occurrence, occurrences, session_in_words, uk_date
from referral_service.persistence.models import Referral, SessionBooking
from referral_service.persistence.repositories.schedule import BookingStart
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Actor, Right, referral_for
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.schedules import group_class
from referral_service.services.session_reminders import withhold_reminder
from referral_service.services.transitions import note_event

BOOKING_HORIZON = timedelta(weeks=8)


@dataclass(frozen=True)
class Bookable:
    """A session the patient could be booked into: a class occurrence (with seats left) or a start."""

    key: str  # "class:<id>:<start ISO>" or "start:<id>", the form's value
    words: str  # "Tuesday 8 December 2026, 10:00am, Mersey Vale Leisure Centre"
    name: str
    free: int | None  # None for a programme start


def _working(uow: UnitOfWork, referral_id: str, actor: Actor, now: datetime, action: str) -> Referral:
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action=action, now=now)
    task = referral.task
    if (task.status, BusinessStatus(task.business_status or BusinessStatus.TRIAGE)) not in STARTED:
        raise Conflict("accept the referral before booking sessions")
    if task.service_id is None:
        raise Conflict("this referral has no service to book")
    return referral


def bookable_sessions(uow: UnitOfWork, referral_id: str, *, actor: Actor, now: datetime) -> list[Bookable]:
    """The referral's service's sessions from now to the horizon that the patient is not booked into."""
    referral = _working(uow, referral_id, actor, now, "portal-read")
    service_id = referral.task.service_id
    assert service_id is not None
    classes = [group_class(row) for row in uow.schedule.classes(service_id)]
    window = occurrences(classes, uk_date(now), uk_date(now + BOOKING_HORIZON))
    counts = uow.schedule.booked_counts([c.id for c in classes], now, now + BOOKING_HORIZON + timedelta(days=1))
    mine = {
        (b.class_id, b.starts_at) if b.class_id is not None else ("start", b.programme_start_id)
        for b in uow.schedule.bookings(referral.id)
        if b.status is BookingStatus.BOOKED
    }
    found = [
        Bookable(f"start:{row.id}", session_in_words(row.starts_at, row.place), "Programme start", None)
        for row in uow.schedule.programme_starts(service_id, after=now)
        if ("start", row.id) not in mine
    ]
    for occurrence in window:
        free = occurrence.size - counts.get((occurrence.class_id, occurrence.starts_at), 0)
        if occurrence.starts_at > now and free > 0 and (occurrence.class_id, occurrence.starts_at) not in mine:
            key = f"class:{occurrence.class_id}:{occurrence.starts_at.isoformat()}"
            found.append(Bookable(key, session_in_words(occurrence.starts_at, occurrence.place), occurrence.name, free))
    return found


def book_session(uow: UnitOfWork, referral_id: str, key: str, *, actor: Actor, now: datetime) -> int:
    """Book the patient into the session `key` names (see `Bookable.key`); the booking's id."""
    referral = _working(uow, referral_id, actor, now, "book-session")
    kind, _, rest = key.partition(":")
    try:
        if kind == "class":
            class_text, _, start_text = rest.partition(":")
            booking = _book_class(uow, referral, int(class_text), datetime.fromisoformat(start_text), actor, now)
        elif kind == "start":
            booking = _book_start(uow, referral, int(rest), actor, now)
        else:
            raise ValueError(key)
    except ValueError:
        raise Invalid("choose a session from the list", where="session") from None
    note_event(
        uow,
        referral,
        EventType.SESSION_BOOKED,
        actor=actor,
        now=now,
        detail={"booking_id": booking.id, "starts_at": booking.starts_at.isoformat()},
    )
    return booking.id


def _book_class(
    uow: UnitOfWork, referral: Referral, class_id: int, starts_at: datetime, actor: Actor, now: datetime
) -> SessionBooking:
    row = uow.schedule.class_for_booking(class_id)  # locked: the count below holds until commit
    if row is None or row.service_id != referral.task.service_id or not row.is_active:
        raise Invalid("choose a session from the list", where="session")
    if starts_at.tzinfo is None or not is_occurrence(group_class(row), starts_at):
        raise Invalid("choose a session from the list", where="session")
    if starts_at <= now:
        raise Invalid("that session has already started", where="session")
    live = [b for b in uow.schedule.bookings(referral.id) if b.status is BookingStatus.BOOKED]
    if any(b.class_id == class_id and b.starts_at == starts_at for b in live):
        raise Conflict("the patient is already booked into that session", where="session")
    if uow.schedule.booked_count(class_id, starts_at) >= row.size:
        raise Conflict("that session is full: choose another", where="session")
    booking = _booking(referral, actor, now, starts_at, class_id=class_id)
    uow.schedule.add(booking)
    return booking


def _book_start(uow: UnitOfWork, referral: Referral, start_id: int, actor: Actor, now: datetime) -> SessionBooking:
    row = uow.schedule.programme_start(start_id)
    if row is None or row.service_id != referral.task.service_id or not row.is_active or row.starts_at <= now:
        raise Invalid("choose a session from the list", where="session")
    live = [b for b in uow.schedule.bookings(referral.id) if b.status is BookingStatus.BOOKED]
    if any(b.programme_start_id == start_id for b in live):
        raise Conflict("the patient is already booked onto that start", where="session")
    booking = _booking(referral, actor, now, row.starts_at, programme_start_id=start_id)
    uow.schedule.add(booking)
    return booking


def _booking(
    referral: Referral,
    actor: Actor,
    now: datetime,
    starts_at: datetime,
    *,
    class_id: int | None = None,
    programme_start_id: int | None = None,
) -> SessionBooking:
    assert referral.task.service_id is not None
    return SessionBooking(
        referral_id=referral.id,
        service_id=referral.task.service_id,
        class_id=class_id,
        programme_start_id=programme_start_id,
        starts_at=starts_at,
        status=BookingStatus.BOOKED,
        booked_by_user_id=actor.user_id,
        booked_at=now,
    )


def cancel_booking(uow: UnitOfWork, referral_id: str, booking_id: int, *, actor: Actor, now: datetime) -> None:
    """Free the seat. A booking already on the register stays (correct its line instead)."""
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action="cancel-booking", now=now)
    booking = uow.schedule.booking(booking_id)
    if booking is None or booking.referral_id != referral.id or booking.status is not BookingStatus.BOOKED:
        raise NotFound("no such booking")
    if uow.schedule.attendance_for_booking(booking.id) is not None:
        raise Conflict("this session is on the register: correct the register line instead")
    booking.status, booking.cancelled_at, booking.cancelled_by_user_id = BookingStatus.CANCELLED, now, actor.user_id
    withhold_reminder(uow, booking.id, reason="the booking was cancelled", now=now)
    note_event(uow, referral, EventType.BOOKING_CANCELLED, actor=actor, now=now, detail={"booking_id": booking.id})


def bookings_starting_between(uow: UnitOfWork, start: datetime, end: datetime) -> list[BookingStart]:
    """Live bookings starting in [start, end): ids, service, class, place and start, no patient data.
    For the scheduler's reminders, which reach each referral through services/access.py."""
    return uow.schedule.bookings_starting_between(start, end)
