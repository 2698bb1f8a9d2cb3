"""Administrators manage users in the browser: the list, invitations, role and provider, deactivation
(which signs the person out at once), and sign-in history; nobody else reaches any of it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.access import UserRole
from referral_service.persistence.models import AuditEvent, PortalUser, SignInRecord
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.portal import PASSWORD, People, csrf_token, sign_in, submit


def _user(uow: UnitOfWork, email: str) -> PortalUser:
    with uow:
        user = uow.access.portal_user_by_email(email)
        assert user is not None
        return user


def _signed_out(client: FlaskClient) -> bool:
    response = client.get("/portal/referrals")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _text(response: object) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", ["provider", "link_worker", "commissioner"])
def test_only_administrators_reach_user_administration(
    client: FlaskClient, people: People, uow: UnitOfWork, who: str
) -> None:
    target = _user(uow, people.other_provider).id
    sign_in(client, getattr(people, who))
    token = csrf_token(client.get("/account").get_data(as_text=True))
    for url in ("/portal/admin/users", "/portal/admin/users/invite", f"/portal/admin/users/{target}"):
        assert client.get(url).status_code == 403, url
    for url, data in (
        (f"/portal/admin/users/{target}", {"role": "admin", "organisation": ""}),
        (f"/portal/admin/users/{target}/deactivate", {}),
        ("/portal/admin/users/invite", {"display_name": "X", "email": "x@example.org", "role": "admin"}),
    ):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    assert _user(uow, people.other_provider).is_active
    assert _user(uow, people.other_provider).role is UserRole.PROVIDER


def test_the_list_shows_role_provider_account_and_last_sign_in(client: FlaskClient, app: Flask, people: People) -> None:
    sign_in(app.test_client(), people.provider)
    sign_in(client, people.admin)
    page = client.get("/portal/admin/users")
    assert page.status_code == 200
    text = _text(page)
    assert re.search(
        r"frontdesk frontdesk@mersey.example.org Role Provider staff Provider Mersey Vale Leisure Trust"
        r" Account Active Last signed in \d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d",
        text,
    ), text
    assert "lw lw@example.org Role Link worker Provider None Account Active Last signed in Never" in text


def test_changing_the_role_checks_the_provider_is_audited_and_takes_effect_at_once(
    client: FlaskClient, app: Flask, people: People, uow: UnitOfWork
) -> None:
    target = _user(uow, people.provider).id
    theirs = app.test_client()
    sign_in(theirs, people.provider)
    sign_in(client, people.admin)
    url = f"/portal/admin/users/{target}"

    refused = submit(client, url, {"role": "provider", "organisation": ""})
    assert refused.status_code == 422
    assert "Choose the provider this person works for" in refused.get_data(as_text=True)
    refused = submit(client, url, {"role": "link-worker", "organisation": "mersey-vale-leisure"})
    assert refused.status_code == 422
    assert "Only provider staff belong to a provider" in refused.get_data(as_text=True)
    assert not _signed_out(theirs)

    saved = submit(client, url, {"role": "link-worker", "organisation": ""})
    assert saved.status_code == 302
    user = _user(uow, people.provider)
    assert (user.role, user.organisation_id) == (UserRole.LINK_WORKER, None)
    assert _signed_out(theirs)  # their old session carried the provider's reach
    with uow:
        admin = uow.access.portal_user_by_email(people.admin)
        assert admin is not None
        audit = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "change-user")).one()
    assert (audit.actor_id, audit.resource_id) == (f"user:{admin.id}", str(target))
    assert audit.detail == {
        "from": {
            "role": "provider",
            "organisation_id": audit.detail["from"]["organisation_id"],  # type: ignore[index]
            "area_id": None,
        },
        "to": {"role": "link-worker", "organisation_id": None, "area_id": None},
    }
    assert audit.detail["from"]["organisation_id"] is not None  # type: ignore[index]


def test_deactivating_signs_them_out_everywhere_and_the_history_shows_the_refusal(
    client: FlaskClient, app: Flask, people: People, uow: UnitOfWork
) -> None:
    target = _user(uow, people.provider).id
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, people.provider)
    sign_in(phone, people.provider)
    sign_in(client, people.admin)

    assert (
        submit(client, f"/portal/admin/users/{target}", {}, f"/portal/admin/users/{target}/deactivate").status_code
        == 302
    )
    assert _signed_out(laptop) and _signed_out(phone)
    again = laptop.get("/login").get_data(as_text=True)
    refused = laptop.post(
        "/login", data={"csrf_token": csrf_token(again), "email": people.provider, "password": PASSWORD}
    )
    assert refused.status_code == 401
    assert not _user(uow, people.provider).is_active

    history = _text(client.get(f"/portal/admin/users/{target}"))
    assert "Inactive" in history
    assert history.count("Signed in") == 2 and "Refused: account deactivated" in history
    assert not re.search(r"\d{4}-\d\d-\d\d", history)
    with uow:
        actions = uow.session.scalars(select(AuditEvent.action).where(AuditEvent.resource_type == "PortalUser")).all()
    assert actions == ["deactivate-user"]

    assert (
        submit(client, f"/portal/admin/users/{target}", {}, f"/portal/admin/users/{target}/reactivate").status_code
        == 302
    )
    sign_in(laptop, people.provider)
    assert not _signed_out(laptop)


def test_a_wrong_password_is_in_the_history_and_the_password_never_is(
    client: FlaskClient, people: People, uow: UnitOfWork
) -> None:
    page = client.get("/login").get_data(as_text=True)
    wrong = "not-the-password-at-all"
    client.post("/login", data={"csrf_token": csrf_token(page), "email": people.link_worker, "password": wrong})
    client.post("/login", data={"csrf_token": csrf_token(page), "email": "nobody@example.org", "password": wrong})
    sign_in(client, people.admin)
    target = _user(uow, people.link_worker).id
    assert "Refused: wrong password" in _text(client.get(f"/portal/admin/users/{target}"))
    with uow:
        records = uow.session.scalars(select(SignInRecord)).all()
    assert [(r.user_id == target, r.succeeded, r.reason) for r in records][:1] == [(True, False, "wrong-password")]
    assert (
        len(records) == 2
    )  # the link worker's refusal and the administrator's sign-in; an unknown address is not kept
    assert all(wrong not in str(vars(r)) for r in records)


def test_an_administrator_cannot_deactivate_themselves(client: FlaskClient, people: People, uow: UnitOfWork) -> None:
    me = _user(uow, people.admin).id
    sign_in(client, people.admin)
    assert "Deactivate" not in client.get(f"/portal/admin/users/{me}").get_data(as_text=True)
    response = submit(client, f"/portal/admin/users/{me}", {}, f"/portal/admin/users/{me}/deactivate")
    assert response.status_code == 302
    assert _user(uow, people.admin).is_active
    assert not _signed_out(client)


def test_an_invitation_creates_an_inactive_account(client: FlaskClient, people: People, uow: UnitOfWork) -> None:
    sign_in(client, people.admin)
    data = {
        "display_name": "Robin",
        "email": "Robin@Goyt.example.org",
        "role": "provider",
        "organisation": "goyt-valley-active",
    }
    created = submit(client, "/portal/admin/users/invite", data)
    assert created.status_code == 302
    robin = _user(uow, "robin@goyt.example.org")
    assert (robin.role, robin.is_active, robin.display_name) == (UserRole.PROVIDER, False, "Robin")
    again = submit(client, "/portal/admin/users/invite", data)
    assert again.status_code == 409
    assert "There is already a user with that email address" in again.get_data(as_text=True)
    missing = submit(client, "/portal/admin/users/invite", {"role": "admin"})
    assert missing.status_code == 400
    assert "Enter the person" in missing.get_data(as_text=True)
