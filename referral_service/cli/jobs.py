"""`jobs run` (the scheduler process) and `jobs run-once` (every due job once, for cron and tests)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from referral_service.jobs.channels import Channels
from referral_service.jobs.delivery import http_sender
from referral_service.jobs.messages import ServiceIdentity
from referral_service.jobs.scheduler import build_scheduler
from referral_service.jobs.tasks import Delivery, run_once
from referral_service.web.context import service_context


def delivery() -> Delivery:
    settings = service_context().settings
    channels = Channels(
        public_url=settings.public_url,
        notify_api_key=settings.notify_api_key,
        notify_base_url=settings.notify_base_url,
        notify_templates=settings.notify_templates,
        smtp_url=settings.smtp_url,
        mail_from=settings.mail_from,
    )
    return Delivery(ServiceIdentity(settings.ods_code, settings.endpoint), http_sender(), channels)


@click.group("jobs")
def jobs_group() -> None:
    """Scheduled work: offer expiry, waiting-list promotion and outbox delivery."""


@jobs_group.command("run-once")
@with_appcontext
def run_once_command() -> None:
    """Run every due job once and report what each handled."""
    reports = run_once(service_context().session_factory, delivery())
    for report in reports:
        click.echo(report.line())
    if any(report.failed for report in reports):
        raise SystemExit(1)


@jobs_group.command("run")
@with_appcontext
def run_command() -> None:
    """Run the scheduler in this process until stopped (Ctrl-C)."""
    scheduler = build_scheduler(service_context().session_factory, delivery())
    click.echo("scheduler running: " + ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
