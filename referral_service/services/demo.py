"""The demo identities of the contract, seeded by `make run` (demo mode only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from referral_service.domain.access import UserRole
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import create_portal_user, ensure_referrer, register_api_client

DEMO_PRACTICE_ODS = "P88001"
DEMO_PROVIDER_SLUG = "mersey-vale-leisure"  # the "first demo provider": a level 3 exercise referral scheme


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    role: UserRole
    name: str
    area: str | None = None  # a commissioner's area (providers/demo/areas.yaml); None: every area


DEMO_USERS = (
    DemoUser("provider@example.org", "demo-provider-password", UserRole.PROVIDER, "Pat Provider"),
    DemoUser("linkworker@example.org", "demo-linkworker-password", UserRole.LINK_WORKER, "Lee Linkworker"),
    DemoUser("commissioner@example.org", "demo-commissioner-password", UserRole.COMMISSIONER, "Chris Commissioner"),
    DemoUser("admin@example.org", "demo-admin-password", UserRole.ADMIN, "Alex Admin"),
    # the demo commissioner above sees every area; this one sees Stockport South only
    DemoUser(
        "south.commissioner@example.org",
        "demo-south-commissioner-password",
        UserRole.COMMISSIONER,
        "Sam South",
        area="stockport-south",
    ),
)
DEMO_CLIENT_ID = "demo-gp"
DEMO_CLIENT_SECRET = "demo-gp-secret"  # noqa: S105  (published demo credential, demo mode only)


def seed_demo_identities(
    uow: UnitOfWork, *, hasher: PasswordHasher, callback_url: str | None, now: datetime
) -> list[str]:
    """Create the demo practice, GP client and portal users; running it again changes nothing."""
    ensure_referrer(uow, DEMO_PRACTICE_ODS, "Demo Medical Practice")
    client = register_api_client(
        uow,
        client_id=DEMO_CLIENT_ID,
        name="Demo GP clinical system",
        hasher=hasher,
        practices=(DEMO_PRACTICE_ODS,),
        callback_url=callback_url,
        secret=DEMO_CLIENT_SECRET,
    )
    lines = [f"API client {client.client_id} ({'created' if client.created else 'already there'})"]
    for demo in DEMO_USERS:
        if demo.area and uow.areas.by_slug(demo.area) is None:
            lines.append(f"{demo.role.value} {demo.email} (not created: load providers/demo for its area {demo.area})")
            continue
        user = create_portal_user(
            uow,
            email=demo.email,
            display_name=demo.name,
            role=demo.role,
            password=demo.password,
            hasher=hasher,
            provider_slug=DEMO_PROVIDER_SLUG if demo.role is UserRole.PROVIDER else None,
            now=now,
            area_slug=demo.area,
        )
        lines.append(f"{demo.role.value} {user.email} ({'created' if user.created else 'already there'})")
    return lines
