"""`outbox parked|retry ID|retry --endpoint URL|resolve ID --reason …|health`: the people's side of delivery."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from referral_service.domain.clock import utcnow
from referral_service.services.errors import ServiceError
from referral_service.services.integration import integration_health, parked_messages
from referral_service.services.outbox import resolve_parked, retry_parked, send_now
from referral_service.web.context import unit_of_work


@click.group("outbox")
def outbox_group() -> None:
    """Messages to referrers: parked ones, and the health of each referrer endpoint."""


@outbox_group.command("parked")
@with_appcontext
def parked() -> None:
    """List messages that exhausted their retries or were refused, with the last error."""
    with unit_of_work() as uow:
        messages = parked_messages(uow)
    if not messages:
        click.echo("no parked messages")
    for m in messages:
        click.echo(
            f"{m.id}  referral {m.referral_id}  {m.kind}  to {m.destination}  after {m.attempts} attempts: "
            f"{m.last_error or '-'}"
        )


@outbox_group.command("retry")
@click.argument("message_id", required=False)
@click.option("--endpoint", help="send every pending message to this endpoint now (it has recovered)")
@with_appcontext
def retry(message_id: str | None, endpoint: str | None) -> None:
    """Send a parked message again (its X-Request-Id stays the same), or with --endpoint URL, send the
    messages waiting for that endpoint at the next delivery run instead of after their back-off."""
    if (message_id is None) == (endpoint is None):
        raise click.UsageError("give a parked message's ID, or --endpoint URL")
    try:
        with unit_of_work() as uow:
            if endpoint is not None:
                count = send_now(uow, endpoint, now=utcnow())
            else:
                retry_parked(uow, str(message_id), now=utcnow())
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    if endpoint is not None:
        click.echo(f"{count} pending messages to {endpoint} due now (parked ones: outbox retry ID)")
    else:
        click.echo(f"{message_id} queued for delivery")


@outbox_group.command("resolve")
@click.argument("message_id")
@click.option("--reason", required=True, help="what was done instead, e.g. 'practice told by phone'")
@with_appcontext
def resolve(message_id: str, reason: str) -> None:
    """Close a parked message by hand, with the reason."""
    try:
        with unit_of_work() as uow:
            resolve_parked(uow, message_id, reason=reason, now=utcnow())
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{message_id} resolved")


@outbox_group.command("health")
@with_appcontext
def health() -> None:
    """Per referrer endpoint: last success, last failure, backlog and the oldest undelivered message."""
    with unit_of_work() as uow:
        rows = integration_health(uow, now=utcnow())
    if not rows:
        click.echo("no messages yet")
    for row in rows:
        age = f"{row.oldest_undelivered_age_seconds:.0f} s" if row.oldest_undelivered_age_seconds is not None else "-"
        click.echo(
            f"{row.destination}: last success {row.last_success or '-'}, last failure {row.last_failure or '-'}, "
            f"backlog {row.backlog} ({row.parked} parked), oldest undelivered {age}"
            + (f"; last error: {row.last_error}" if row.last_error else "")
        )
