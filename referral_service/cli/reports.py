"""`reports refresh`: bring the reports' per-referral summary up to date (the scheduler does it every minute)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from referral_service.domain.clock import utcnow
from referral_service.services.reports import refresh_report_data
from referral_service.web.context import unit_of_work


@click.group("reports")
def reports_group() -> None:
    """Commissioner reports."""


@reports_group.command("refresh")
@click.option("--full", is_flag=True, help="rebuild every referral's row, not only those whose history grew")
@with_appcontext
def refresh(full: bool) -> None:
    """Rebuild the summary the reports read, from the event history (a nightly --full keeps it honest)."""
    with unit_of_work() as uow:
        rebuilt = refresh_report_data(uow, now=utcnow(), full=full)
    click.echo(f"{rebuilt} referrals summarised")
