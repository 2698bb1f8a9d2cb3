"""Contact attempts, the session register and outcome measures recorded by providers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.domain.clock import utcnow
from referral_service.domain.progress import (
    AttendanceStatus,
    ContactMethod,
    ContactOutcome,
    OutcomeInstrument,
    OutcomeTimepoint,
)
from referral_service.persistence.base import Base, JSONDocument, string_enum


class ContactAttempt(Base):
    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    attempted_at: Mapped[datetime]
    method: Mapped[ContactMethod] = mapped_column(string_enum(ContactMethod, "contact_method"))
    outcome: Mapped[ContactOutcome] = mapped_column(string_enum(ContactOutcome, "contact_outcome"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionAttendance(Base):
    """One line of the session register. The register is finalised when the programme ends."""

    __tablename__ = "session_attendance"
    __table_args__ = (
        UniqueConstraint("referral_id", "session_number"),
        CheckConstraint("session_number > 0", name="session_number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    session_number: Mapped[int]
    session_on: Mapped[date]
    status: Mapped[AttendanceStatus] = mapped_column(string_enum(AttendanceStatus, "attendance_status"))
    is_final: Mapped[bool] = mapped_column(default=False)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("session_bookings.id"), unique=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutcomeMeasure(Base):
    """A measure at a timepoint. Item answers are kept as given (ONS4 items are never summed);
    `score` holds the instrument's score where it has one (SWEMWBS after Rasch conversion)."""

    __tablename__ = "outcome_measures"
    __table_args__ = (UniqueConstraint("referral_id", "instrument", "timepoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    instrument: Mapped[OutcomeInstrument] = mapped_column(string_enum(OutcomeInstrument, "outcome_instrument"))
    timepoint: Mapped[OutcomeTimepoint] = mapped_column(string_enum(OutcomeTimepoint, "outcome_timepoint"))
    measured_on: Mapped[date]
    items: Mapped[dict[str, float]] = mapped_column(JSONDocument)
    score: Mapped[float | None] = mapped_column(Float)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
