"""GET /metrics over HTTP in one process: admin bearer token only, routes labelled by URL rule,
intake outcomes by door and reason, and the database gauges read at scrape time."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update

from referral_service.domain.access import Actor
from referral_service.domain.clock import utcnow
from referral_service.domain.outbox import OutboxStatus
from referral_service.persistence.models import Offer, OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import SECOND_NHS_NUMBER, headers, plain_referral, token_for


def _sample(metrics: str, name: str, **labels: str) -> float:
    for line in metrics.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match and match.group(1) == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            if all(found.get(key) == value for key, value in labels.items()):
                return float(match.group(3))
    return 0.0


def _scrape(client: FlaskClient, token: str) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_metrics_need_an_admin_token(client: FlaskClient, gp_token: str) -> None:
    assert client.get("/metrics").status_code == 401
    refused = client.get("/metrics", headers={"Authorization": f"Bearer {gp_token}"})
    assert refused.status_code == 403 and "insufficient_scope" in refused.headers["WWW-Authenticate"]


def test_routes_intake_and_backlog_are_counted_without_patient_data(
    client: FlaskClient, directory: None, gp_token: str, make_api_client: Callable[..., Actor]
) -> None:
    make_api_client("monitoring", admin=True, secret="monitoring-secret")
    admin = token_for(client, "monitoring", "monitoring-secret")
    before = _scrape(client, admin)
    referral: dict[str, Any] = plain_referral()
    created = client.post("/fhir/ServiceRequest", data=json.dumps(referral), headers=headers(gp_token))
    assert created.status_code == 201, created.get_json()
    bad = client.post("/fhir/ServiceRequest", data="{", headers=headers(gp_token))
    assert bad.status_code == 400
    unknown = str(uuid.uuid4())
    assert client.get(f"/fhir/Task/{unknown}", headers=headers(gp_token)).status_code == 404
    after = _scrape(client, admin)

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    intake = "referral_service_intake_total"
    assert grew(intake, door="service-request", outcome="accepted", reason="ok") == 1
    assert grew(intake, door="service-request", outcome="refused", reason="REC_BAD_REQUEST") == 1
    latency = "referral_service_request_seconds_count"
    assert grew(latency, route="/fhir/Task/<task_id>", method="GET", status="404") == 1
    assert unknown not in after and SECOND_NHS_NUMBER not in after
    # Offered (triage reserved a place) with a deadline days away; nothing waits in the outbox.
    assert _sample(after, "referral_service_outbox_backlog") == 0
    assert _sample(after, "referral_service_offers_due_within_one_working_day") == 0


def test_backlog_and_deadline_gauges_are_read_from_the_database_at_scrape_time(
    client: FlaskClient, directory: None, gp_token: str, make_api_client: Callable[..., Actor], uow: UnitOfWork
) -> None:
    make_api_client("monitoring", admin=True, secret="monitoring-secret")
    admin = token_for(client, "monitoring", "monitoring-secret")
    created = client.post("/fhir/ServiceRequest", data=json.dumps(plain_referral()), headers=headers(gp_token))
    assert created.status_code == 201
    now = utcnow()
    with uow:
        referral = uow.referrals.by_public_id(created.get_json()["id"])
        assert referral is not None
        # The offer's provider must answer within hours; one outcome message has waited ten minutes.
        uow.session.execute(update(Offer).values(respond_by=now + timedelta(hours=2)))
        uow.outbox.add(
            OutboxMessage(
                referral_id=referral.id,
                ordering_key=referral.public_id,
                destination="https://gp.example.org/callback",
                message_type="accepted",
                request_id=str(uuid.uuid4()),
                correlation_id=referral.correlation_id,
                payload=b"{}",
                status=OutboxStatus.PENDING,
                next_attempt_at=now,
                created_at=now - timedelta(minutes=10),
            )
        )
    metrics = _scrape(client, admin)
    assert _sample(metrics, "referral_service_offers_due_within_one_working_day") == 1
    assert _sample(metrics, "referral_service_outbox_backlog") == 1
    assert 600 <= _sample(metrics, "referral_service_outbox_oldest_age_seconds") < 700
    assert _sample(metrics, "referral_service_outbox_parked") == 0
