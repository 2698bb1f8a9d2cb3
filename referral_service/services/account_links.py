"""Emailed links that let a person set a password: an administrator's invitation, and the reset of a
forgotten password.

A link carries 256 random bits; only their SHA-256 is stored. It works once, until it expires
(`domain.account_links.LIFETIME`), and a newer link of the same purpose revokes the older one.
The emails go through the notification queue (`queue_staff_email`), so they leave only if the
transaction commits, and carry the person's name and the link: never patient data.

Asking for a reset answers the same whether or not the address has an account, and does the same
work before answering (the throttle counts, a token drawn and hashed); only the email differs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.domain.account_links import LIFETIME, LinkPurpose
from referral_service.persistence.models import AccountLink, AuditEvent, PortalUser
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import MIN_PASSWORD_LENGTH
from referral_service.services.errors import Forbidden, Invalid, NotFound
from referral_service.services.notifications import queue_staff_email, uk_date_time
from referral_service.services.throttles import count_request

PATHS = {LinkPurpose.INVITATION: "/account/set-password", LinkPurpose.RESET: "/account/reset-password"}
RESET_WINDOW = timedelta(minutes=15)
RESETS_PER_ADDRESS = 3  # emails to one address per window; more requests are answered alike, unsent
RESETS_PER_CALLER = 10  # requests from one remote address per window; more are refused for a while

INVITATION = """Hello {name},

You have an account on the social prescribing referral service. Set your password to start using it:

{link}

The link works once, until {until}. If you did not expect this email, you can ignore it: the account stays closed.
"""
RESET = """Hello {name},

Someone asked to reset the password of your account on the social prescribing referral service.
Choose a new password here:

{link}

The link works once, until {until}. If it was not you, ignore this email: your password stays as it is.
"""


class ResetAnswer(StrEnum):
    ANSWERED = "answered"  # the same whether an email was queued or not
    THROTTLED = "throttled"


@dataclass(frozen=True)
class ResetRequest:
    answer: ResetAnswer
    retry_after_seconds: int = 0


@dataclass(frozen=True)
class LinkHolder:
    """Whose link it is, as the page that uses it greets them."""

    display_name: str
    email: str


@dataclass(frozen=True)
class InvitationState:
    sent_at: datetime
    expires_at: datetime
    used: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _audit(uow: UnitOfWork, actor_kind: ActorKind, actor_id: str, user: PortalUser, action: str, now: datetime) -> None:
    uow.access.add(
        AuditEvent(
            occurred_at=now,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            resource_type="PortalUser",
            resource_id=str(user.id),
        )
    )


def _new_link(uow: UnitOfWork, user: PortalUser, purpose: LinkPurpose, token: str, now: datetime) -> None:
    """Revoke the user's earlier links of this purpose and queue the email with the new one."""
    uow.account_links.revoke(user.id, purpose=purpose, now=now)
    link = AccountLink(
        user_id=user.id, purpose=purpose, token_hash=_hash(token), created_at=now, expires_at=now + LIFETIME[purpose]
    )
    uow.account_links.add(link)
    invitation = purpose is LinkPurpose.INVITATION
    body = (INVITATION if invitation else RESET).format(
        name=user.display_name,
        link="{base_url}" + f"{PATHS[purpose]}?token={token}",
        until=uk_date_time(link.expires_at),
    )
    queue_staff_email(
        uow,
        to_address=user.email,
        subject="Set your password for the referral service" if invitation else "Reset your referral service password",
        body=body,
        dedupe_key=f"{purpose.value}:{user.id}:{link.id}",
        now=now,
    )


def send_invitation(uow: UnitOfWork, user_id: int, *, actor: Actor, now: datetime) -> datetime:
    """Email a new invitation to an account that has never been used; when its link expires. Any
    earlier invitation's link stops working."""
    if actor.role is not UserRole.ADMIN:
        raise Forbidden("only an administrator invites users")
    user = uow.access.portal_user(user_id)
    if user is None:
        raise NotFound("there is no such user")
    if user.is_active or user.last_login_at is not None:
        raise Invalid("this person already has a working account: they can reset their password themselves")
    _new_link(uow, user, LinkPurpose.INVITATION, secrets.token_urlsafe(32), now)
    _audit(uow, actor.kind, actor.id, user, "send-invitation", now)
    return now + LIFETIME[LinkPurpose.INVITATION]


def latest_invitation(uow: UnitOfWork, user_id: int, *, actor: Actor) -> InvitationState | None:
    if actor.role is not UserRole.ADMIN:
        raise Forbidden("only an administrator manages users")
    link = uow.account_links.latest(user_id, LinkPurpose.INVITATION)
    return None if link is None else InvitationState(link.created_at, link.expires_at, link.used_at is not None)


def request_password_reset(uow: UnitOfWork, email: str, *, remote_address: str | None, now: datetime) -> ResetRequest:
    """Email a reset link if the address is an active account's; the answer never says whether it is.

    Counts are kept in the caller's unit of work, so this returns THROTTLED rather than raising."""
    address = email.strip().lower()
    wait = count_request(
        uow, "reset-caller", remote_address or "", limit=RESETS_PER_CALLER, window=RESET_WINDOW, now=now
    )
    if wait:
        return ResetRequest(ResetAnswer.THROTTLED, wait)
    over = count_request(uow, "reset-email", address, limit=RESETS_PER_ADDRESS, window=RESET_WINDOW, now=now)
    uow.access.prune_throttles(window_started_before=now - RESET_WINDOW, now=now)
    token = secrets.token_urlsafe(32)  # drawn whoever asks, so an unknown address costs the same
    user = uow.access.portal_user_by_email(address)
    if user is not None and user.is_active and not over:
        _new_link(uow, user, LinkPurpose.RESET, token, now)
        _audit(uow, ActorKind.PORTAL_USER, f"user:{user.id}", user, "request-password-reset", now)
    return ResetRequest(ResetAnswer.ANSWERED)


def _usable(uow: UnitOfWork, token: str, purpose: LinkPurpose, now: datetime) -> tuple[AccountLink, PortalUser]:
    """The link and its account, or NotFound: wrong, used, replaced and expired links look the same."""
    link = uow.account_links.by_token_hash(_hash(token)) if token else None
    user = uow.access.portal_user(link.user_id) if link is not None else None
    if (
        link is None
        or user is None
        or link.purpose is not purpose
        or link.used_at is not None
        or link.revoked_at is not None
        or now >= link.expires_at
        # an invitation is for an account not yet started; a reset for an active one
        or user.is_active != (purpose is LinkPurpose.RESET)
    ):
        raise NotFound("this link cannot be used")
    return link, user


def link_holder(uow: UnitOfWork, token: str, purpose: LinkPurpose, *, now: datetime) -> LinkHolder:
    _, user = _usable(uow, token, purpose, now)
    return LinkHolder(user.display_name, user.email)


def set_password_with_link(
    uow: UnitOfWork, token: str, purpose: LinkPurpose, password: str, *, hasher: PasswordHasher, now: datetime
) -> LinkHolder:
    """Set the password and use up the link. An invitation starts the account; a reset ends every
    session of the person's (whoever is signed in as them is signed out), and lifts a lockout."""
    link, user = _usable(uow, token, purpose, now)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", where="password")
    link.used_at = now
    uow.account_links.revoke(user.id, now=now)
    user.password_hash = hasher.hash(password)
    user.failed_logins, user.locked_until = 0, None
    if purpose is LinkPurpose.INVITATION:
        user.is_active = True
    uow.access.end_sessions_of(user.id, now=now)
    action = "accept-invitation" if purpose is LinkPurpose.INVITATION else "reset-password"
    _audit(uow, ActorKind.PORTAL_USER, f"user:{user.id}", user, action, now)
    return LinkHolder(user.display_name, user.email)
