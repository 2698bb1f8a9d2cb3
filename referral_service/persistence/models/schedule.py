"""A service's timetable (weekly classes, programme start dates), the bookings into it, and the
corrections made to register lines."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.domain.progress import AttendanceStatus
from referral_service.domain.schedule import BookingStatus
from referral_service.persistence.base import Base, string_enum


class ServiceClass(Base):
    """A weekly group class, on a weekday at a UK wall-clock time; `size` is the capacity of each
    occurrence. A class is retired (`is_active` false) rather than deleted, so bookings keep it."""

    __tablename__ = "service_classes"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    weekday: Mapped[int]
    starts_at: Mapped[time]
    duration_minutes: Mapped[int]
    place: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class ProgrammeStart(Base):
    """The first session of a cohort programme: a date and time (stored in UTC) and a place."""

    __tablename__ = "programme_starts"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class SessionBooking(Base):
    """A patient booked into one class occurrence or one programme start."""

    __tablename__ = "session_bookings"
    __table_args__ = (
        CheckConstraint("(class_id IS NULL) <> (programme_start_id IS NULL)", name="one_session"),
        Index(
            "uq_session_bookings_class_once",
            "referral_id",
            "class_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'booked' AND class_id IS NOT NULL"),
            postgresql_where=text("status = 'booked' AND class_id IS NOT NULL"),
        ),
        Index(
            "uq_session_bookings_start_once",
            "referral_id",
            "programme_start_id",
            unique=True,
            sqlite_where=text("status = 'booked' AND programme_start_id IS NOT NULL"),
            postgresql_where=text("status = 'booked' AND programme_start_id IS NOT NULL"),
        ),
        Index("ix_session_bookings_occurrence", "class_id", "starts_at", "status"),
        Index("ix_session_bookings_starts_at", "starts_at", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("service_classes.id"))
    programme_start_id: Mapped[int | None] = mapped_column(ForeignKey("programme_starts.id"))
    starts_at: Mapped[datetime]
    status: Mapped[BookingStatus] = mapped_column(string_enum(BookingStatus, "booking_status"))
    booked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    booked_at: Mapped[datetime]
    cancelled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    cancelled_at: Mapped[datetime | None]


class SessionCorrection(Base):
    """A register line changed after it was recorded: who, when, the old and new value, and why.
    The line holds the value now; these rows keep every earlier one."""

    __tablename__ = "session_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("session_attendance.id"), index=True)
    from_status: Mapped[AttendanceStatus] = mapped_column(string_enum(AttendanceStatus, "correction_from_status"))
    to_status: Mapped[AttendanceStatus] = mapped_column(string_enum(AttendanceStatus, "correction_to_status"))
    reason: Mapped[str] = mapped_column(Text)
    corrected_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    corrected_at: Mapped[datetime]
