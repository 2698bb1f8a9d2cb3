"""Commissioner reports: aggregate the summary in SQL, suppress in the domain.

Reading a report never writes: the per-referral summary is brought up to date by the scheduler's
`refresh-reports` tick (and `reports refresh`), so opening a page takes no lock and adds no row,
and a read replica or a read-only database role could serve the pages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from referral_service.domain.access import Actor
from referral_service.domain.areas import in_area, report_area
from referral_service.domain.reporting.assemble import build_report
from referral_service.domain.reporting.definitions import ReportFilter
from referral_service.domain.reporting.tables import Report
from referral_service.persistence.read_models.reports import FilterOptions
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Invalid, NotFound

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


def area_filter(uow: UnitOfWork, report_filter: ReportFilter, actor: Actor | None) -> ReportFilter:
    """The filter limited to the reader's area (domain.areas), the one place a report learns it.

    A practice of another area is answered as if it did not exist (404), as any object of another
    area is: look it up, then `in_area(actor, its area_id)`. No actor is the service itself
    (command line, jobs): every area.
    """
    if actor is None:
        return report_filter
    if report_filter.practice:
        practice = uow.directory.organisation_by_ods_code(report_filter.practice)
        if practice is not None and not in_area(actor, practice.area_id):
            raise NotFound(f"there is no practice {report_filter.practice!r}", where="practice")
    return replace(report_filter, area_id=report_area(actor))


def commissioner_report(
    uow: UnitOfWork,
    report_filter: ReportFilter,
    *,
    threshold: int,
    now: datetime,
    actor: Actor | None = None,
) -> Report:
    """The whole report for the filter, every figure suppressed at `threshold` before it is returned;
    for a reader with an area (`actor`), over that area's referrals only."""
    report_filter = area_filter(uow, report_filter, actor)
    _check_filter(uow.reports.filter_options(report_filter.area_id), report_filter)
    raw = uow.reports.figures(report_filter, now=now)
    return build_report(raw, report_filter, threshold=threshold, generated_at=now)


def report_filter_choices(uow: UnitOfWork, actor: Actor | None = None) -> FilterOptions:
    """What the filter form offers this reader: their area's practices when they have one."""
    return uow.reports.filter_options(None if actor is None else report_area(actor))


def refresh_report_data(uow: UnitOfWork, *, now: datetime, full: bool = False) -> int:
    """Rebuild the report summary: the referrals whose history grew, or (full) every referral.
    The one writer of the summary (the scheduler's tick, the CLI, the loaders), never a page."""
    return uow.reports.refresh(now=now, full=full)
