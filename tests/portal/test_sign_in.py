"""Signing in and out: throttled, a new session each time, nothing of it usable after logout."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.config import Settings
from referral_service.persistence.models import PortalSession
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.sessions import MAX_FAILURES
from tests.fixtures.portal import PASSWORD, People, csrf_token, sign_in

COOKIE = "referral_service_session"


def _try(client: FlaskClient, email: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"csrf_token": csrf_token(page), "email": email, "password": password})


def test_pages_behind_the_login_send_you_to_it_and_back(client: FlaskClient, people: People) -> None:
    response = client.get("/portal/referrals")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/portal/referrals"
    page = client.get("/login?next=/portal/referrals").get_data(as_text=True)
    answer = client.post(
        "/login?next=/portal/referrals",
        data={"csrf_token": csrf_token(page), "email": people.provider, "password": PASSWORD},
    )
    assert answer.headers["Location"] == "/portal/referrals"


def test_next_never_leads_off_the_site(client: FlaskClient, people: People) -> None:
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login?next=//evil.example.com/x",
        data={"csrf_token": csrf_token(page), "email": people.provider, "password": PASSWORD},
    )
    assert answer.headers["Location"] == "/portal/referrals"


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client: FlaskClient, people: People) -> None:
    wrong = _try(client, people.provider, "not-the-password")
    unknown = _try(client, "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert "There is a problem" in html and "not right, or the account is locked" in html
        assert 'value="' in html.split('id="email"')[1].split(">")[0]  # the address typed is kept


def test_an_empty_form_names_each_missing_field(client: FlaskClient, people: People) -> None:
    response = _try(client, "", "")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#email">Enter your email address' in html and 'href="#password">Enter your password' in html


def test_repeated_failures_lock_the_account_even_against_the_right_password(
    client: FlaskClient, people: People, uow: UnitOfWork
) -> None:
    for _ in range(MAX_FAILURES):
        assert _try(client, people.provider, "guess-guess-guess").status_code == 401
    assert _try(client, people.provider, PASSWORD).status_code == 401
    with uow:
        user = uow.access.portal_user_by_email(people.provider)
        assert user is not None and user.locked_until is not None


def test_each_login_is_a_new_session_and_logout_ends_it_for_good(
    client: FlaskClient, people: People, uow: UnitOfWork, app: Flask
) -> None:
    sign_in(client, people.provider)
    first = client.get_cookie(COOKIE)
    assert first is not None
    sign_in(client, people.provider)
    second = client.get_cookie(COOKIE)
    assert second is not None and second.value != first.value
    assert client.post("/logout").status_code == 302  # the header's sign-out button (SameSite keeps others out)
    assert client.get("/portal/referrals").status_code == 302

    replay = app.test_client()
    replay.set_cookie(COOKIE, second.value)  # a copy of the cookie taken before logout
    assert replay.get("/portal/referrals").status_code == 302
    with uow:
        sessions = uow.session.scalars(select(PortalSession)).all()
        assert len(sessions) == 2 and all(s.ended_at is not None for s in sessions[1:])
        assert all(len(s.token_hash) == 64 for s in sessions)


def test_forms_without_a_csrf_token_are_refused(client: FlaskClient, people: People) -> None:
    sign_in(client, people.provider)
    response = client.post("/portal/referrals/anything/decline", data={"reason": "other"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_cookies_and_headers_protect_the_session(client: FlaskClient, people: People) -> None:
    page = client.get("/login")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    response = _try(client, people.provider, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/portal/referrals").headers["Cache-Control"] == "no-store"


def test_session_cookies_are_secure_outside_development(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from referral_service.app import create_app

    production_like = Settings.for_tests(
        database_url, instance_dir=tmp_path, environment="production", secret_key="k" * 32, argon2_profile="standard"
    )
    assert create_app(production_like).config["SESSION_COOKIE_SECURE"] is True
    assert create_app(Settings.for_tests(database_url, instance_dir=tmp_path)).config["SESSION_COOKIE_SECURE"] is False
