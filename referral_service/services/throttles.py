"""Counting requests against a key in the database (`sign_in_throttles`), for doors that anyone may
knock on without signing in: every web worker sees the same counts, and a restart forgets none.

The key is whatever was presented, known or not, and is stored only as a SHA-256, so a throttle
says nothing about which accounts exist and keeps nobody's strings.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from referral_service.persistence.uow import UnitOfWork


def key_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def count_request(uow: UnitOfWork, scope: str, key: str, *, limit: int, window: timedelta, now: datetime) -> int:
    """Count one request against `key`; 0 while within `limit` per `window`, else the seconds to wait."""
    hashed = key_hash(key)
    row = uow.access.throttle(scope, hashed) or uow.access.add_throttle(scope, hashed, now=now)
    if now - row.window_started_at >= window:
        row.failures, row.window_started_at, row.blocked_until = 0, now, None
    row.failures += 1
    if row.failures <= limit:
        return 0
    row.blocked_until = row.window_started_at + window
    return max(1, math.ceil((row.blocked_until - now).total_seconds()))
