"""The session register as it is kept from bookings, and corrections to its lines.

A line is corrected, never rewritten in silence: each correction keeps who made it, when, the old
and the new value and the reason (`session_corrections`), and notes a `session-corrected` event,
from which the reports re-count attendances and missed sessions (read_models/journeys.py). The
referrer is not sent a message for a correction (domain/events.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from referral_service.domain.events import EventType
from referral_service.domain.progress import AttendanceStatus
from referral_service.domain.schedule import BookingStatus, day_in_words, session_in_words, uk_date
from referral_service.persistence.models import Referral, SessionBooking, SessionCorrection
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Actor, Right, referral_for
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.transitions import note_event

REASON_LIMIT = 500
STATUS_WORDS = {
    AttendanceStatus.ATTENDED: "Attended",
    AttendanceStatus.DNA: "Did not attend",
    AttendanceStatus.CANCELLED: "Cancelled",
}


@dataclass(frozen=True)
class BookedSession:
    id: int
    words: str  # "Tuesday 8 December 2026, 10:00am, Mersey Vale Leisure Centre"
    name: str  # the class's name, or "Programme start"
    status: str  # booked or cancelled
    on_register: bool
    started: bool  # its start has passed: it can be marked attended or missed


def session_day(
    uow: UnitOfWork, referral: Referral, booking_id: int | None, session_on: date | None
) -> tuple[date, SessionBooking | None]:
    """The date of a new register line: the booking's own (UK) day when it names one."""
    if booking_id is None:
        if session_on is None:
            raise Invalid("enter the date of the session", where="session_on")
        return session_on, None
    booking = uow.schedule.booking(booking_id)
    if booking is None or booking.referral_id != referral.id or booking.status is not BookingStatus.BOOKED:
        raise NotFound("no such booking")
    if uow.schedule.attendance_for_booking(booking.id) is not None:
        raise Conflict("this session is already on the register: correct its line instead")
    return uk_date(booking.starts_at), booking


def check_line(
    referral: Referral, session_on: date, status: AttendanceStatus, booking: SessionBooking | None, now: datetime
) -> None:
    """A session is never before the referral arrived, and nobody attends (or misses) one that has
    not started yet. Refused whichever door records the line."""
    received = uk_date(referral.received_at)
    if session_on < received:
        raise Invalid(
            f"the session cannot be before the referral was received on {day_in_words(received)}",
            where="session_on",
        )
    if booking is not None:  # a booked session may be called off ahead, never attended or missed ahead
        if status is not AttendanceStatus.CANCELLED and booking.starts_at > now:
            raise Invalid(
                f"the session starts on {session_in_words(booking.starts_at)}: it cannot be marked before then",
                where="status",
            )
    elif session_on > uk_date(now):
        raise Invalid("the date cannot be in the future", where="session_on")


def correct_session(
    uow: UnitOfWork,
    referral_id: str,
    session_number: int,
    *,
    status: AttendanceStatus,
    reason: str,
    actor: Actor,
    now: datetime,
) -> None:
    """Change a register line's attendance, with a reason; the earlier value stays in its history."""
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action="correct-session", now=now)
    line = next((line for line in uow.progress.register(referral.id) if line.session_number == session_number), None)
    if line is None:
        raise NotFound("no such register line")
    if line.is_final:
        raise Conflict("the register is final: the programme has ended")
    if status is line.status:
        raise Invalid("choose a different attendance from the one recorded", where="status")
    booking = uow.schedule.booking(line.booking_id) if line.booking_id is not None else None
    if status is not AttendanceStatus.CANCELLED and booking is not None and booking.starts_at > now:
        raise Invalid("the session has not started yet", where="status")
    text = (reason or "").strip()
    if not text:
        raise Invalid("say why the line is being corrected", where="reason")
    if len(text) > REASON_LIMIT:
        raise Invalid(f"use {REASON_LIMIT} characters or fewer", where="reason")
    uow.schedule.add(
        SessionCorrection(
            attendance_id=line.id,
            from_status=line.status,
            to_status=status,
            reason=text,
            corrected_by_user_id=actor.user_id,
            corrected_at=now,
        )
    )
    detail: dict[str, object] = {"session_number": session_number, "from": line.status.value, "to": status.value}
    line.status = status
    note_event(uow, referral, EventType.SESSION_CORRECTED, actor=actor, now=now, reason=text, detail=detail)


def booked_sessions(uow: UnitOfWork, referral: Referral, now: datetime) -> list[BookedSession]:
    """The referral's bookings in time order, with their date, time and place in words."""
    bookings = uow.schedule.bookings(referral.id)
    rows = []
    for booking in bookings:
        if booking.class_id is not None:
            group = uow.schedule.service_class(booking.class_id)
            name, place = (group.name, group.place) if group else ("Class", "")
        else:
            start = uow.schedule.programme_start(booking.programme_start_id or 0)
            name, place = "Programme start", start.place if start else ""
        rows.append(
            BookedSession(
                booking.id,
                session_in_words(booking.starts_at, place),
                name,
                booking.status.value,
                uow.schedule.attendance_for_booking(booking.id) is not None,
                booking.starts_at <= now,
            )
        )
    return rows


def register_lines(uow: UnitOfWork, referral: Referral) -> list[dict[str, object]]:
    """Each line with its booking (in words) and its corrections: who, when, from, to and why."""
    register = uow.progress.register(referral.id)
    corrections = uow.schedule.corrections([line.id for line in register])
    names: dict[int | None, str] = {}
    lines = []
    for line in register:
        history = []
        for c in corrections:
            if c.attendance_id != line.id:
                continue
            if c.corrected_by_user_id not in names:
                user = uow.access.portal_user(c.corrected_by_user_id) if c.corrected_by_user_id else None
                names[c.corrected_by_user_id] = user.display_name if user else "the provider's system"
            history.append(
                {
                    "by": names[c.corrected_by_user_id],
                    "at": c.corrected_at,
                    "from": STATUS_WORDS[c.from_status],
                    "to": STATUS_WORDS[c.to_status],
                    "reason": c.reason,
                }
            )
        booking = uow.schedule.booking(line.booking_id) if line.booking_id is not None else None
        lines.append(
            {
                "number": line.session_number,
                "on": line.session_on,
                "status": line.status.value,
                "booked": session_in_words(booking.starts_at) if booking else None,
                "corrections": history,
            }
        )
    return lines
