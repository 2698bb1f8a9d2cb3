"""/healthz and /readyz, as a load balancer and an operator see them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flask.testing import FlaskClient

from referral_service.app import create_app
from referral_service.config import Settings


def test_healthz_answers_while_the_process_serves(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_on_a_current_schema(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ready"


def test_readyz_is_503_with_the_reason_when_the_schema_is_behind(settings: Settings, tmp_path: Path) -> None:
    empty = replace(settings, database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    response = create_app(empty).test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert "schema is at revision none" in body["reason"]
    assert "db upgrade" in body["reason"]


def test_readyz_is_503_with_the_reason_when_the_database_is_unreachable(settings: Settings) -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    unreachable = replace(settings, database_url="postgresql+psycopg://postgres@127.0.0.1:1/test")
    response = create_app(unreachable).test_client().get("/readyz")
    assert response.status_code == 503
    assert "database unreachable" in response.get_json()["reason"]


def test_unknown_urls_get_a_json_404_with_the_request_id(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"X-Request-Id": "0b6e7a8e-8a3e-4d4e-9f5e-2f0d6a1c9b11"})
    assert response.status_code == 404
    assert response.headers["X-Request-Id"] == "0b6e7a8e-8a3e-4d4e-9f5e-2f0d6a1c9b11"
    assert response.get_json()["request_id"] == "0b6e7a8e-8a3e-4d4e-9f5e-2f0d6a1c9b11"
