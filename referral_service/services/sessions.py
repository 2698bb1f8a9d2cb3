"""Signing people in to the portal and the reports: throttled, one server-side session per login.

Passwords are argon2 hashes. After MAX_FAILURES wrong passwords in a row an account is locked for
LOCKOUT; the answer to a wrong password, an unknown address, an inactive and a locked account is
the same, and costs the same (one argon2 verification each), so neither the form nor a stopwatch
tells who has an account. Signing in again leaves other sessions live (several devices are
normal); `sign_out_everywhere` ends them all.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher

from referral_service.domain.access import Actor, UserRole
from referral_service.persistence.models import PortalSession, PortalUser
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.passwords import verify_in_constant_time

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=60)
SESSION_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # refresh last_seen_at at most this often, not on every request


@dataclass(frozen=True)
class SignedInUser:
    """Who is at the keyboard, as views see them: never the password hash."""

    id: int
    email: str
    display_name: str
    role: UserRole
    organisation_id: int | None
    area_id: int | None = None  # a commissioner's area

    @property
    def actor(self) -> Actor:
        """The caller every service takes: what this person may reach follows from it alone."""
        return Actor.portal_user(self.id, self.role, self.organisation_id, self.area_id)


class SignInOutcome(StrEnum):
    SIGNED_IN = "signed-in"
    REFUSED = "refused"  # unknown address, wrong password, inactive or locked: one answer for all


@dataclass(frozen=True)
class SignIn:
    outcome: SignInOutcome
    token: str | None = None
    user: SignedInUser | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signed_in(user: PortalUser) -> SignedInUser:
    return SignedInUser(user.id, user.email, user.display_name, user.role, user.organisation_id, user.area_id)


def sign_in(uow: UnitOfWork, email: str, password: str, *, hasher: PasswordHasher, now: datetime) -> SignIn:
    """Check the password and open a new session. A failure is counted (and committed by the caller's
    unit of work), so it returns REFUSED rather than raising."""
    user = uow.access.portal_user_by_email(email)
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    allowed = user is not None and user.is_active and not locked
    # Exactly one argon2 verification in every case: a refusal costs the same whatever its reason.
    matches = verify_in_constant_time(hasher, user.password_hash if user else None, password, allowed=allowed)
    if user is None:
        return SignIn(SignInOutcome.REFUSED)
    if locked or not user.is_active or not matches:
        reason = "locked" if locked else "inactive" if not user.is_active else "wrong-password"
        uow.access.record_sign_in(user.id, succeeded=False, reason=reason, now=now)
    if locked:
        return SignIn(SignInOutcome.REFUSED)
    if not matches:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        return SignIn(SignInOutcome.REFUSED)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    uow.access.record_sign_in(user.id, succeeded=True, reason=None, now=now)
    token = secrets.token_urlsafe(32)
    uow.access.add(
        PortalSession(
            token_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return SignIn(SignInOutcome.SIGNED_IN, token, _signed_in(user))


def session_user(uow: UnitOfWork, token: str, *, now: datetime) -> SignedInUser | None:
    """The user of a live session, or None when it is unknown, ended, expired or idle too long."""
    session = uow.access.portal_session(_hash(token))
    if session is None or session.ended_at is not None:
        return None
    if now >= session.expires_at or now - session.last_seen_at >= IDLE_TIMEOUT:
        session.ended_at = now
        return None
    user = uow.access.portal_user(session.user_id)
    if user is None or not user.is_active:
        session.ended_at = now
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
    return _signed_in(user)


def sign_out(uow: UnitOfWork, token: str, *, now: datetime) -> None:
    session = uow.access.portal_session(_hash(token))
    if session is not None and session.ended_at is None:
        session.ended_at = now


def sign_out_everywhere(uow: UnitOfWork, token: str, *, now: datetime) -> int:
    """End every live session of the user whose session this is, this one included; how many ended.

    Signing in again keeps other sessions (several devices are normal); this is the way to end
    them all, e.g. after a shared computer or a lost phone."""
    session = uow.access.portal_session(_hash(token))
    if session is None or session.ended_at is not None:
        return 0
    return uow.access.end_sessions_of(session.user_id, now=now)
