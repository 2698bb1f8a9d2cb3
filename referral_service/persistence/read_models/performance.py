"""A provider's figures by month, and the area's (every provider), read from the report summary.

Counts and day-count histograms only; the domain suppresses small numbers and takes medians.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from referral_service.domain.reporting.raw import MonthlyFigures
from referral_service.persistence.models import ReportJourney, ReportRefresh
from referral_service.persistence.read_models.reports import _sum, _waits

J = ReportJourney
COUNTS = ("offered", "accepted", "declined", "attended", "completed")


def monthly_figures(session: Session, provider_id: int | None, start: date, end: date) -> MonthlyFigures:
    """Referrals received from `start` to `end` that a provider held (this one, or any when None), by month."""
    conditions: list[ColumnElement[bool]] = [
        J.received_at >= datetime.combine(start, time.min, tzinfo=UTC),
        J.received_at < datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
        J.provider_id.is_not(None) if provider_id is None else J.provider_id == provider_id,
    ]
    rows = session.execute(
        select(
            J.received_month,
            *(_sum(getattr(J, key)).label(key) for key in COUNTS),
            func.sum(J.sessions_attended).label("sessions_attended"),
            func.sum(J.sessions_missed).label("sessions_missed"),
        )
        .where(*conditions)
        .group_by(J.received_month)
    )
    counts = {str(row[0]): {str(k): int(v or 0) for k, v in list(row._mapping.items())[1:]} for row in rows}
    return MonthlyFigures(counts=counts, waits=_waits(session, conditions))


def refreshed_at(session: Session) -> datetime | None:
    """When the summary was last brought up to date."""
    return session.scalar(select(func.max(ReportRefresh.refreshed_at)))
