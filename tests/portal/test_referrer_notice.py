"""The portal says what really happened to the news for the referrer: queued for its system when it
has an endpoint, and otherwise there for it to read the next time it checks, never "has been told"."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.portal import People, csrf_token, sign_in


def _accept(client: FlaskClient, referral_id: str) -> str:
    page = client.get(f"/portal/referrals/{referral_id}").get_data(as_text=True)
    response = client.post(
        f"/portal/referrals/{referral_id}/accept", data={"csrf_token": csrf_token(page)}, follow_redirects=True
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_without_an_endpoint_the_practice_reads_it_when_it_next_checks(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()  # the test GP system has no callback URL
    sign_in(client, people.provider)
    page = _accept(client, referral_id)
    assert "Referral accepted." in page
    assert "The practice will see it the next time its system checks." in page
    assert "has been told" not in page


def test_with_an_endpoint_the_message_is_said_to_be_queued(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    with uow:
        gp = uow.access.api_client("gp-system")
        assert gp is not None
        gp.callback_url = "http://127.0.0.1:9/fhir"
    referral_id = offered()
    sign_in(client, people.provider)
    page = _accept(client, referral_id)
    assert (
        "A message is queued for the practice&#39;s system." in page
        or "A message is queued for the practice's system." in page
    )
    with uow:
        assert [m.message_type for m in uow.outbox.for_referral(uow.referrals.by_public_id(referral_id).id)] == [
            "accepted"
        ]
