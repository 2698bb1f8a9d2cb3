"""The reports' read models as the unit of work offers them to services (no session outside persistence)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from referral_service.domain.reporting.definitions import ReportFilter
from referral_service.domain.reporting.raw import MonthlyFigures, RawFigures
from referral_service.persistence.read_models.journeys import refresh_journeys
from referral_service.persistence.read_models.performance import monthly_figures, refreshed_at
from referral_service.persistence.read_models.reports import FilterOptions, filter_options, report_figures


class ReportReadModel:
    def __init__(self, session: Session) -> None:
        self.session = session

    def filter_options(self, area_id: int | None = None) -> FilterOptions:
        return filter_options(self.session, area_id)

    def figures(self, report_filter: ReportFilter, *, now: datetime, rollups: bool = True) -> RawFigures:
        """`rollups=False` reads the summary alone: the from-scratch figures the roll-ups must equal."""
        return report_figures(self.session, report_filter, now=now, rollups=rollups)

    def refresh(self, *, now: datetime, full: bool = False) -> int:
        return refresh_journeys(self.session, now=now, full=full)

    def monthly(self, provider_id: int | None, start: date, end: date) -> MonthlyFigures:
        """By month, for one provider or (None) every provider: reads only, writes nothing."""
        return monthly_figures(self.session, provider_id, start, end)

    def refreshed_at(self) -> datetime | None:
        return refreshed_at(self.session)
