"""Password and client-secret hashing with argon2 (argon2-cffi)."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@cache
def password_hasher(profile: str = "standard") -> PasswordHasher:
    """argon2id with the library's recommended cost; "fast" is a much cheaper cost for the test suite."""
    if profile == "fast":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def verify_secret(hasher: PasswordHasher, stored_hash: str, secret: str) -> bool:
    try:
        return hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hashes: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_hex(16))
    return _dummy_hashes[key]


def verify_in_constant_time(hasher: PasswordHasher, stored_hash: str | None, secret: str, *, allowed: bool) -> bool:
    """One argon2 verification whatever the case, so a refusal's timing says nothing about why.

    An unknown account (`stored_hash` None) is checked against a dummy hash; a locked or inactive
    one (`allowed` False) is still verified, and its answer thrown away.
    """
    matches = verify_secret(hasher, stored_hash or _dummy_hash(hasher), secret)
    return allowed and stored_hash is not None and matches
