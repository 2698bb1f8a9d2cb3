"""Outbox fixtures: a GP system whose endpoint is a real loopback receiver, and referrals it sends."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from referral_service.domain.access import Actor
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt, receive_referral
from tests.fixtures.referrals import NOW
from tests.jobs.receiver import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def gp_with_endpoint(make_api_client: Callable[..., Actor], receiver: Receiver) -> Actor:
    return make_api_client(
        "gp-with-endpoint", practices=("P88001",), callback_url=receiver.url, name="GP system that takes pushes"
    )


@pytest.fixture
def refer(uow: UnitOfWork, gp_with_endpoint: Actor, directory: None) -> Callable[..., ReferralReceipt]:
    """Overrides the suite's `refer`: these referrals come from the GP system that takes pushes."""

    def send(referral: object, now: object = NOW) -> ReferralReceipt:
        with uow:
            return receive_referral(uow, referral, actor=gp_with_endpoint, now=now)  # type: ignore[arg-type]

    return send
