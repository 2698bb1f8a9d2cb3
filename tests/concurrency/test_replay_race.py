"""Replays racing each other on PostgreSQL: exactly one is processed, the rest are 409 duplicate."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.models import InboundMessage, Referral
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.fhir import gp_referral_bundle, headers, token_for

pytestmark = pytest.mark.postgres

RACERS = 12


@pytest.fixture
def committed_app(
    fresh_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, UnitOfWork]]:
    engine = make_engine(fresh_database_url)
    migrations.upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        add_api_client(uow, "gp-racer", practices=("RND",), secret="gp-secret", name="GP")
    app = create_app(Settings.for_tests(fresh_database_url, instance_dir=tmp_path_factory.mktemp("instance")))
    yield app, uow
    app.extensions["referral_service"].require_engine().dispose()
    engine.dispose()


def test_concurrent_replays_of_one_request_id_create_one_referral(committed_app: tuple[Flask, UnitOfWork]) -> None:
    app, uow = committed_app
    token = token_for(app.test_client(), "gp-racer", "gp-secret")
    request_id, body = str(uuid.uuid4()), json.dumps(gp_referral_bundle())
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []

    def race() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/fhir/$process-message", data=body, headers=headers(token, request_id=request_id))
        statuses.append(response.status_code)

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200] + [409] * (RACERS - 1)
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Referral)) == 1
        assert uow.session.scalar(select(func.count()).select_from(InboundMessage)) == 1
