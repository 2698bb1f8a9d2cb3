"""Commissioner reports: bring the summary up to date, aggregate in SQL, suppress in the domain.

The entry point owns the unit of work; a report refreshes the summary of the referrals whose
history grew since the last refresh (a few rows on a live service), inside the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from referral_service.domain.reporting.assemble import build_report
from referral_service.domain.reporting.definitions import ReportFilter
from referral_service.domain.reporting.tables import Report
from referral_service.persistence.read_models.reports import FilterOptions
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Invalid

__all__ = ["FilterOptions", "commissioner_report", "refresh_report_data", "report_filter_choices"]


def _check_filter(options: FilterOptions, report_filter: ReportFilter) -> None:
    """A filter naming something that does not exist is a mistake to point out, not an empty report."""
    known = {
        "practice": {code for code, _ in options.practices},
        "pcn": {code for code, _ in options.pcns},
        "provider": {slug for slug, _ in options.providers},
        "service": {slug for slug, _ in options.services},
    }
    for name, values in known.items():
        chosen = getattr(report_filter, name)
        if chosen and chosen not in values:
            raise Invalid(f"there is no {name} {chosen!r}", where=name)


def commissioner_report(uow: UnitOfWork, report_filter: ReportFilter, *, threshold: int, now: datetime) -> Report:
    """The whole report for the filter, every figure suppressed at `threshold` before it is returned."""
    _check_filter(uow.reports.filter_options(), report_filter)
    uow.reports.refresh(now=now)
    raw = uow.reports.figures(report_filter, now=now)
    return build_report(raw, report_filter, threshold=threshold, generated_at=now)


def report_filter_choices(uow: UnitOfWork) -> FilterOptions:
    return uow.reports.filter_options()


def refresh_report_data(uow: UnitOfWork, *, now: datetime, full: bool = False) -> int:
    """Rebuild the report summary: the referrals whose history grew, or (full) every referral."""
    return uow.reports.refresh(now=now, full=full)
