"""Kill the delivery process mid-batch (SIGKILL) and start it again: nothing is lost, nothing doubled.

The message in flight when it died keeps its claim until the claim runs out (here moved on, not
waited for); then it is sent again with the same X-Request-Id and the receiver de-duplicates it."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from referral_service.domain.access import Actor, ActorKind, ApiClientKind
from referral_service.domain.directory import ProviderDefinition
from referral_service.domain.lifecycle import Action
from referral_service.domain.outbox import OutboxStatus
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.models import OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.casework import record_step
from referral_service.services.directory import load_directory
from referral_service.services.intake import receive_referral
from referral_service.services.offers import accept_offer
from tests.factories import incoming
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.live import jobs_run_once
from tests.jobs.receiver import running_receiver

REFERRALS = 4


def test_a_killed_delivery_loses_nothing(
    fresh_database_url: str, demo_providers: tuple[ProviderDefinition, ...], tmp_path: Path
) -> None:
    now = datetime.now(UTC) - timedelta(minutes=1)  # the delivery process runs on the real clock
    engine = make_engine(fresh_database_url)
    migrations.upgrade(engine)
    session_factory = make_session_factory(engine)
    with running_receiver(delay=0.25) as receiver:
        with UnitOfWork(session_factory) as uow:
            load_directory(uow, demo_providers, complete=True)
            gp = add_api_client(uow, "gp-crash", practices=("P88001",), callback_url=receiver.url, name="GP")
            service = uow.directory.service_by_slug("mvl-exercise-referral")
            assert service is not None
            organisation = service.organisation_id
        staff = Actor(
            ActorKind.API_CLIENT, "staff", client_kind=ApiClientKind.PROVIDER_SYSTEM, organisation_id=organisation
        )
        for _ in range(REFERRALS):
            with UnitOfWork(session_factory) as uow:
                referral_id = receive_referral(uow, incoming(), actor=gp, now=now).referral_id
            with UnitOfWork(session_factory) as uow:
                accept_offer(uow, referral_id, actor=staff, now=now)
            for step in (Action.CONTACT, Action.ATTEND, Action.COMPLETE):
                with UnitOfWork(session_factory) as uow:
                    record_step(uow, referral_id, step, actor=staff, now=now)
        with UnitOfWork(session_factory) as uow:
            total = len(uow.session.scalars(select(OutboxMessage)).all())
        assert total == REFERRALS * 3  # accepted, first attendance, completed

        first = jobs_run_once(fresh_database_url, tmp_path / "one")
        deadline = time.monotonic() + 60
        while len(receiver.order) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=10)
        assert 0 < len(receiver.order) < total, "the kill should land mid-batch"
        with UnitOfWork(session_factory) as uow:  # the message in flight keeps its claim; let it run out
            claimed = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.claimed_until.is_not(None))).all()
            assert len(claimed) <= 1
            for message in claimed:
                message.claimed_until = datetime.now(UTC) - timedelta(seconds=1)

        second = jobs_run_once(fresh_database_url, tmp_path / "two")
        output = second.communicate(timeout=120)[0]
        assert second.returncode == 0, output

        with UnitOfWork(session_factory) as uow:
            messages = uow.session.scalars(select(OutboxMessage)).all()
            assert {m.status for m in messages} == {OutboxStatus.DELIVERED}
            assert set(receiver.accepted) == {m.request_id for m in messages}
        assert len(receiver.order) == total  # each message accepted once, however often it was sent
    engine.dispose()
