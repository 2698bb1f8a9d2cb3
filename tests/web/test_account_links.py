"""Invitations and password resets by email, through the doors people use: the administrator's
invite form, the sender job over real SMTP on loopback, and the link's page. Each link works once,
until it expires, and only the newest works; asking for a reset never says who has an account."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.clock import utcnow
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import AccountLink, AuditEvent, Notification, PortalUser
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.account_links import RESETS_PER_ADDRESS, RESETS_PER_CALLER
from referral_service.web.account_links import ANSWER_FLOOR_SECONDS
from tests.fixtures.notifications import PUBLIC_URL, send, smtp_channels
from tests.fixtures.portal import PASSWORD, People, csrf_token, sign_in, submit
from tests.fixtures.smtp import Mailbox

NEW_PASSWORD = "correct horse battery staple"
LINK = re.compile(re.escape(PUBLIC_URL) + r"(/account/(?:set|reset)-password\?token=[A-Za-z0-9_-]+)")
UNUSABLE = "This link cannot be used"
ANSWER = "Check your email"


def _mailed_links(session_factory: SessionFactory, smtp_server: Mailbox, to: str) -> list[str]:
    """Send what is queued over SMTP; the links (as paths) in every email to `to`, oldest first."""
    send(session_factory, smtp_channels(smtp_server.url))
    bodies = [m.get_payload(decode=True).decode() for m in smtp_server.messages if m["To"] == to]
    return [path for body in bodies for path in LINK.findall(body)]


def _invite(client: FlaskClient, email: str = "new.starter@example.org") -> None:
    response = submit(
        client,
        "/portal/admin/users/invite",
        {"display_name": "New Starter", "email": email, "role": "link-worker", "organisation": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _set_password(client: FlaskClient, path: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(
        path, data={"csrf_token": csrf_token(page.get_data(as_text=True)), "password": password, "confirm": password}
    )


def _login(client: FlaskClient, email: str, password: str) -> int:
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"csrf_token": csrf_token(page), "email": email, "password": password}
    ).status_code


def _forgotten(client: FlaskClient, email: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    page = client.get("/forgotten-password").get_data(as_text=True)
    return client.post(
        "/forgotten-password",
        data={"csrf_token": csrf_token(page), "email": email},
        environ_base={"REMOTE_ADDR": address},
    )


def _user(uow: UnitOfWork, email: str) -> PortalUser:
    with uow:
        user = uow.access.portal_user_by_email(email)
        assert user is not None
        return user


def test_an_invited_user_sets_a_password_from_the_emailed_link_and_signs_in(
    client: FlaskClient, people: People, uow: UnitOfWork, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    sign_in(client, people.admin)
    _invite(client)
    assert not _user(uow, "new.starter@example.org").is_active
    [path] = _mailed_links(session_factory, smtp_server, "new.starter@example.org")
    [mail] = smtp_server.messages
    assert mail["Subject"] == "Set your password for the referral service"
    assert path.startswith("/account/set-password?token=")  # on the public base URL, as the pattern required

    token = path.split("token=")[1]
    with uow:  # only the token's hash is stored, and the notification is sent
        [link] = uow.session.scalars(select(AccountLink)).all()
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert link.expires_at - link.created_at == timedelta(hours=72)

    visitor = client.application.test_client()
    assert "For New Starter, who signs in as new.starter@example.org" in visitor.get(path).get_data(as_text=True)
    done = _set_password(visitor, path)
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/login"
    assert "Your password is set" in visitor.get("/login").get_data(as_text=True)
    assert _user(uow, "new.starter@example.org").is_active
    assert _login(visitor, "new.starter@example.org", NEW_PASSWORD) == 302
    assert visitor.get("/portal/link-worker").status_code == 200
    with uow:
        actions = set(uow.session.scalars(select(AuditEvent.action)).all())
    assert {"invite-user", "send-invitation", "accept-invitation"} <= actions

    again = client.application.test_client().get(path)  # used: it never works twice
    assert again.status_code == 404 and UNUSABLE in again.get_data(as_text=True)


def test_sending_the_invitation_again_stops_the_earlier_link(
    client: FlaskClient, people: People, uow: UnitOfWork, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    sign_in(client, people.admin)
    _invite(client)
    user_id = _user(uow, "new.starter@example.org").id
    page = client.get(f"/portal/admin/users/{user_id}").get_data(as_text=True)
    assert "Send the invitation again" in page and "the link works until" in page
    resent = client.post(f"/portal/admin/users/{user_id}/invite-again", data={"csrf_token": csrf_token(page)})
    assert resent.status_code == 302
    first, second = _mailed_links(session_factory, smtp_server, "new.starter@example.org")
    visitor = client.application.test_client()
    stale = visitor.get(first)
    assert stale.status_code == 404 and UNUSABLE in stale.get_data(as_text=True)
    assert "Ask the administrator who invited you" in stale.get_data(as_text=True)
    assert _set_password(visitor, second).status_code == 302
    assert _login(visitor, "new.starter@example.org", NEW_PASSWORD) == 302
    # once the account works, there is nothing to resend
    page = client.get(f"/portal/admin/users/{user_id}").get_data(as_text=True)
    assert "Send the invitation again" not in page and "Accepted" in page


def test_an_expired_invitation_link_does_not_work(
    client: FlaskClient,
    people: People,
    uow: UnitOfWork,
    session_factory: SessionFactory,
    smtp_server: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sign_in(client, people.admin)
    _invite(client)
    [path] = _mailed_links(session_factory, smtp_server, "new.starter@example.org")
    visitor = client.application.test_client()
    page = visitor.get(path).get_data(as_text=True)
    later = utcnow() + timedelta(hours=72, seconds=1)
    monkeypatch.setattr("referral_service.web.account_links.utcnow", lambda: later)
    assert visitor.get(path).status_code == 404
    posted = visitor.post(
        path, data={"csrf_token": csrf_token(page), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert posted.status_code == 404 and UNUSABLE in posted.get_data(as_text=True)
    assert not _user(uow, "new.starter@example.org").is_active


@pytest.mark.parametrize(
    "path",
    [
        "/account/set-password",
        "/account/set-password?token=",
        "/account/set-password?token=not-a-token-anyone-was-sent",
        "/account/reset-password?token=not-a-token-anyone-was-sent",
    ],
)
def test_a_wrong_token_is_refused(client: FlaskClient, people: People, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 404 and UNUSABLE in page.get_data(as_text=True)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    posted = client.post(path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 404


def test_a_reset_link_sets_a_new_password_once_and_ends_every_other_session(
    client: FlaskClient, people: People, uow: UnitOfWork, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    elsewhere = client.application.test_client()
    sign_in(elsewhere, people.provider)  # a forgotten phone, still signed in
    assert "Forgotten your password?" in client.get("/login").get_data(as_text=True)
    answer = _forgotten(client, people.provider.upper())
    assert answer.status_code == 200 and ANSWER in answer.get_data(as_text=True)
    [path] = _mailed_links(session_factory, smtp_server, people.provider)
    assert path.startswith("/account/reset-password?token=")
    [mail] = smtp_server.messages
    assert mail["Subject"] == "Reset your referral service password"

    invitation_path = path.replace("/reset-password", "/set-password")  # a reset link is no invitation
    assert client.get(invitation_path).status_code == 404
    assert _set_password(client, path).status_code == 302
    assert elsewhere.get("/portal/referrals").status_code == 302  # signed out there
    assert _login(client, people.provider, PASSWORD) == 401
    assert _login(client, people.provider, NEW_PASSWORD) == 302
    reused = client.application.test_client().get(path)
    assert reused.status_code == 404 and "Ask for a new link" in reused.get_data(as_text=True)


def test_a_short_password_or_two_that_differ_are_form_errors_and_the_link_still_works(
    client: FlaskClient, people: People, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    _forgotten(client, people.provider)
    [path] = _mailed_links(session_factory, smtp_server, people.provider)
    page = client.get(path).get_data(as_text=True)
    short = client.post(path, data={"csrf_token": csrf_token(page), "password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.get_data(as_text=True)
    differ = client.post(path, data={"csrf_token": csrf_token(page), "password": NEW_PASSWORD, "confirm": "x" * 20})
    assert differ.status_code == 400 and "The two passwords are not the same" in differ.get_data(as_text=True)
    assert _set_password(client, path).status_code == 302


def test_a_newer_reset_link_replaces_the_older_and_expiry_ends_it(
    client: FlaskClient,
    people: People,
    session_factory: SessionFactory,
    smtp_server: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _forgotten(client, people.provider)
    _forgotten(client, people.provider)
    first, second = _mailed_links(session_factory, smtp_server, people.provider)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    later = utcnow() + timedelta(hours=1)
    monkeypatch.setattr("referral_service.web.account_links.utcnow", lambda: later)
    assert client.get(second).status_code == 404


def _answer_text(response: object) -> str:
    """The page without its per-response tokens (the form's CSRF token, the scripts' nonce)."""
    text: str = response.get_data(as_text=True)  # type: ignore[attr-defined]
    return re.sub(r'name="csrf_token"[^>]*>|nonce="[^"]*"', "", text)


def test_asking_for_a_reset_answers_the_same_whether_or_not_there_is_an_account(
    client: FlaskClient, people: People, uow: UnitOfWork, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    known = _forgotten(client, people.provider)
    unknown = _forgotten(client, "nobody.here@example.org")
    assert known.status_code == unknown.status_code == 200
    assert _answer_text(known).replace(people.provider, "X") == _answer_text(unknown).replace(
        "nobody.here@example.org", "X"
    )
    assert set(known.headers.keys()) == set(unknown.headers.keys())
    with uow:  # an attacker's strings are not kept: no link and no email for the unknown one
        recipients = set(uow.session.scalars(select(Notification.recipient)).all())
    assert recipients == {people.provider}
    assert len(_mailed_links(session_factory, smtp_server, people.provider)) == 1
    assert [m["To"] for m in smtp_server.messages] == [people.provider]


def test_an_inactive_account_gets_no_reset_email(
    client: FlaskClient, people: People, uow: UnitOfWork, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    sign_in(client, people.admin)
    _invite(client)  # invited, not yet started: the invitation is their way in
    answer = client.application.test_client()
    assert ANSWER in _forgotten(answer, "new.starter@example.org").get_data(as_text=True)
    send(session_factory, smtp_channels(smtp_server.url))
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert subjects == ["Set your password for the referral service"]


def test_reset_requests_are_throttled_per_address_typed_and_per_caller(
    client: FlaskClient, people: People, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    for n in range(RESETS_PER_ADDRESS + 2):  # the same answer each time; only the first few are emailed
        assert _forgotten(client, people.provider, address=f"10.0.0.{n}").status_code == 200
    assert len(_mailed_links(session_factory, smtp_server, people.provider)) == RESETS_PER_ADDRESS

    for n in range(RESETS_PER_CALLER):
        assert _forgotten(client, f"someone{n}@example.org", address="10.9.9.9").status_code == 200
    held = _forgotten(client, people.link_worker, address="10.9.9.9")
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
    assert "Too many reset requests" in held.get_data(as_text=True)
    assert _forgotten(client, people.link_worker, address="10.9.9.10").status_code == 200


def _fastest_seconds(client: FlaskClient, addresses: list[str]) -> float:
    timings = []
    for n, email in enumerate(addresses):
        page = client.get("/forgotten-password").get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "email": email}
        started = time.perf_counter()
        client.post("/forgotten-password", data=data, environ_base={"REMOTE_ADDR": f"10.1.{n}.1"})
        timings.append(time.perf_counter() - started)
    return min(timings)  # the least disturbed by whatever else the machine is doing


def test_a_reset_request_takes_the_same_time_for_a_known_and_an_unknown_address(
    client: FlaskClient, people: People
) -> None:
    _fastest_seconds(client, ["warm-up@example.org"] * 2)
    known = _fastest_seconds(client, [people.provider, people.link_worker, people.admin, people.commissioner])
    unknown = _fastest_seconds(client, [f"nobody{n}@example.org" for n in range(4)])
    figures = f"fastest: known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms"
    assert known >= ANSWER_FLOOR_SECONDS and unknown >= ANSWER_FLOOR_SECONDS, figures
    assert abs(known - unknown) < 0.03, figures  # the email's writes (about 10 ms) are hidden in the floor


def test_deactivating_an_account_stops_its_reset_link_for_good(
    client: FlaskClient, people: People, uow: UnitOfWork, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    _forgotten(client.application.test_client(), people.provider)
    [path] = _mailed_links(session_factory, smtp_server, people.provider)
    user_id = _user(uow, people.provider).id
    sign_in(client, people.admin)
    page = client.get(f"/portal/admin/users/{user_id}").get_data(as_text=True)
    for action in ("deactivate", "reactivate"):
        done = client.post(f"/portal/admin/users/{user_id}/{action}", data={"csrf_token": csrf_token(page)})
        assert done.status_code == 302
        assert client.application.test_client().get(path).status_code == 404, action
