"""Booked sessions on the register by whether their reminder was sent: the report's reminder effect.

A session's reminder is found by its dedupe key (`session-reminder:<booking id>:<channel>`, as
`services/session_reminders.py` writes it, against the unique index on `dedupe_key`), and counts
when either channel's notification reached sent or delivered.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from referral_service.domain.notifications import NotificationKind, NotificationState
from referral_service.domain.progress import AttendanceStatus
from referral_service.persistence.models import Notification, ReportJourney, SessionAttendance, SessionBooking

J = ReportJourney
OUTCOME = {AttendanceStatus.ATTENDED: "attended", AttendanceStatus.DNA: "missed"}


def reminder_effect(session: Session, conditions: list[ColumnElement[bool]]) -> dict[tuple[str, str], int]:
    """(reminded or not, attended or missed) -> booked sessions, for the report's referrals."""
    key = literal("session-reminder:", String) + cast(SessionBooking.id, String)
    reminded = exists().where(
        Notification.dedupe_key.in_((key + ":sms", key + ":email")),
        Notification.kind == NotificationKind.SESSION_REMINDER,
        Notification.state.in_((NotificationState.SENT, NotificationState.DELIVERED)),
    )
    per_session = (
        select(reminded.label("reminded"), SessionAttendance.status.label("status"))
        .join(SessionBooking, SessionBooking.id == SessionAttendance.booking_id)
        .join(J, J.referral_id == SessionAttendance.referral_id)
        .where(SessionAttendance.status.in_(tuple(OUTCOME)), *conditions)
        .subquery()
    )
    rows = session.execute(
        select(per_session.c.reminded, per_session.c.status, func.count()).group_by(
            per_session.c.reminded, per_session.c.status
        )
    )
    return {
        ("reminded" if was_reminded else "not-reminded", OUTCOME[AttendanceStatus(status)]): int(n)
        for was_reminded, status, n in rows
    }
