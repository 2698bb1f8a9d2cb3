"""A provider never sees another provider's patients; each role has its own doors; every page with
patient data leaves an audit record."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.persistence.models import AuditEvent
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.portal import People, sign_in

REFERRAL_PAGES = ("", "/decline", "/contact", "/sessions", "/measures", "/finish")
REFERRAL_POSTS = ("/accept", "/decline", "/contact", "/sessions", "/measures", "/finish")


@pytest.mark.parametrize("suffix", REFERRAL_PAGES)
def test_another_providers_user_gets_404_on_every_referral_page(
    client: FlaskClient, people: People, offered: Callable[..., str], suffix: str
) -> None:
    referral_id = offered()
    sign_in(client, people.other_provider)
    response = client.get(f"/portal/referrals/{referral_id}{suffix}")
    assert response.status_code == 404
    assert "Sam" not in response.get_data(as_text=True)


@pytest.mark.parametrize("suffix", REFERRAL_POSTS)
def test_another_providers_user_cannot_act_on_the_referral(
    client: FlaskClient, people: People, offered: Callable[..., str], suffix: str, app
) -> None:  # type: ignore[no-untyped-def]
    referral_id = offered()
    sign_in(client, people.other_provider)
    app.config["WTF_CSRF_ENABLED"] = False  # reach the view itself, not just the CSRF check
    response = client.post(
        f"/portal/referrals/{referral_id}{suffix}",
        data={
            "reason": "other",
            "reason_text": "x",
            "attempted_on": "2026-11-20",
            "method": "phone",
            "outcome": "reached",
            "session_on": "2026-11-27",
            "status": "attended",
            "timepoint": "start",
            "measured_on": "2026-11-20",
            "minutes": "10",
            "ending": "completed",
        },
    )
    assert response.status_code == 404


def test_an_unknown_referral_looks_exactly_like_someone_elses(client: FlaskClient, people: People) -> None:
    sign_in(client, people.provider)
    assert client.get("/portal/referrals/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("commissioner", "/portal/referrals", 403),
        ("commissioner", "/portal/link-worker", 403),
        ("admin", "/portal/referrals", 403),
        ("link_worker", "/portal/referrals", 403),
        ("link_worker", "/portal/capacity", 403),
        ("provider", "/portal/link-worker", 403),
        ("provider", "/portal/admin", 403),
        ("link_worker", "/portal/admin", 403),
        ("admin", "/portal/admin", 200),
        ("link_worker", "/portal/link-worker", 200),
        ("provider", "/portal/capacity", 200),
    ],
)
def test_each_role_has_its_own_pages(client: FlaskClient, people: People, who: str, path: str, status: int) -> None:
    sign_in(client, getattr(people, who))
    assert client.get(path).status_code == status


def test_a_link_worker_opens_only_referrals_in_the_queue(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()  # offered to a provider, not in the queue
    sign_in(client, people.link_worker)
    assert client.get(f"/portal/referrals/{referral_id}").status_code == 404


def test_every_page_showing_patients_writes_an_audit_record(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    referral_id = offered()
    sign_in(client, people.provider)
    client.get("/portal/referrals")
    client.get(f"/portal/referrals/{referral_id}")
    client.get(f"/portal/referrals/{referral_id}/decline")
    with uow:
        rows = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(row.action, row.resource_id) for row in rows] == [
            ("portal-list", referral_id),
            ("portal-read", referral_id),
            ("portal-read", referral_id),
        ]
        user = uow.access.portal_user_by_email(people.provider)
        assert user is not None and {row.actor_id for row in rows} == {f"user:{user.id}"}
        assert all(row.request_id for row in rows)
