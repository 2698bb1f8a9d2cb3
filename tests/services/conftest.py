"""Service-level fixtures: the demo directory loaded, a GP system and a provider as actors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.domain.intake import IncomingReferral
from referral_service.persistence.models import CapacityPool, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.access import active_client
from referral_service.services.accounts import register_api_client
from referral_service.services.directory import load_directory
from referral_service.services.intake import ReferralReceipt, receive_referral
from referral_service.services.passwords import password_hasher
from tests.conftest import DEMO_DIRECTORY

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture
def directory(uow: UnitOfWork) -> None:
    with uow:
        load_directory(uow, read_directory(DEMO_DIRECTORY).providers, complete=True)


@pytest.fixture
def gp(uow: UnitOfWork) -> Actor:
    with uow:
        register_api_client(
            uow,
            client_id="gp-system",
            name="GP",
            hasher=password_hasher("fast"),
            practices=("P88001",),
            secret="s" * 12,
        )
        return active_client(uow, "gp-system")


@pytest.fixture
def refer(uow: UnitOfWork, gp: Actor, directory: None) -> Callable[..., ReferralReceipt]:
    def send(referral: IncomingReferral, now: datetime = NOW) -> ReferralReceipt:
        with uow:
            return receive_referral(uow, referral, actor=gp, now=now)

    return send


@pytest.fixture
def set_places(uow: UnitOfWork) -> Callable[[str, int], None]:
    def set_to(slug: str, places: int) -> None:
        with uow:
            service = uow.directory.service_by_slug(slug)
            assert service is not None
            uow.session.execute(update(CapacityPool).where(CapacityPool.service_id == service.id).values(places=places))

    return set_to


def provider_of(uow: UnitOfWork, slug: str) -> Actor:
    """Someone at the provider that runs a service, as the caller the services take."""
    with uow:
        service = uow.directory.service_by_slug(slug)
        assert isinstance(service, Service)
        return Actor(
            ActorKind.PORTAL_USER, f"staff-of-{slug}", role=UserRole.PROVIDER, organisation_id=service.organisation_id
        )


def task_of(uow: UnitOfWork, referral_id: str) -> dict[str, Any]:
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        service = uow.session.get(Service, referral.task.service_id) if referral.task.service_id else None
        return {
            "status": referral.task.status.value,
            "business": referral.task.business_status,
            "service": service.slug if service else None,
            "reason": referral.task.status_reason,
            "events": [e.event_type for e in uow.referrals.events(referral)],
            "event_reasons": [e.reason for e in uow.referrals.events(referral)],
            "triage": referral.triage,
        }
