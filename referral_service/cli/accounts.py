"""`clients create` and `users create`: API clients for GP, provider and monitoring systems, portal logins."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.services.accounts import create_portal_user, register_api_client
from referral_service.services.errors import ServiceError
from referral_service.web.context import service_context, unit_of_work


@click.group("clients")
def clients_group() -> None:
    """API clients (GP clinical systems and provider systems)."""


@clients_group.command("create")
@click.argument("client_id")
@click.option("--name", required=True, help="who this client is, e.g. 'EMIS at Heaton Moor Medical Centre'")
@click.option("--practice", "practices", multiple=True, help="ODS code of a practice it refers for (repeatable)")
@click.option("--provider", "provider_slug", help="the provider (directory id) whose system this is")
@click.option("--callback-url", help="where outcome messages for this GP system are delivered")
@click.option(
    "--admin", is_flag=True, help="a monitoring system with the admin scope (integration health), no referrals"
)
@with_appcontext
def create_client(
    client_id: str,
    name: str,
    practices: tuple[str, ...],
    provider_slug: str | None,
    callback_url: str | None,
    admin: bool,
) -> None:
    """Register an API client and print its secret once (only a hash is kept)."""
    try:
        with unit_of_work() as uow:
            client = register_api_client(
                uow,
                client_id=client_id,
                name=name,
                hasher=service_context().hasher,
                practices=practices,
                provider_slug=provider_slug,
                callback_url=callback_url,
                admin=admin,
            )
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"client_id={client.client_id}")
    click.echo(f"client_secret={client.secret}")
    click.echo("Keep the secret now: it is stored only as a hash and cannot be shown again.", err=True)


@click.group("users")
def users_group() -> None:
    """Portal users (provider staff, link workers, commissioners, administrators)."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([role.value for role in UserRole]), required=True)
@click.option("--provider", "provider_slug", help="for provider staff: the provider's directory id")
@click.option(
    "--area", "area_slug", help="for a commissioner: the area (id in areas.yaml) they see; default every area"
)
@click.password_option(help="at least 12 characters; asked for when not given")
@with_appcontext
def create_user(
    email: str, name: str, role: str, provider_slug: str | None, area_slug: str | None, password: str
) -> None:
    """Create a portal user with an argon2-hashed password."""
    try:
        with unit_of_work() as uow:
            user = create_portal_user(
                uow,
                email=email,
                display_name=name,
                role=UserRole(role),
                password=password,
                hasher=service_context().hasher,
                provider_slug=provider_slug,
                now=utcnow(),
                area_slug=area_slug,
            )
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"user {user.email} ({user.role.value}) {'created' if user.created else 'already exists'}")
