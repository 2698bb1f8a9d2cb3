"""Intake while the database drops every connection (what a PostgreSQL restart does to a running
service), on a throwaway database of this test's own: each answer is a 200 or a 503
OperationOutcome with Retry-After, the same server carries on afterwards, and nothing is half-stored.

Connections are ended with pg_terminate_backend on the throwaway database only; the PostgreSQL
server itself, which other suites share, is never stopped."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url, select, text

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.models import Referral, ReferralEvent, ReferralTask
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.fhir import gp_referral_bundle, headers, token_for
from tests.fixtures.live import serving

pytestmark = pytest.mark.postgres

SENDERS, MESSAGES_EACH = 4, 6
KILL_FOR_SECONDS = 4.0


@pytest.fixture
def served(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, UnitOfWork, str]]:
    engine = make_engine(fresh_database_url)
    migrations.upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        add_api_client(uow, "gp-blip", practices=("RND",), secret="gp-secret", name="GP")
    app = create_app(Settings.for_tests(fresh_database_url, instance_dir=tmp_path / "instance"))
    yield app, uow, str(make_url(fresh_database_url).database)
    engine.dispose()


def _post(root: str, body: bytes, token: str, request_id: str) -> tuple[int, dict[str, str], dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 (http to the loopback test server)
        f"{root}/fhir/$process-message", data=body, headers=headers(token, request_id=request_id), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback test server)
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _terminate_backends(database_url: str, name: str, stop: threading.Event) -> None:
    """End every connection to the throwaway database, again and again, until told to stop."""
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        while not stop.is_set():
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            time.sleep(0.05)
    admin.dispose()


def test_intake_under_dropped_connections_answers_200_or_503_and_stores_nothing_by_halves(
    served: tuple[Flask, UnitOfWork, str], database_url: str
) -> None:
    app, uow, name = served
    token = token_for(app.test_client(), "gp-blip", "gp-secret")
    answers: list[tuple[int, dict[str, str], dict[str, object]]] = []
    unavailable = threading.Event()
    stop = threading.Event()

    with serving(app, "live-database-restart") as root:

        def send(messages: list[tuple[str, bytes]]) -> None:
            for request_id, body in messages:
                deadline = time.monotonic() + 60
                while True:  # as a GP system does: retry the same message while the answer is 503
                    status, response_headers, outcome = _post(root, body, token, request_id)
                    answers.append((status, response_headers, outcome))
                    if status != 503 or time.monotonic() > deadline:
                        break
                    unavailable.set()
                    time.sleep(0.2)

        messages = [
            [(str(uuid.uuid4()), json.dumps(gp_referral_bundle()).encode()) for _ in range(MESSAGES_EACH)]
            for _ in range(SENDERS)
        ]
        killer = threading.Thread(target=_terminate_backends, args=(database_url, name, stop))
        senders = [threading.Thread(target=send, args=(batch,)) for batch in messages]
        killer.start()
        for sender in senders:
            sender.start()
        time.sleep(KILL_FOR_SECONDS)
        stop.set()
        killer.join(timeout=30)
        for sender in senders:
            sender.join(timeout=120)
        after, _, _ = _post(root, json.dumps(gp_referral_bundle()).encode(), token, str(uuid.uuid4()))

    for status, response_headers, outcome in answers:
        assert status in (200, 201, 409, 503), (status, outcome)
        if status == 503:
            assert response_headers["Retry-After"].isdigit()
            assert outcome["resourceType"] == "OperationOutcome"
            assert "REC_SERVICE_UNAVAILABLE" in json.dumps(outcome)
        if status == 409:  # only a retry of a message that was in fact stored the first time
            assert "duplicate" in json.dumps(outcome)
    assert unavailable.is_set(), "no request met the dropped connections: the test proved nothing"
    assert after == 200  # the same server carries on once the database is back
    with uow:
        referrals = uow.session.scalars(select(Referral)).all()
        tasks = set(uow.session.scalars(select(ReferralTask.referral_id)))
        received = set(
            uow.session.scalars(select(ReferralEvent.referral_id).where(ReferralEvent.event_type == "received"))
        )
    assert len(referrals) == SENDERS * MESSAGES_EACH + 1  # every message stored once, none lost
    assert all(referral.id in tasks and referral.id in received for referral in referrals)
