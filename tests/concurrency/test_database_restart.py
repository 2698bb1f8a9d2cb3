"""PostgreSQL stopped and started again under concurrent intake, with the real processes running.

On a private cluster of this test's own (`private_postgres.py`; the shared server is never
touched), the web server (gunicorn, production settings) and the scheduler process (`jobs run`)
run as deployed while GP systems post referrals from several threads. The cluster is stopped
(`pg_ctl -m fast`: every session ended at once, as a restart does) two seconds before a delivery
tick, left down across it, and started again. Every answer is a 200/201, a 503 OperationOutcome
REC_SERVICE_UNAVAILABLE with Retry-After (the sender retries with the same X-Request-Id), or a
409 duplicate on a retry of a message that had in fact been stored; the same web and scheduler
processes carry on (the scheduler's tick logs the outage, and a later one delivers every message
intake queued, before, during and after the restart); and nothing is half-stored.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from referral_service.config import PROJECT_ROOT
from referral_service.domain.outbox import OutboxStatus
from referral_service.jobs.scheduler import INTERVAL_SECONDS
from referral_service.persistence import migrations
from referral_service.persistence.engine import SessionFactory, make_engine, make_session_factory
from referral_service.persistence.models import (
    InboundMessage,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralTask,
)
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.directory import load_directory
from tests.concurrency.private_postgres import PrivateCluster, private_cluster, why_not_available
from tests.concurrency.service_processes import ServiceProcesses, running_service
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.fhir import gp_referral_bundle, headers
from tests.jobs.receiver import Receiver, running_receiver

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SENDERS = 4
BEFORE_SECONDS, AFTER_SECONDS = 2.5, 2.5  # of intake before the database stops, and after it is back
DELIVERY_INTERVAL = INTERVAL_SECONDS["deliver-outbox"]
RETRY_FOR_SECONDS = 30.0  # a GP system gives up on one message after this long
DELIVERY_WAIT_SECONDS = 3 * DELIVERY_INTERVAL
GP_SECRET = "gp-restart-secret"
DEMO_DIRECTORY = PROJECT_ROOT / "providers" / "demo"


@dataclass(frozen=True)
class Answer:
    request_id: str
    attempt: int
    status: int
    headers: dict[str, str]
    body: dict[str, object]


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    with private_cluster() as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The GP system's own $process-message endpoint, where the scheduler delivers."""
    with running_receiver() as running:
        yield running


@pytest.fixture
def database(cluster: PrivateCluster, receiver: Receiver) -> Iterator[SessionFactory]:
    """The private cluster migrated, with the demo directory and a GP system that takes pushes."""
    engine = make_engine(cluster.url)
    migrations.upgrade(engine)
    session_factory = make_session_factory(engine)
    with UnitOfWork(session_factory) as uow:
        load_directory(uow, read_directory(DEMO_DIRECTORY).providers, complete=True)
        add_api_client(uow, "gp-restart", practices=("RND",), secret=GP_SECRET, callback_url=receiver.url)
    yield session_factory
    engine.dispose()


@pytest.fixture
def service(cluster: PrivateCluster, database: SessionFactory, tmp_path: Path) -> Iterator[ServiceProcesses]:
    environment = {
        "DATABASE_URL": cluster.url,
        "REFERRAL_SERVICE_ENV": "production",
        "REFERRAL_SERVICE_SECRET_KEY": secrets.token_urlsafe(48),
        "REFERRAL_SERVICE_INSTANCE_DIR": str(tmp_path / "instance"),
    }
    with running_service(environment, tmp_path) as processes:
        yield processes


def _call(
    url: str, data: bytes | None = None, request_headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], dict[str, object]]:
    request = urllib.request.Request(url, data=data, headers=request_headers or {})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _token(root: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": "gp-restart", "client_secret": GP_SECRET}
    status, _, body = _call(f"{root}/oauth/token", urllib.parse.urlencode(form).encode())
    assert status == 200, body
    return str(body["access_token"])


def _send_until_answered(root: str, token: str, answers: list[Answer]) -> str:
    """One referral, retried with its X-Request-Id while the answer is 503, as a GP system does."""
    request_id, body = str(uuid.uuid4()), json.dumps(gp_referral_bundle()).encode()
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    for attempt in range(1, 1000):
        status, response_headers, outcome = _call(
            f"{root}/fhir/$process-message", body, headers(token, request_id=request_id)
        )
        answers.append(Answer(request_id, attempt, status, response_headers, outcome))
        if status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return request_id


def test_intake_across_a_database_restart_answers_or_says_unavailable_and_the_processes_carry_on(
    cluster: PrivateCluster, database: SessionFactory, service: ServiceProcesses, receiver: Receiver
) -> None:
    token = _token(service.root)
    answers = _intake_across_a_restart(cluster, service, token)

    _assert_each_answer_is_a_success_or_unavailable(answers, service)
    # The same processes carry on: ready, taking referrals, and delivering what intake queues.
    service.assert_same_processes()
    assert _call(f"{service.root}/readyz")[0] == 200
    after = [_send_until_answered(service.root, token, answers) for _ in range(3)]
    assert [answer.status for answer in answers[-3:]] == [200, 200, 200], answers[-3:]
    delivered = _wait_until_all_delivered(database, receiver)
    assert set(after) <= {referral for referral, _ in delivered}, "what intake queued after the restart was sent"
    service.assert_same_processes()
    assert "deliver-outbox: the database is unavailable" in service.log("scheduler"), "the tick missed the outage"
    assert "unhandled error" not in service.log("web")  # the restart was never taken for a bug
    _assert_nothing_half_stored(database, answers)


def _intake_across_a_restart(cluster: PrivateCluster, service: ServiceProcesses, token: str) -> list[Answer]:
    """GP systems send referrals from several threads while the database stops and starts again."""
    answers: list[Answer] = []
    stop = threading.Event()

    def sender() -> None:
        while not stop.is_set():
            _send_until_answered(service.root, token, answers)

    threads = [threading.Thread(target=sender, name=f"gp-{n}") for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    try:
        # Down from two seconds before a delivery tick until two after it: the scheduler meets it too.
        tick = service.next_tick(DELIVERY_INTERVAL, after=time.monotonic() + BEFORE_SECONDS + 2)
        time.sleep(max(0.0, tick - 2 - time.monotonic()))
        cluster.stop()
        time.sleep(max(0.0, tick + 2 - time.monotonic()))
        cluster.start()
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=RETRY_FOR_SECONDS + 30)
    return answers


def _assert_each_answer_is_a_success_or_unavailable(answers: list[Answer], service: ServiceProcesses) -> None:
    for answer in answers:
        assert answer.status in (200, 201, 409, 503), (answer, service.logs())
        if answer.status == 503:
            assert answer.headers["Retry-After"].isdigit()
            assert answer.body["resourceType"] == "OperationOutcome"
            assert "REC_SERVICE_UNAVAILABLE" in json.dumps(answer.body)
        if answer.status == 409:  # only a retry of a message that was in fact stored the first time
            assert answer.attempt > 1 and "duplicate" in json.dumps(answer.body), answer
    finals = {answer.request_id: answer.status for answer in answers}  # each message's last answer
    assert 503 not in finals.values(), "a sender gave up: the service stayed unavailable"
    assert any(answer.status == 503 for answer in answers), "no request met the restart: it proved nothing"
    assert any(answer.status == 200 and answer.attempt > 1 for answer in answers), "no retry was answered"


def _assert_nothing_half_stored(database: SessionFactory, answers: list[Answer]) -> None:
    """Every message sent is one referral, with its Task and its "received" event; none twice."""
    with UnitOfWork(database) as uow:
        referrals = uow.session.scalars(select(Referral)).all()
        tasks = set(uow.session.scalars(select(ReferralTask.referral_id)))
        received = uow.session.scalars(
            select(ReferralEvent.referral_id).where(ReferralEvent.event_type == "received")
        ).all()
        inbound = uow.session.scalars(
            select(InboundMessage.request_id).where(InboundMessage.interaction == "referral")
        ).all()
    stored = sorted(referral.request_id for referral in referrals)
    assert stored == sorted({answer.request_id for answer in answers}), "each message stored once, none lost"
    assert sorted(inbound) == stored  # each stored request id is one referral's
    assert all(referral.id in tasks for referral in referrals)
    assert sorted(received) == sorted(referral.id for referral in referrals)  # one "received" each


def _wait_until_all_delivered(database: SessionFactory, receiver: Receiver) -> list[tuple[str, str]]:
    """(referral's X-Request-Id, message kind) of every message queued, before, during and after the
    restart, once the scheduler process has delivered them all, each to the GP system once."""
    deadline = time.monotonic() + DELIVERY_WAIT_SECONDS
    while True:
        with UnitOfWork(database) as uow:
            messages = uow.session.execute(
                select(
                    Referral.request_id, OutboxMessage.message_type, OutboxMessage.request_id, OutboxMessage.status
                ).join(Referral, Referral.id == OutboxMessage.referral_id)
            ).all()
        waiting = [message for message in messages if message[3] is not OutboxStatus.DELIVERED]
        if messages and not waiting:
            break
        assert time.monotonic() < deadline, f"not delivered within {DELIVERY_WAIT_SECONDS:.0f} s: {waiting}"
        time.sleep(0.5)
    assert sorted(receiver.order) == sorted(message_id for _, _, message_id, _ in messages)
    return [(referral, kind) for referral, kind, _, _ in messages]
