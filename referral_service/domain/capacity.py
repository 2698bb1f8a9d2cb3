"""Capacity arithmetic: waiting-list order and offer deadlines in working days. Pure functions."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, timedelta

from referral_service.domain.referral import Priority

# Waiting lists serve higher priority first (FHIR request-priority, most urgent first), then arrival.
PRIORITY_RANK = {Priority.STAT: 0, Priority.ASAP: 1, Priority.URGENT: 2, Priority.ROUTINE: 3}


def add_working_days(start: date, days: int, holidays: Container[date]) -> date:
    """The date `days` working days after `start`: weekends and bank holidays do not count."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current


def respond_by(offered_at: datetime, days: int, holidays: Container[date]) -> datetime:
    """The provider's deadline: the same time of day, `days` working days later."""
    deadline = add_working_days(offered_at.date(), days, holidays)
    return offered_at + timedelta(days=(deadline - offered_at.date()).days)
