"""Administrators manage portal users: list them, invite, change role and organisation, deactivate
and reactivate, and read each one's sign-in history. Every change is audited (who, what, when).

An invitation creates an inactive account with no usable password; the emailed link that lets the
person set one (and so activates the account) is `services.account_links.send_invitation`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from referral_service.domain.access import Actor, UserRole
from referral_service.domain.directory import OrganisationKind
from referral_service.persistence.models import AuditEvent, PortalUser
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import EMAIL_PATTERN
from referral_service.services.areas import area_for_role
from referral_service.services.errors import Conflict, Forbidden, Invalid, NotFound

HISTORY_LIMIT = 50
REFUSALS = {"wrong-password": "Wrong password", "locked": "Account locked", "inactive": "Account deactivated"}


@dataclass(frozen=True)
class UserRow:
    id: int
    display_name: str
    email: str
    role: UserRole
    organisation: str | None  # the provider's name
    organisation_slug: str | None
    active: bool
    last_sign_in: datetime | None
    area: str | None = None  # a commissioner's area, by name
    area_slug: str | None = None


@dataclass(frozen=True)
class SignInLine:
    at: datetime
    succeeded: bool
    reason: str | None  # in words


def _require_admin(actor: Actor) -> None:
    if actor.role is not UserRole.ADMIN:
        raise Forbidden("only an administrator manages users")


def _row(user: PortalUser, organisation: str | None, slug: str | None, area: tuple[str, str] | None) -> UserRow:
    return UserRow(
        user.id,
        user.display_name,
        user.email,
        user.role,
        organisation,
        slug,
        user.is_active,
        user.last_login_at,
        area=area[1] if area else None,
        area_slug=area[0] if area else None,
    )


def list_users(uow: UnitOfWork, *, actor: Actor) -> list[UserRow]:
    _require_admin(actor)
    slugs = {org.id: org.slug for org in uow.directory.providers()}
    areas = {area.id: (area.slug, area.name) for area in uow.areas.all()}
    return [
        _row(user, name, slugs.get(user.organisation_id or 0), areas.get(user.area_id or 0))
        for user, name in uow.access.portal_users()
    ]


def user_for_admin(uow: UnitOfWork, user_id: int, *, actor: Actor) -> UserRow:
    _require_admin(actor)
    for row in list_users(uow, actor=actor):
        if row.id == user_id:
            return row
    raise NotFound("there is no such user")


def sign_in_history(uow: UnitOfWork, user_id: int, *, actor: Actor) -> list[SignInLine]:
    """The user's latest sign-ins and refusals, newest first."""
    _require_admin(actor)
    if uow.access.portal_user(user_id) is None:
        raise NotFound("there is no such user")
    return [
        SignInLine(record.occurred_at, record.succeeded, REFUSALS.get(record.reason or "", record.reason))
        for record in uow.access.sign_ins_of(user_id, limit=HISTORY_LIMIT)
    ]


def _organisation_for(uow: UnitOfWork, role: UserRole, provider_slug: str | None) -> int | None:
    """A provider user works for exactly one provider in the directory; every other role for none."""
    if role is UserRole.PROVIDER:
        if not provider_slug:
            raise Invalid("choose the provider this person works for", where="organisation")
        provider = uow.directory.organisation_by_slug(provider_slug)
        if provider is None or provider.kind != OrganisationKind.PROVIDER:
            raise Invalid("choose a provider from the list", where="organisation")
        return provider.id
    if provider_slug:
        raise Invalid("only provider staff belong to a provider: leave the provider empty", where="organisation")
    return None


def _audit(
    uow: UnitOfWork, actor: Actor, user: PortalUser, action: str, detail: dict[str, object], now: datetime
) -> None:
    uow.access.add(
        AuditEvent(
            occurred_at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            action=action,
            resource_type="PortalUser",
            resource_id=str(user.id),
            detail=detail,
        )
    )


def invite_user(
    uow: UnitOfWork,
    *,
    email: str,
    display_name: str,
    role: UserRole,
    provider_slug: str | None,
    hasher: PasswordHasher,
    actor: Actor,
    now: datetime,
    area_slug: str | None = None,
) -> int:
    """An inactive account waiting for its person to set a password; its id."""
    _require_admin(actor)
    address = email.strip().lower()
    if not EMAIL_PATTERN.match(address):
        raise Invalid("enter an email address, like name@example.org", where="email")
    if not display_name.strip():
        raise Invalid("enter the person's name", where="display_name")
    organisation_id = _organisation_for(uow, role, provider_slug)
    area_id = area_for_role(uow, role, area_slug)
    if uow.access.portal_user_by_email(address) is not None:
        raise Conflict("there is already a user with that email address", where="email")
    user = PortalUser(
        email=address,
        display_name=display_name.strip(),
        role=role,
        organisation_id=organisation_id,
        area_id=area_id,
        password_hash=hasher.hash(secrets.token_urlsafe(32)),  # nobody knows it: the link sets the real one
        is_active=False,
        created_at=now,
    )
    uow.access.add(user)
    _audit(uow, actor, user, "invite-user", {"role": role.value, "organisation": provider_slug, "area": area_slug}, now)
    return user.id


def _target(uow: UnitOfWork, user_id: int, actor: Actor) -> PortalUser:
    _require_admin(actor)
    user = uow.access.portal_user(user_id)
    if user is None:
        raise NotFound("there is no such user")
    return user


def change_user(
    uow: UnitOfWork,
    user_id: int,
    *,
    role: UserRole,
    provider_slug: str | None,
    actor: Actor,
    now: datetime,
    area_slug: str | None = None,
) -> bool:
    """Change a user's role, organisation and (a commissioner's) area; whether anything changed.
    Their open sessions end, so what they may reach follows the change at once."""
    user = _target(uow, user_id, actor)
    if user.id == actor.user_id and role is not user.role:
        raise Invalid("you cannot change your own role: ask another administrator", where="role")
    organisation_id = _organisation_for(uow, role, provider_slug)
    area_id = area_for_role(uow, role, area_slug)
    if (user.role, user.organisation_id, user.area_id) == (role, organisation_id, area_id):
        return False
    before = {"role": user.role.value, "organisation_id": user.organisation_id, "area_id": user.area_id}
    user.role, user.organisation_id, user.area_id = role, organisation_id, area_id
    uow.access.end_sessions_of(user.id, now=now)
    _audit(
        uow,
        actor,
        user,
        "change-user",
        {"from": before, "to": {"role": role.value, "organisation_id": organisation_id, "area_id": area_id}},
        now,
    )
    return True


def set_user_active(uow: UnitOfWork, user_id: int, *, active: bool, actor: Actor, now: datetime) -> int:
    """Deactivate (every session of theirs ends at once) or reactivate a user; sessions ended."""
    user = _target(uow, user_id, actor)
    if user.id == actor.user_id and not active:
        raise Invalid("you cannot deactivate your own account")
    if user.is_active == active:
        return 0
    user.is_active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    ended = 0 if active else uow.access.end_sessions_of(user.id, now=now)
    if not active:
        uow.account_links.revoke(user.id, now=now)  # no emailed link opens a closed account
    _audit(uow, actor, user, "reactivate-user" if active else "deactivate-user", {"sessions_ended": ended}, now)
    return ended


def provider_choices(uow: UnitOfWork, *, actor: Actor) -> list[tuple[str, str]]:
    """(directory id, name) of every provider a provider user may belong to, by name."""
    _require_admin(actor)
    return sorted(((org.slug or "", org.name) for org in uow.directory.providers() if org.slug), key=lambda p: p[1])
