"""`demo seed`: the demo identities of the contract, for `make run` (demo mode only)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from referral_service.services.demo import DEMO_CLIENT_ID, seed_demo_identities
from referral_service.services.demo_referrals import seed_demo_referrals
from referral_service.services.errors import ServiceError
from referral_service.web.context import service_context, unit_of_work, utcnow


@click.group("demo")
def demo_group() -> None:
    """Demo data (only with REFERRAL_SERVICE_DEMO=1)."""


@demo_group.command("seed")
@with_appcontext
def seed() -> None:
    """Create the demo practice, GP API client, portal users and a few referrals (idempotent)."""
    context = service_context()
    if not context.settings.demo:
        raise click.ClickException("demo seed runs only in demo mode (REFERRAL_SERVICE_DEMO=1)")
    try:
        with unit_of_work() as uow:
            lines = seed_demo_identities(
                uow, hasher=context.hasher, callback_url=context.settings.demo_gp_callback_url, now=utcnow()
            )
        with unit_of_work() as uow:
            sent = seed_demo_referrals(uow, client_id=DEMO_CLIENT_ID, now=utcnow())
        lines.append(f"{sent} demo referrals sent" if sent else "demo referrals already there")
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    for line in lines:
        click.echo(line)
