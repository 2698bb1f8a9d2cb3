"""The administrator's parked messages say which referral, which endpoint, what went wrong in words
and how long it has waited in days or hours, never "941659 min"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import update

from referral_service.domain.clock import utcnow
from referral_service.domain.outbox import OutboxStatus
from referral_service.persistence.models import OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.portal import People, sign_in, submit
from tests.portal.test_plain_words import visible_text

ENDPOINT = "http://127.0.0.1:9/referrer"


def test_a_parked_message_names_its_referral_endpoint_error_and_age(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    with uow:
        gp = uow.access.api_client("gp-system")
        assert gp is not None
        gp.callback_url = ENDPOINT
    referral_id = offered()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302
    queued = utcnow() - timedelta(days=3, hours=5)
    with uow:
        uow.session.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.PARKED, attempts=10, last_status_code=503, last_error=None, created_at=queued
            )
        )
    client.post("/logout")
    sign_in(client, people.admin)
    text = visible_text(client.get("/portal/admin").get_data(as_text=True))
    assert referral_id in text and ENDPOINT in text
    assert "The referrer's system had a fault of its own (it answered 503)" in text
    assert "Waiting for 3 days" in text and "10 attempts" in text
    assert not re.search(r"\d+ min\b", text)
    assert "3 days" in text.split("Referrer endpoints")[1].split("Parked messages")[0]  # the oldest undelivered
