"""Who is calling, what they may see, and the audit record of every read of patient data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from referral_service.domain.access import ActorKind, ApiClientKind
from referral_service.persistence.models import ApiClient, AuditEvent, Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Forbidden, Unauthorized
from referral_service.services.passwords import verify_secret


@dataclass(frozen=True)
class ActorRef:
    """Who did something, as the event history records it."""

    kind: ActorKind
    id: str


SCHEDULER = ActorRef(ActorKind.SCHEDULER, "scheduler")


@dataclass(frozen=True)
class ClientActor:
    """An authenticated API client: a GP system (with the practices it refers for) or a provider's system."""

    pk: int
    client_id: str
    kind: ApiClientKind
    organisation_id: int | None
    practices: frozenset[str]

    @property
    def actor_kind(self) -> ActorKind:
        return ActorKind.API_CLIENT

    @property
    def ref(self) -> ActorRef:
        return ActorRef(ActorKind.API_CLIENT, self.client_id)


def _actor(client: ApiClient) -> ClientActor:
    return ClientActor(
        pk=client.id,
        client_id=client.client_id,
        kind=client.kind,
        organisation_id=client.organisation_id,
        practices=frozenset(p.ods_code for p in client.practices),
    )


def authenticate_client(
    uow: UnitOfWork, client_id: str, secret: str, *, hasher: PasswordHasher, now: datetime
) -> ClientActor:
    """Check client credentials. The same answer for an unknown id and a wrong secret, so ids don't leak."""
    client = uow.access.api_client(client_id)
    if client is None or not client.is_active or not verify_secret(hasher, client.secret_hash, secret):
        raise Unauthorized("unknown client or wrong secret")
    client.last_used_at = now
    return _actor(client)


def active_client(uow: UnitOfWork, client_id: str) -> ClientActor:
    """The client a bearer token names, if it is still active (deactivating a client revokes its tokens)."""
    client = uow.access.api_client(client_id)
    if client is None or not client.is_active:
        raise Unauthorized("the access token's client is no longer active")
    return _actor(client)


def require_gp_system(actor: ClientActor) -> None:
    if actor.kind is not ApiClientKind.GP_SYSTEM:
        raise Forbidden("only a GP system client may send or cancel referrals")


def record_access(
    uow: UnitOfWork,
    actor: ActorRef,
    *,
    action: str,
    resource_type: str,
    referral: Referral,
    request_id: str | None,
    now: datetime,
) -> None:
    """One audit row for each referral whose patient data anyone (a system or a person) was shown."""
    uow.referrals.add(
        AuditEvent(
            occurred_at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            action=action,
            resource_type=resource_type,
            resource_id=referral.public_id,
            referral_id=referral.id,
            patient_id=referral.patient_id,
            request_id=request_id,
        )
    )
