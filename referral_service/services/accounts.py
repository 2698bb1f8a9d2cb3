"""Creating the people and systems that may use the service."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from referral_service.domain.access import ApiClientKind, UserRole
from referral_service.domain.directory import OrganisationKind
from referral_service.domain.identifiers import is_ods_code
from referral_service.persistence.models import ApiClient, ApiClientPractice, Organisation, PortalUser
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.areas import area_for_role
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.passwords import verify_secret

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,100}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class NewApiClient:
    client_id: str
    secret: str
    kind: ApiClientKind
    created: bool


@dataclass(frozen=True)
class NewPortalUser:
    email: str
    role: UserRole
    organisation: str | None
    created: bool


def ensure_referrer(uow: UnitOfWork, ods_code: str, name: str | None = None) -> Organisation:
    """The referring practice's organisation, created on first sight of its ODS code. A practice first
    seen with no name (an areas file lists it) takes the name it is given later."""
    code = ods_code.strip().upper()
    if not is_ods_code(code):
        raise Invalid(f"{ods_code!r} is not an ODS code (3-10 letters and digits)")
    organisation = uow.directory.organisation_by_ods_code(code)
    placeholder = f"Practice {code}"
    if organisation is None:
        organisation = Organisation(kind=OrganisationKind.REFERRER, ods_code=code, name=name or placeholder)
        uow.directory.add(organisation)
    elif name and organisation.name == placeholder:
        organisation.name = name
    return organisation


def register_api_client(
    uow: UnitOfWork,
    *,
    client_id: str,
    name: str,
    hasher: PasswordHasher,
    practices: tuple[str, ...] = (),
    provider_slug: str | None = None,
    callback_url: str | None = None,
    secret: str | None = None,
    admin: bool = False,
) -> NewApiClient:
    """Register a GP system (with the practices it refers for), a provider's system, or (`admin`) a
    monitoring system with the admin scope, which reaches integration health and no referral.

    The secret is generated unless given, shown once by the caller, and stored only as a hash.
    Registering the same client id again with the same secret changes nothing (demo seeding).
    """
    if not CLIENT_ID_PATTERN.match(client_id):
        raise Invalid("client id must be 3-100 letters, digits, dots, hyphens or underscores")
    if admin and (practices or provider_slug or callback_url):
        raise Invalid("an admin client is a monitoring system: it has no practices, provider or callback URL")
    if not admin and bool(practices) == bool(provider_slug):
        raise Invalid("give either the practices a GP system refers for, or the provider it belongs to")
    organisation_id: int | None = None
    kind = ApiClientKind.ADMIN_SYSTEM if admin else ApiClientKind.GP_SYSTEM
    if provider_slug:
        provider = uow.directory.organisation_by_slug(provider_slug)
        if provider is None or provider.kind != OrganisationKind.PROVIDER:
            raise NotFound(f"no provider {provider_slug!r} in the directory")
        organisation_id, kind = provider.id, ApiClientKind.PROVIDER_SYSTEM
    codes = tuple(dict.fromkeys(ensure_referrer(uow, code).ods_code or "" for code in practices))
    existing = uow.access.api_client(client_id)
    if existing is not None:
        if secret is None or not verify_secret(hasher, existing.secret_hash, secret):
            raise Conflict(f"API client {client_id!r} already exists")
        return NewApiClient(client_id, secret, existing.kind, created=False)
    secret = secret or secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=client_id,
        name=name,
        kind=kind,
        organisation_id=organisation_id,
        callback_url=callback_url,
        secret_hash=hasher.hash(secret),
        practices=[ApiClientPractice(ods_code=code) for code in codes],
    )
    uow.access.add(client)
    return NewApiClient(client_id, secret, kind, created=True)


def create_portal_user(
    uow: UnitOfWork,
    *,
    email: str,
    display_name: str,
    role: UserRole,
    password: str,
    hasher: PasswordHasher,
    provider_slug: str | None = None,
    now: datetime,
    area_slug: str | None = None,
) -> NewPortalUser:
    """A portal login. Provider staff belong to exactly one provider; other roles to none.

    Creating a user that exists with the same password changes nothing (so demo seeding can run
    on every start); with a different password it is refused rather than silently reset.
    """
    address = email.strip().lower()
    if not EMAIL_PATTERN.match(address):
        raise Invalid(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    organisation_id: int | None = None
    if role is UserRole.PROVIDER:
        if not provider_slug:
            raise Invalid("a provider user needs the provider it works for")
        provider = uow.directory.organisation_by_slug(provider_slug)
        if provider is None or provider.kind != OrganisationKind.PROVIDER:
            raise NotFound(f"no provider {provider_slug!r} in the directory")
        organisation_id = provider.id
    elif provider_slug:
        raise Invalid(f"a {role.value} user does not belong to a provider")
    area_id = area_for_role(uow, role, area_slug)
    existing = uow.access.portal_user_by_email(address)
    if existing is not None:
        if not verify_secret(hasher, existing.password_hash, password) or existing.role != role:
            raise Conflict(f"a user {address} already exists")
        return NewPortalUser(address, role, provider_slug, created=False)
    user = PortalUser(
        email=address,
        display_name=display_name,
        role=role,
        organisation_id=organisation_id,
        area_id=area_id,
        password_hash=hasher.hash(password),
        created_at=now,
    )
    uow.access.add(user)
    return NewPortalUser(address, role, provider_slug, created=True)
