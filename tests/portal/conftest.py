"""Portal fixtures: the demo directory, portal users of every role, a signed-in test client, and
referrals offered to the demo provider through the real intake and triage."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from referral_service.domain.access import UserRole
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import create_portal_user
from referral_service.services.demo import DEMO_PROVIDER_SLUG
from referral_service.services.intake import ReferralReceipt
from referral_service.services.passwords import password_hasher
from tests.factories import incoming
from tests.services.conftest import NOW, directory, gp, refer  # noqa: F401 - fixtures shared with service tests

PASSWORD = "a-long-enough-password"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
OTHER_PROVIDER_SLUG = "goyt-valley-active"


@dataclass(frozen=True)
class People:
    provider: str = "frontdesk@mersey.example.org"
    other_provider: str = "staff@goyt.example.org"
    link_worker: str = "lw@example.org"
    admin: str = "admin@example.org"
    commissioner: str = "icb@example.org"


@pytest.fixture
def people(uow: UnitOfWork, directory: None) -> People:  # noqa: F811
    hasher = password_hasher("fast")
    who = People()
    with uow:
        for email, role, slug in (
            (who.provider, UserRole.PROVIDER, DEMO_PROVIDER_SLUG),
            (who.other_provider, UserRole.PROVIDER, OTHER_PROVIDER_SLUG),
            (who.link_worker, UserRole.LINK_WORKER, None),
            (who.admin, UserRole.ADMIN, None),
            (who.commissioner, UserRole.COMMISSIONER, None),
        ):
            create_portal_user(
                uow,
                email=email,
                display_name=email.split("@")[0],
                role=role,
                password=PASSWORD,
                hasher=hasher,
                provider_slug=slug,
                now=NOW,
            )
    return who


def csrf_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_token(page), "email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def submit(client: FlaskClient, page_url: str, data: dict[str, str], action: str | None = None):  # type: ignore[no-untyped-def]
    """Open a page, take its CSRF token, post the form as a browser would."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action or page_url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


@pytest.fixture
def offered(refer: Callable[..., ReferralReceipt]) -> Callable[..., str]:  # noqa: F811
    """A referral triage offers to the demo provider (Mersey Vale Leisure's exercise referral)."""

    def make(**changes: object) -> str:
        receipt = refer(incoming(**changes))  # type: ignore[arg-type]
        return receipt.referral_id

    return make
