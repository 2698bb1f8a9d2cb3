"""A provider's own figures beside its area's, from the report summary as it stands.

Opening the page writes nothing (no refresh, no audit row: no patient is shown); the figures are
as of the summary's last refresh, which the page states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from marshmallow import ValidationError

from referral_service.domain.access import Actor
from referral_service.domain.reporting.performance import performance_tables
from referral_service.domain.reporting.tables import FigureTable
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.reports import describe_errors, parse_report_filter
from referral_service.services.errors import Forbidden, Invalid

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


def provider_performance(
    uow: UnitOfWork, *, actor: Actor, today: date, threshold: int, arguments: Mapping[str, str] | None = None
) -> Performance:
    """The caller's own organisation by month, beside every provider in the deployment together:
    the last twelve months, or the period `from`/`to` in `arguments` (the reports' query arguments)."""
    provider = actor.provider_organisation
    if provider is None:
        raise Forbidden("only a provider sees its own figures")
    start, end = first_of_month_back(today, MONTHS_SHOWN), today
    if arguments and (arguments.get("from") or arguments.get("to")):
        try:
            chosen = parse_report_filter({k: arguments[k] for k in ("from", "to") if k in arguments}, today=today)
        except ValidationError as error:
            raise Invalid(describe_errors(error)) from None
        start, end = chosen.start, chosen.end
    ours = uow.reports.monthly(provider, start, end)
    area = uow.reports.monthly(None, start, end)
    tables = performance_tables(ours, area, start=start, end=end, threshold=threshold)
    return Performance(start, end, uow.reports.refreshed_at(), threshold, tables)
