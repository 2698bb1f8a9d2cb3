"""A provider's own figures beside its area's, from the report summary as it stands.

Opening the page writes nothing (no refresh, no audit row: no patient is shown); the figures are
as of the summary's last refresh, which the page states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from referral_service.domain.access import Actor
from referral_service.domain.reporting.performance import performance_tables
from referral_service.domain.reporting.tables import FigureTable
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Forbidden

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class Performance:
    start: date
    end: date
    refreshed_at: datetime | None
    threshold: int
    tables: tuple[FigureTable, ...]


def first_of_month_back(today: date, months: int) -> date:
    """The first day of the month `months - 1` months before today's, so `months` months are shown."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def provider_performance(uow: UnitOfWork, *, actor: Actor, today: date, threshold: int) -> Performance:
    """The caller's own organisation by month, beside every provider in the deployment together."""
    provider = actor.provider_organisation
    if provider is None:
        raise Forbidden("only a provider sees its own figures")
    start = first_of_month_back(today, MONTHS_SHOWN)
    ours = uow.reports.monthly(provider, start, today)
    area = uow.reports.monthly(None, start, today)
    tables = performance_tables(ours, area, start=start, end=today, threshold=threshold)
    return Performance(start, today, uow.reports.refreshed_at(), threshold, tables)
