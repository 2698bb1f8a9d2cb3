"""Sign-in holds at every door: no Basic side door, one cost for every refusal, a throttled token
endpoint, responses no cache keeps, HSTS in production, and sign out everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient, FlaskCliRunner

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.domain.access import Actor
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.client_sign_in import (
    ADDRESS_LIMIT,
    CLIENT_LIMIT,
    WINDOW,
    ClientSignInOutcome,
    sign_in_client,
)
from referral_service.services.passwords import password_hasher
from referral_service.services.sessions import MAX_FAILURES
from tests.fixtures.api_clients import SECRET
from tests.fixtures.fhir import headers, token_for
from tests.fixtures.portal import PASSWORD, People, csrf_token, sign_in
from tests.fixtures.referrals import NOW

HEALTH = "/admin/integration-health"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the app runs, whatever hasher instance runs it."""
    calls: list[str] = []
    real = PasswordHasher.verify

    def counting(self: PasswordHasher, stored: str | bytes, secret: str | bytes) -> bool:
        calls.append("verify")
        return real(self, stored, secret)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def _token_request(client: FlaskClient, client_id: str, secret: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        environ_base={"REMOTE_ADDR": address},
    )


def _login(client: FlaskClient, email: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"csrf_token": csrf_token(page), "email": email, "password": password})


# --- /admin/integration-health: a bearer token with the admin scope, never Basic -------------------


def test_basic_auth_with_an_administrators_password_no_longer_opens_integration_health(
    client: FlaskClient, people: People
) -> None:
    response = client.get(HEALTH, auth=(people.admin, PASSWORD))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_integration_health_needs_the_admin_scope(client: FlaskClient, make_api_client: Callable[..., Actor]) -> None:
    make_api_client("gp-system", practices=("P88001",))
    make_api_client("monitor", admin=True)
    gp = {"Authorization": f"Bearer {token_for(client, 'gp-system', SECRET)}"}
    monitor = {"Authorization": f"Bearer {token_for(client, 'monitor', SECRET)}"}

    refused = client.get(HEALTH, headers=gp)
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    answered = client.get(HEALTH, headers=monitor)
    assert answered.status_code == 200
    assert answered.get_json() == {
        "endpoints": [],
        "notifications": {"counts": {}, "oldest_queued_age_seconds": None, "parked": []},
    }
    assert client.get(HEALTH, headers={"Authorization": "Bearer forged"}).status_code == 401


def test_an_admin_client_reaches_no_referral(client: FlaskClient, make_api_client: Callable[..., Actor]) -> None:
    make_api_client("monitor", admin=True)
    token = token_for(client, "monitor", SECRET)
    found = client.get("/fhir/Task", headers=headers(token))
    assert found.status_code == 200 and found.get_json()["total"] == 0


def test_clients_create_admin_registers_a_monitoring_client(runner: FlaskCliRunner, client: FlaskClient) -> None:
    result = runner.invoke(args=["clients", "create", "monitor", "--name", "Uptime monitor", "--admin"])
    assert result.exit_code == 0, result.output
    secret = next(line.split("=", 1)[1] for line in result.output.splitlines() if line.startswith("client_secret="))
    token = token_for(client, "monitor", secret)
    assert client.get(HEALTH, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    mixed = runner.invoke(args=["clients", "create", "mixed", "--name", "M", "--admin", "--practice", "P88001"])
    assert mixed.exit_code != 0


# --- every refusal costs one argon2 verification -------------------------------------------------


def test_every_portal_refusal_costs_one_verification(
    client: FlaskClient, people: People, uow: UnitOfWork, verifications: list[str]
) -> None:
    with uow:
        user = uow.access.portal_user_by_email(people.commissioner)
        assert user is not None
        user.is_active = False
    for _ in range(MAX_FAILURES):
        assert _login(client, people.link_worker, "wrong password!").status_code == 401

    for email, password in (
        ("nobody@example.org", PASSWORD),  # unknown address
        (people.provider, "wrong password!"),  # wrong password
        (people.commissioner, PASSWORD),  # inactive, right password
        (people.link_worker, PASSWORD),  # locked, right password
    ):
        verifications.clear()
        assert _login(client, email, password).status_code == 401, email
        assert len(verifications) == 1, email


def test_every_token_refusal_costs_one_verification(
    client: FlaskClient, make_api_client: Callable[..., Actor], uow: UnitOfWork, verifications: list[str]
) -> None:
    make_api_client("gp-system", practices=("P88001",))
    make_api_client("retired", practices=("P88001",))
    with uow:
        retired = uow.access.api_client("retired")
        assert retired is not None
        retired.is_active = False
    for client_id, secret in (("no-such-client", SECRET), ("gp-system", "wrong-secret"), ("retired", SECRET)):
        verifications.clear()
        assert _token_request(client, client_id, secret).status_code == 401, client_id
        assert len(verifications) == 1, client_id


# --- /oauth/token is throttled ---------------------------------------------------------------------


def test_repeated_failures_for_one_client_are_answered_429_and_others_still_sign_in(
    client: FlaskClient, make_api_client: Callable[..., Actor]
) -> None:
    make_api_client("gp-system", practices=("P88001",))
    make_api_client("other-gp", practices=("P88001",))
    for _ in range(CLIENT_LIMIT):
        assert _token_request(client, "gp-system", "wrong-secret").status_code == 401

    held = _token_request(client, "gp-system", SECRET)  # even the right secret waits
    assert held.status_code == 429
    assert 0 < int(held.headers["Retry-After"]) <= 15 * 60
    assert held.get_json()["error"] == "invalid_client"
    assert held.headers["Cache-Control"] == "no-store"
    assert _token_request(client, "other-gp", SECRET).status_code == 200


def test_an_unknown_client_id_is_throttled_like_a_known_one(client: FlaskClient) -> None:
    for _ in range(CLIENT_LIMIT):
        assert _token_request(client, "no-such-client", "guess").status_code == 401
    assert _token_request(client, "no-such-client", "guess").status_code == 429


def test_a_success_clears_the_clients_count(client: FlaskClient, make_api_client: Callable[..., Actor]) -> None:
    make_api_client("gp-system", practices=("P88001",))
    for _ in range(CLIENT_LIMIT - 1):
        assert _token_request(client, "gp-system", "wrong-secret").status_code == 401
    assert _token_request(client, "gp-system", SECRET).status_code == 200
    for _ in range(CLIENT_LIMIT - 1):
        assert _token_request(client, "gp-system", "wrong-secret").status_code == 401
    assert _token_request(client, "gp-system", SECRET).status_code == 200


def test_one_address_guessing_many_client_ids_is_held_off(
    client: FlaskClient, make_api_client: Callable[..., Actor]
) -> None:
    make_api_client("gp-system", practices=("P88001",))
    for number in range(ADDRESS_LIMIT):
        assert _token_request(client, f"guess-{number}", "guess", address="203.0.113.9").status_code == 401
    assert _token_request(client, "gp-system", SECRET, address="203.0.113.9").status_code == 429
    assert _token_request(client, "gp-system", SECRET, address="198.51.100.7").status_code == 200


# --- caches and transport ---------------------------------------------------------------------------


def test_fhir_reads_and_tokens_are_never_stored(client: FlaskClient, gp_token: str) -> None:
    search = client.get("/fhir/ServiceRequest?identifier=x", headers=headers(gp_token))
    assert search.status_code == 200
    assert search.headers["Cache-Control"] == "no-store"
    refused = client.get("/fhir/Task/nope", headers=headers(gp_token))
    assert refused.headers["Cache-Control"] == "no-store"
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert token.headers["Cache-Control"] == "no-store"


def test_hsts_in_production_only(database_url: str, tmp_path: Path, client: FlaskClient) -> None:
    production = Settings.for_tests(
        database_url, instance_dir=tmp_path, environment="production", secret_key="k" * 32, argon2_profile="standard"
    )
    answer = create_app(production).test_client().get("/healthz")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    development = Settings.for_tests(database_url, instance_dir=tmp_path, environment="development")
    assert "Strict-Transport-Security" not in create_app(development).test_client().get("/healthz").headers


# --- sign out everywhere -----------------------------------------------------------------------------


def test_sign_out_everywhere_ends_the_other_devices_session_too(app, people: People) -> None:  # type: ignore[no-untyped-def]
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, people.provider)
    sign_in(phone, people.provider)
    assert phone.get("/portal/referrals").status_code == 200

    account = laptop.get("/account")
    assert account.status_code == 200 and "Sign out everywhere" in account.get_data(as_text=True)
    ended = laptop.post("/account/sign-out-everywhere", data={"csrf_token": csrf_token(account.get_data(as_text=True))})
    assert ended.status_code == 302 and ended.headers["Location"] == "/login"

    assert phone.get("/portal/referrals").status_code == 302
    assert laptop.get("/portal/referrals").status_code == 302


def test_sign_out_everywhere_needs_the_forms_csrf_token(app, people: People) -> None:  # type: ignore[no-untyped-def]
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, people.provider)
    sign_in(phone, people.provider)
    assert laptop.post("/account/sign-out-everywhere").status_code == 400
    assert phone.get("/portal/referrals").status_code == 200


def test_a_hold_ends_after_the_window(uow: UnitOfWork, make_api_client: Callable[..., Actor]) -> None:
    make_api_client("gp-system", practices=("P88001",))
    hasher = password_hasher("fast")

    def attempt(secret: str, at: datetime) -> ClientSignInOutcome:
        with uow:
            return sign_in_client(uow, "gp-system", secret, remote_address="192.0.2.1", hasher=hasher, now=at).outcome

    for minute in range(CLIENT_LIMIT):
        assert attempt("wrong", NOW + timedelta(minutes=minute)) is ClientSignInOutcome.REFUSED
    held_from = NOW + timedelta(minutes=CLIENT_LIMIT - 1)
    assert attempt(SECRET, held_from + WINDOW - timedelta(seconds=1)) is ClientSignInOutcome.THROTTLED
    assert attempt(SECRET, held_from + WINDOW) is ClientSignInOutcome.GRANTED
