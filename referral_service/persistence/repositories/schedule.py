"""Queries over a service's timetable, the bookings into it, and register corrections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referral_service.domain.schedule import BookingStatus
from referral_service.persistence.models import (
    ProgrammeStart,
    Service,
    ServiceClass,
    SessionAttendance,
    SessionBooking,
    SessionCorrection,
)


@dataclass(frozen=True)
class BookingStart:
    """A live booking as the patient reminder reads it: ids, names and the start, no patient data."""

    booking_id: int
    referral_id: int
    service_id: int
    service: str
    class_name: str | None  # None for a programme start
    place: str
    starts_at: datetime


class ScheduleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ServiceClass | ProgrammeStart | SessionBooking | SessionCorrection) -> None:
        self.session.add(row)
        self.session.flush()

    def classes(self, service_id: int) -> Sequence[ServiceClass]:
        return self.session.scalars(
            select(ServiceClass)
            .where(ServiceClass.service_id == service_id, ServiceClass.is_active)
            .order_by(ServiceClass.weekday, ServiceClass.starts_at, ServiceClass.id)
        ).all()

    def service_class(self, class_id: int) -> ServiceClass | None:
        return self.session.get(ServiceClass, class_id)

    def class_for_booking(self, class_id: int) -> ServiceClass | None:
        """The class row, locked until the transaction ends (PostgreSQL), so two bookings into one
        class are counted one after the other and its size holds. SQLite writes one at a time."""
        return self.session.scalar(select(ServiceClass).where(ServiceClass.id == class_id).with_for_update())

    def programme_starts(self, service_id: int, *, after: datetime | None = None) -> Sequence[ProgrammeStart]:
        query = select(ProgrammeStart).where(ProgrammeStart.service_id == service_id, ProgrammeStart.is_active)
        if after is not None:
            query = query.where(ProgrammeStart.starts_at >= after)
        return self.session.scalars(query.order_by(ProgrammeStart.starts_at, ProgrammeStart.id)).all()

    def programme_start(self, start_id: int) -> ProgrammeStart | None:
        return self.session.get(ProgrammeStart, start_id)

    def booked_counts(
        self, class_ids: Sequence[int], first: datetime, last: datetime
    ) -> dict[tuple[int, datetime], int]:
        """Live bookings per (class, start) in a window."""
        if not class_ids:
            return {}
        rows = self.session.execute(
            select(SessionBooking.class_id, SessionBooking.starts_at, func.count())
            .where(
                SessionBooking.class_id.in_(class_ids),
                SessionBooking.starts_at >= first,
                SessionBooking.starts_at <= last,
                SessionBooking.status == BookingStatus.BOOKED,
            )
            .group_by(SessionBooking.class_id, SessionBooking.starts_at)
        ).all()
        return {(int(class_id or 0), starts_at): int(count) for class_id, starts_at, count in rows}

    def booked_count(self, class_id: int, starts_at: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count()).where(
                    SessionBooking.class_id == class_id,
                    SessionBooking.starts_at == starts_at,
                    SessionBooking.status == BookingStatus.BOOKED,
                )
            )
            or 0
        )

    def bookings(self, referral_id: int) -> Sequence[SessionBooking]:
        return self.session.scalars(
            select(SessionBooking)
            .where(SessionBooking.referral_id == referral_id)
            .order_by(SessionBooking.starts_at, SessionBooking.id)
        ).all()

    def booking(self, booking_id: int) -> SessionBooking | None:
        return self.session.get(SessionBooking, booking_id)

    def attendance_for_booking(self, booking_id: int) -> SessionAttendance | None:
        return self.session.scalar(select(SessionAttendance).where(SessionAttendance.booking_id == booking_id))

    def corrections(self, attendance_ids: Sequence[int]) -> Sequence[SessionCorrection]:
        if not attendance_ids:
            return []
        return self.session.scalars(
            select(SessionCorrection)
            .where(SessionCorrection.attendance_id.in_(attendance_ids))
            .order_by(SessionCorrection.corrected_at, SessionCorrection.id)
        ).all()

    def bookings_starting_between(self, start: datetime, end: datetime) -> list[BookingStart]:
        """Live bookings whose session starts at or after `start` and before `end`, in time order:
        what a reminder the day before reads (docs/sessions.md)."""
        rows = self.session.execute(
            select(SessionBooking, Service.name, ServiceClass.name, ServiceClass.place, ProgrammeStart.place)
            .join(Service, Service.id == SessionBooking.service_id)
            .outerjoin(ServiceClass, ServiceClass.id == SessionBooking.class_id)
            .outerjoin(ProgrammeStart, ProgrammeStart.id == SessionBooking.programme_start_id)
            .where(
                SessionBooking.status == BookingStatus.BOOKED,
                SessionBooking.starts_at >= start,
                SessionBooking.starts_at < end,
            )
            .order_by(SessionBooking.starts_at, SessionBooking.id)
        ).all()
        return [
            BookingStart(
                booking.id,
                booking.referral_id,
                booking.service_id,
                service,
                class_name,
                class_place or start_place or "",
                booking.starts_at,
            )
            for booking, service, class_name, class_place, start_place in rows
        ]
