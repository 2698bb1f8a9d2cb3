"""`demo seed` (the demo identities of the contract, demo mode only) and `demo generate` (a synthetic history)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from referral_service.domain.clock import utcnow
from referral_service.fhir.demo_referrals import demo_service_request
from referral_service.services.demo import DEMO_CLIENT_ID, seed_demo_identities
from referral_service.services.demo_referrals import DEMO_PATIENTS, demo_nhs_number, demo_phone, demo_referrals_sent
from referral_service.services.errors import ServiceError
from referral_service.services.synthetic.generate import (
    finish_generation,
    generate_batch,
    has_history,
    prepare_catalogue,
)
from referral_service.web.context import service_context, unit_of_work
from referral_service.web.tokens import issue_token


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
            already = demo_referrals_sent(uow)
        lines.append(f"{send_demo_referrals()} demo referrals sent" if not already else "demo referrals already there")
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    for line in lines:
        click.echo(line)


def send_demo_referrals() -> int:
    """Post each demo referral to `POST /fhir/ServiceRequest` as the demo GP system, through the
    app's own HTTP stack: the same validation, storage and triage a real GP system's referral gets."""
    client = current_app.test_client()
    bearer = {"Authorization": f"Bearer {issue_token(DEMO_CLIENT_ID)}", "Content-Type": "application/fhir+json"}
    now = utcnow()
    for index, person in enumerate(DEMO_PATIENTS):
        document = demo_service_request(
            person,
            number=index + 1,
            nhs_number=demo_nhs_number(index),
            phone=demo_phone(index),
            authored=now - timedelta(hours=len(DEMO_PATIENTS) - index),
            measured=now.date() - timedelta(days=10),
        )
        headers = {**bearer, "X-Request-Id": str(uuid.uuid4()), "Prefer": "return=minimal"}
        response = client.post("/fhir/ServiceRequest", data=json.dumps(document), headers=headers)
        if response.status_code not in (200, 201):
            raise click.ClickException(f"demo referral {index + 1} was refused: {response.get_data(as_text=True)}")
    return len(DEMO_PATIENTS)


@demo_group.command("generate")
@click.option("--referrals", "count", type=click.IntRange(1), required=True, help="how many referrals to invent")
@click.option("--seed", type=int, default=1, show_default=True, help="the same seed gives the same history")
@click.option("--batch-size", type=click.IntRange(100), default=5000, show_default=True)
@click.option(
    "--settled-days",
    type=click.IntRange(0, 3650),
    default=0,
    show_default=True,
    help="every referral arrived at least this many days ago (its journey has ended)",
)
@click.option("--unless-present", is_flag=True, help="do nothing when a history is already there (for make run)")
@with_appcontext
def generate(count: int, seed: int, batch_size: int, settled_days: int, unless_present: bool) -> None:
    """Write a synthetic history of COUNT referrals (18 months up to now) for demos and benchmarks.

    Needs the provider directory loaded; uses the deprivation lookup when one is loaded. Rows are
    written in batches, each its own transaction; the reports' summary is rebuilt at the end.
    """
    now = utcnow()
    if unless_present:
        with unit_of_work() as uow:
            if has_history(uow, at_least=count):
                click.echo("a synthetic history is already there: nothing written")
                return
    try:
        with unit_of_work() as uow:
            catalogue = prepare_catalogue(uow)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    events = 0
    with click.progressbar(length=count, label="referrals") as bar:
        for batch, start in enumerate(range(0, count, batch_size)):
            size = min(batch_size, count - start)
            with unit_of_work() as uow:
                events += generate_batch(
                    uow, catalogue, seed=seed, batch=batch, count=size, now=now, settled_days=settled_days
                )
            bar.update(size)
    click.echo("rebuilding the reports' summary ...")
    with unit_of_work() as uow:
        summarised = finish_generation(uow, now=now)
    click.echo(f"{count} referrals with {events} events written; {summarised} referrals in the reports' summary")
