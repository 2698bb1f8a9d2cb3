"""POST /oauth/token: client credentials, and what happens to tokens when a client is switched off."""

from __future__ import annotations

from flask.testing import FlaskClient

from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import headers


def test_client_credentials_give_a_bearer_token(client: FlaskClient, gp_token: str) -> None:
    assert gp_token
    assert client.get("/fhir/Task?_id=x", headers=headers(gp_token)).status_code == 200


def test_credentials_in_a_basic_header_work_too(client: FlaskClient, gp_token: str) -> None:
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("gp-system", "gp-system-secret"),
    )
    body = response.get_json()
    assert response.status_code == 200
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_secret_and_unknown_client_look_the_same(client: FlaskClient, gp_token: str) -> None:
    wrong = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "gp-system", "client_secret": "nope"}
    )
    unknown = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.get_json()
        == unknown.get_json()
        == {
            "error": "invalid_client",
            "error_description": "unknown client or wrong secret",
        }
    )


def test_other_grant_types_are_refused(client: FlaskClient) -> None:
    response = client.post("/oauth/token", data={"grant_type": "password", "username": "a", "password": "b"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_a_deactivated_client_s_tokens_stop_working(client: FlaskClient, gp_token: str, uow: UnitOfWork) -> None:
    with uow:
        api_client = uow.access.api_client("gp-system")
        assert api_client is not None
        api_client.is_active = False
    response = client.get("/fhir/Task?_id=x", headers=headers(gp_token))
    assert response.status_code == 401
    assert "no longer active" in response.get_json()["issue"][0]["diagnostics"]
