"""A slow referrer cannot hold the queue: each attempt is bounded in total wall time, and no
database transaction (nor row lock) is held while a message is on the wire."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from referral_service.config import PROJECT_ROOT
from referral_service.domain.outbox import OutboxStatus
from referral_service.jobs.delivery import DeliveryReport, deliver_due, http_sender
from referral_service.jobs.messages import ServiceIdentity
from referral_service.persistence import migrations
from referral_service.persistence.engine import SessionFactory, make_engine, make_session_factory
from referral_service.persistence.models import OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.directory import load_directory
from referral_service.services.intake import receive_referral
from referral_service.services.offers import accept_offer
from tests.factories import incoming
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.referrals import provider_of
from tests.jobs.receiver import Receiver, running_receiver

IDENTITY = ServiceIdentity("X99001", "https://fhir.nhs.uk/Id/dos-service-id|900000001")
BOUND = 2.0


@pytest.fixture
def committed(fresh_database_url: str) -> Iterator[SessionFactory]:
    """A database that really commits: what another connection sees is what a second process would."""
    engine = make_engine(fresh_database_url)
    migrations.upgrade(engine)
    session_factory = make_session_factory(engine)
    with UnitOfWork(session_factory) as uow:
        load_directory(uow, read_directory(PROJECT_ROOT / "providers" / "demo").providers, complete=True)
    yield session_factory
    engine.dispose()


def _accepted_referral(session_factory: SessionFactory, practice: str, url: str, now: datetime) -> None:
    """A referrer with its own endpoint, and one referral accepted: one message queued for it."""
    with UnitOfWork(session_factory) as uow:
        gp = add_api_client(uow, f"gp-{practice}", practices=(practice,), callback_url=url)
    with UnitOfWork(session_factory) as uow:
        referral_id = receive_referral(uow, incoming(sender_ods=practice), actor=gp, now=now).referral_id
    staff = provider_of(UnitOfWork(session_factory), "mvl-exercise-referral")
    with UnitOfWork(session_factory) as uow:
        accept_offer(uow, referral_id, actor=staff, now=now)


def _by_destination(session_factory: SessionFactory) -> dict[str, OutboxMessage]:
    with UnitOfWork(session_factory) as uow:
        return {m.destination: m for m in uow.session.scalars(select(OutboxMessage))}


def test_a_trickling_referrer_is_cut_off_at_the_bound_and_the_next_referrer_still_hears(
    committed: SessionFactory,
) -> None:
    now = datetime.now(UTC) - timedelta(minutes=1)
    with running_receiver(script=["trickle"], trickle=1.0, trickled=12) as slow, running_receiver() as other:
        _accepted_referral(committed, "P88001", slow.url, now)  # first in the queue
        _accepted_referral(committed, "P88002", other.url, now)

        started = time.monotonic()
        report = deliver_due(committed, http_sender(timeout=BOUND), IDENTITY, now=lambda: datetime.now(UTC))
        took = time.monotonic() - started

        assert slow.attempts and other.order  # both were tried, in the same tick
        messages = _by_destination(committed)
    assert took < BOUND + 2.5, f"the trickled attempt held the tick for {took:.1f} s"  # 12 s if per read
    assert report.delivered == [messages[other.url].public_id]
    held = messages[slow.url]
    assert (held.status, held.attempts, held.last_error) == (
        OutboxStatus.PENDING,
        1,
        f"no complete answer within {BOUND:g} s",
    )
    assert held.claimed_until is None and held.next_attempt_at > datetime.now(UTC)  # backing off, not held


def test_no_transaction_is_open_while_a_message_is_sent(committed: SessionFactory, fresh_database_url: str) -> None:
    """While the receiver holds the request, another connection takes the message's row for update
    (PostgreSQL: FOR UPDATE NOWAIT; SQLite: a write transaction) without waiting, and sees the claim."""
    now = datetime.now(UTC) - timedelta(minutes=1)
    seen: list[Any] = []
    postgres = fresh_database_url.startswith("postgresql")
    probe = create_engine(fresh_database_url, connect_args={} if postgres else {"timeout": 0.5})

    def look(request_id: str) -> None:
        try:
            with probe.connect() as connection:
                if not postgres:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, at once or "locked"
                lock = " FOR UPDATE NOWAIT" if postgres else ""
                row = connection.execute(
                    text(f"SELECT claimed_until FROM outbox_messages WHERE request_id = :request_id{lock}"),
                    {"request_id": request_id},
                ).one()
                seen.append(row.claimed_until)
                connection.rollback()
        except Exception as error:
            seen.append(error)

    receiver: Receiver
    with running_receiver(during=look) as receiver:
        _accepted_referral(committed, "P88001", receiver.url, now)
        report = deliver_due(committed, http_sender(timeout=5), IDENTITY, now=lambda: datetime.now(UTC))
    probe.dispose()

    assert len(seen) == 1 and not isinstance(seen[0], Exception), seen
    assert seen[0] is not None  # the claim was committed before the send
    assert len(report.delivered) == 1
    assert _by_destination(committed)[receiver.url].status is OutboxStatus.DELIVERED


def test_a_claim_left_by_a_dead_sender_runs_out_and_the_message_is_sent_again(
    committed: SessionFactory,
) -> None:
    now = datetime.now(UTC) - timedelta(minutes=1)
    with running_receiver() as receiver:
        _accepted_referral(committed, "P88001", receiver.url, now)
        with UnitOfWork(committed) as uow:  # a sender claimed it and died before recording
            message = uow.session.scalars(select(OutboxMessage)).one()
            message.claimed_until = datetime.now(UTC) + timedelta(seconds=60)

        def send(at: datetime) -> DeliveryReport:
            return deliver_due(committed, http_sender(timeout=BOUND), IDENTITY, now=lambda: at)

        assert send(datetime.now(UTC)).delivered == []  # still claimed: nobody else sends it
        assert len(send(datetime.now(UTC) + timedelta(seconds=61)).delivered) == 1  # the claim ran out
    assert len(receiver.order) == 1
