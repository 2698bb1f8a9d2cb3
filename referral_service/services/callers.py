"""Who is calling: an API client's credentials and bearer token, turned into the one caller type."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher

from referral_service.domain.access import Actor
from referral_service.persistence.models import ApiClient
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Forbidden, Unauthorized
from referral_service.services.passwords import verify_in_constant_time


def _actor(client: ApiClient) -> Actor:
    return Actor.api_client(
        client.id,
        client.client_id,
        client.kind,
        client.organisation_id,
        frozenset(p.ods_code for p in client.practices),
    )


def authenticate_client(
    uow: UnitOfWork, client_id: str, secret: str, *, hasher: PasswordHasher, now: datetime
) -> Actor:
    """Check client credentials. The same answer for an unknown id and a wrong secret, so ids don't leak."""
    client = uow.access.api_client(client_id)
    stored = client.secret_hash if client else None
    # One argon2 verification whatever the case: an unknown id costs what a wrong secret costs.
    matches = verify_in_constant_time(hasher, stored, secret, allowed=client is not None and client.is_active)
    if client is None or not matches:
        raise Unauthorized("unknown client or wrong secret")
    client.last_used_at = now
    return _actor(client)


def active_client(uow: UnitOfWork, client_id: str) -> Actor:
    """The client a bearer token names, if it is still active (deactivating a client revokes its tokens)."""
    client = uow.access.api_client(client_id)
    if client is None or not client.is_active:
        raise Unauthorized("the access token's client is no longer active")
    return _actor(client)


def require_gp_system(actor: Actor) -> None:
    if not actor.is_gp_system:
        raise Forbidden("only a GP system client may send or cancel referrals")
