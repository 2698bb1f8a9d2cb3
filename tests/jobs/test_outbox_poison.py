"""One bad message never stops the outbox: it is parked with its reason, and everything else flows.

Through the doors people use: the real scheduler process (`jobs run-once`) against a committed
database and real loopback receivers, `outbox retry --endpoint`, the portal and `demo generate`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from referral_service.config import PROJECT_ROOT
from referral_service.domain.access import Actor
from referral_service.domain.lifecycle import Action
from referral_service.domain.outbox import OutboxStatus
from referral_service.jobs.delivery import Outgoing, deliver_due, http_sender
from referral_service.jobs.messages import ServiceIdentity
from referral_service.persistence import migrations
from referral_service.persistence.engine import SessionFactory, make_engine, make_session_factory
from referral_service.persistence.models import OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.casework import record_step
from referral_service.services.directory import load_directory
from referral_service.services.intake import ReferralReceipt, receive_referral
from referral_service.services.integration import integration_health, parked_messages
from referral_service.services.offers import accept_offer
from tests.factories import incoming
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.referrals import provider_of
from tests.jobs.receiver import Receiver, running_receiver

IDENTITY = ServiceIdentity("X99001", "https://fhir.nhs.uk/Id/dos-service-id|900000001")
PRACTICES = ("P88001", "P88002", "P88003")
REASON = "could not be rendered: the message has no referral details"
DEMO_DIRECTORY = PROJECT_ROOT / "providers" / "demo"


@pytest.fixture
def committed(fresh_database_url: str) -> Iterator[SessionFactory]:
    """A migrated database that really commits, as the scheduler process sees it."""
    engine = make_engine(fresh_database_url)
    migrations.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def scheduler_once(fresh_database_url: str, tmp_path: Path) -> Callable[[], subprocess.CompletedProcess[str]]:
    """`flask --app wsgi jobs run-once`, the scheduler's every due job once, as a real process."""

    def run() -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "DATABASE_URL": fresh_database_url, "REFERRAL_SERVICE_INSTANCE_DIR": str(tmp_path)}
        environment.pop("TEST_DATABASE_URL", None)
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run-once"],
            cwd=PROJECT_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def _referrers(session_factory: SessionFactory, receivers: list[Receiver]) -> list[Actor]:
    gps = []
    for practice, receiver in zip(PRACTICES, receivers, strict=True):
        with UnitOfWork(session_factory) as uow:
            gps.append(add_api_client(uow, f"gp-{practice}", practices=(practice,), callback_url=receiver.url))
    return gps


def _accepted_and_attended(session_factory: SessionFactory, gp: Actor, practice: str, now: datetime) -> str:
    """A referral whose provider accepts it and sees the patient once: two messages, in order."""
    with UnitOfWork(session_factory) as uow:
        receipt: ReferralReceipt = receive_referral(uow, incoming(sender_ods=practice), actor=gp, now=now)
    staff = provider_of(UnitOfWork(session_factory), "mvl-exercise-referral")
    with UnitOfWork(session_factory) as uow:
        accept_offer(uow, receipt.referral_id, actor=staff, now=now)
    for step in (Action.CONTACT, Action.ATTEND):
        with UnitOfWork(session_factory) as uow:
            record_step(uow, receipt.referral_id, step, actor=staff, now=now)
    return receipt.referral_id


def _messages(session_factory: SessionFactory) -> list[OutboxMessage]:
    with UnitOfWork(session_factory) as uow:
        return list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_poisoned_message_is_parked_with_its_reason_and_every_good_one_is_delivered(
    committed: SessionFactory, scheduler_once: Callable[[], subprocess.CompletedProcess[str]]
) -> None:
    now = datetime.now(UTC) - timedelta(minutes=1)  # the scheduler process runs on the real clock
    with ExitStack() as stack:
        receivers = [stack.enter_context(running_receiver()) for _ in PRACTICES]
        with UnitOfWork(committed) as uow:
            load_directory(uow, read_directory(DEMO_DIRECTORY).providers, complete=True)
        gps = _referrers(committed, receivers)
        referrals = [
            _accepted_and_attended(committed, gp, practice, now)
            for _ in range(2)
            for gp, practice in zip(gps, PRACTICES, strict=True)
        ]
        poisoned_referral = referrals[0]  # practice P88001's first: its snapshot is lost, as the demo's were
        with UnitOfWork(committed) as uow:
            first = uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.ordering_key == poisoned_referral).order_by(OutboxMessage.id)
            ).first()
            assert first is not None and first.message_type == "accepted"
            first.payload = b"{}"
            poisoned = first.public_id

        finished = scheduler_once()

        assert "Traceback" not in finished.stdout + finished.stderr, finished.stderr
        assert "deliver-outbox: 10 handled, 1 failed" in finished.stdout, finished.stdout + finished.stderr
        assert finished.returncode == 1  # a parked message is for a person: cron hears of it
        assert REASON in finished.stderr  # and the log says why
        statuses = {m.public_id: (m.status, m.ordering_key, m.last_error) for m in _messages(committed)}
        assert statuses[poisoned] == (OutboxStatus.PARKED, poisoned_referral, REASON)
        behind = [s for key, s in statuses.items() if s[1] == poisoned_referral and key != poisoned]
        assert [status for status, _, _ in behind] == [OutboxStatus.PENDING]  # its later message waits behind it
        others = [s for s in statuses.values() if s[1] != poisoned_referral]
        assert len(others) == 10 and {status for status, _, _ in others} == {OutboxStatus.DELIVERED}
        assert [len(r.order) for r in receivers] == [2, 4, 4]  # every referrer got all its good messages
        with UnitOfWork(committed) as uow:  # what the portal's administration page and `outbox health` show
            [parked] = parked_messages(uow)
            health = {row.destination: row for row in integration_health(uow, now=datetime.now(UTC))}
        assert (parked.id, parked.last_error) == (poisoned, REASON)
        assert health[receivers[0].url].last_error == REASON and health[receivers[0].url].parked == 1
        assert health[receivers[1].url].backlog == 0 and health[receivers[1].url].last_error is None


def test_outbox_retry_endpoint_sends_waiting_messages_now_once_the_referrer_is_back(
    refer: Callable[..., ReferralReceipt],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    receiver: Receiver,
    runner: FlaskCliRunner,
) -> None:
    moment = datetime.now(UTC)
    staff = provider_of(uow, "mvl-exercise-referral")
    for _ in range(2):
        receipt = refer(incoming(), moment)
        with uow:
            accept_offer(uow, receipt.referral_id, actor=staff, now=moment)
    receiver.script = ["503", "503"]  # the practice's system is down
    deliver_due(session_factory, http_sender(timeout=2), IDENTITY, now=lambda: moment)
    with uow:
        waiting = uow.outbox.pending_to(receiver.url, moment)
        assert len(waiting) == 2 and all(m.next_attempt_at > moment for m in waiting)  # backing off

    assert runner.invoke(args=["outbox", "retry"]).exit_code == 2  # an ID or --endpoint
    result = runner.invoke(args=["outbox", "retry", "--endpoint", receiver.url])

    assert result.exit_code == 0, result.output
    assert f"2 pending messages to {receiver.url} due now" in result.output
    report = deliver_due(session_factory, http_sender(timeout=2), IDENTITY, now=lambda: datetime.now(UTC))
    assert len(report.delivered) == 2 and len(receiver.order) == 2


def test_the_portal_sends_an_endpoints_waiting_messages_now(
    refer: Callable[..., ReferralReceipt],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    receiver: Receiver,
    runner: FlaskCliRunner,
    client: FlaskClient,
) -> None:
    moment = datetime.now(UTC)
    receipt = refer(incoming(), moment)
    with uow:
        accept_offer(uow, receipt.referral_id, actor=provider_of(uow, "mvl-exercise-referral"), now=moment)
    receiver.script = ["503"]
    deliver_due(session_factory, http_sender(timeout=2), IDENTITY, now=lambda: moment)
    arguments = [
        "users",
        "create",
        "ops@example.org",
        "--name",
        "Ops",
        "--role",
        "admin",
        "--password",
        "long-enough-pass",
    ]
    assert runner.invoke(args=arguments).exit_code == 0
    login = client.post(
        "/login",
        data={"csrf_token": _csrf(client, "/login"), "email": "ops@example.org", "password": "long-enough-pass"},
    )
    assert login.status_code == 302
    page = client.get("/portal/admin").get_data(as_text=True)
    assert "Send waiting messages now" in page and "HTTP 503" in page  # the endpoint's latest error

    answer = client.post(
        "/portal/admin/endpoints/send-now",
        data={"csrf_token": _csrf(client, "/portal/admin"), "destination": receiver.url},
    )

    assert answer.status_code == 302
    assert "1 waiting messages" in client.get("/portal/admin").get_data(as_text=True)
    assert deliver_due(session_factory, http_sender(timeout=2), IDENTITY, now=lambda: datetime.now(UTC)).delivered


def test_demo_history_leaves_nothing_pending_for_the_scheduler(
    runner: FlaskCliRunner, uow: UnitOfWork, session_factory: SessionFactory, directory: None
) -> None:
    result = runner.invoke(args=["demo", "generate", "--referrals", "300", "--seed", "3", "--batch-size", "150"])
    assert result.exit_code == 0, result.output
    with uow:
        statuses = {m.status for m in uow.session.scalars(select(OutboxMessage))}
        assert OutboxStatus.DELIVERED in statuses and OutboxStatus.PENDING not in statuses
        assert all(m.last_error for m in uow.outbox.parked())  # a refused one says so
    report = deliver_due(session_factory, http_sender(timeout=1), IDENTITY, now=lambda: datetime.now(UTC))
    assert (report.delivered, report.parked, report.errors) == ([], 0, 0)


def _csrf(client: FlaskClient, page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(page).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_an_unusable_endpoint_address_parks_its_message_instead_of_raising() -> None:
    send = http_sender(timeout=1)
    unusable = send(Outgoing("ftp://gp.example.org/inbox", b"{}", {"X-Request-Id": "r"}))
    refused = send(Outgoing("http://127.0.0.1:9/inbox", b"{}", {"X-Request-Id": "r"}))  # nothing listens there
    assert (unusable.outcome, unusable.error) == ("park", "the request cannot be sent: not an http(s) address: ftp")
    assert (refused.outcome, refused.error) == ("retry", "connection failed: ConnectionRefusedError")
