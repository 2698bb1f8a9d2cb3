"""Client credentials for /oauth/token, throttled per client id and per remote address.

After CLIENT_LIMIT failures for one client id (or ADDRESS_LIMIT from one address, higher because
many practices may share a gateway) within WINDOW, that key is refused for WINDOW without checking
the secret. The key is whatever was presented, known or not, so a throttled answer says nothing
about which client ids exist; and every unthrottled refusal costs one argon2 verification
(`authenticate_client`). A success clears its client id's count; an address's count only runs out,
so a caller holding one valid secret cannot use it to go on guessing others. The counts live in the
database (`sign_in_throttles`): every web worker sees the same ones, and a restart forgets none.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher

from referral_service.domain.access import Actor
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import authenticate_client
from referral_service.services.errors import Unauthorized

CLIENT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)


class ClientSignInOutcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"  # unknown client, wrong secret or inactive: one answer for all
    THROTTLED = "throttled"


@dataclass(frozen=True)
class ClientSignIn:
    outcome: ClientSignInOutcome
    actor: Actor | None = None
    retry_after_seconds: int = 0


def _key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _keys(client_id: str, remote_address: str | None) -> list[tuple[str, str, int]]:
    keys = [("client", _key(client_id), CLIENT_LIMIT)]
    if remote_address:
        keys.append(("address", _key(remote_address), ADDRESS_LIMIT))
    return keys


def _blocked_for(uow: UnitOfWork, scope: str, key_hash: str, now: datetime) -> int:
    row = uow.access.throttle(scope, key_hash)
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return 0
    return max(1, math.ceil((row.blocked_until - now).total_seconds()))


def _count_failure(uow: UnitOfWork, scope: str, key_hash: str, limit: int, now: datetime) -> None:
    row = uow.access.throttle(scope, key_hash) or uow.access.add_throttle(scope, key_hash, now=now)
    if now - row.window_started_at >= WINDOW:
        row.failures, row.window_started_at, row.blocked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.blocked_until = now + WINDOW


def sign_in_client(
    uow: UnitOfWork,
    client_id: str,
    secret: str,
    *,
    remote_address: str | None,
    hasher: PasswordHasher,
    now: datetime,
) -> ClientSignIn:
    """Grant, refuse or hold off. Failures are counted in the caller's unit of work, so this returns
    REFUSED rather than raising (a raise would roll the count back)."""
    keys = _keys(client_id, remote_address)
    wait = max(_blocked_for(uow, scope, key_hash, now) for scope, key_hash, _ in keys)
    if wait:
        return ClientSignIn(ClientSignInOutcome.THROTTLED, retry_after_seconds=wait)
    try:
        actor = authenticate_client(uow, client_id, secret, hasher=hasher, now=now)
    except Unauthorized:
        for scope, key_hash, limit in keys:
            _count_failure(uow, scope, key_hash, limit, now)
        uow.access.prune_throttles(window_started_before=now - WINDOW, now=now)
        return ClientSignIn(ClientSignInOutcome.REFUSED)
    uow.access.clear_throttle("client", _key(client_id))
    return ClientSignIn(ClientSignInOutcome.GRANTED, actor)
