"""Outbox fixtures: the demo directory, and a GP system whose endpoint is a real loopback receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from referral_service.domain.access import Actor
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import active_client
from referral_service.services.accounts import register_api_client
from referral_service.services.intake import ReferralReceipt, receive_referral
from referral_service.services.passwords import password_hasher
from tests.jobs.receiver import Receiver, running_receiver
from tests.services.conftest import NOW, directory, set_places  # noqa: F401  (fixtures)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def gp_with_endpoint(uow: UnitOfWork, receiver: Receiver) -> Actor:
    with uow:
        register_api_client(
            uow,
            client_id="gp-with-endpoint",
            name="GP system that takes pushes",
            hasher=password_hasher("fast"),
            practices=("P88001",),
            callback_url=receiver.url,
            secret="s" * 12,
        )
        return active_client(uow, "gp-with-endpoint")


@pytest.fixture
def refer(uow: UnitOfWork, gp_with_endpoint: Actor, directory: None) -> Callable[..., ReferralReceipt]:  # noqa: F811
    def send(referral: object, now: object = NOW) -> ReferralReceipt:
        with uow:
            return receive_referral(uow, referral, actor=gp_with_endpoint, now=now)  # type: ignore[arg-type]

    return send
