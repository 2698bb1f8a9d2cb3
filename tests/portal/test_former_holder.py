"""A provider that declined a referral reads it still, but only what was recorded while it was with
them: once it has moved to another provider, that provider's steps, contacts and notes stay theirs."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from referral_service.domain.clock import UK_TIME, utcnow
from referral_service.services.intake import ReferralReceipt
from tests.factories import incoming
from tests.fixtures.portal import People, sign_in, submit

GOYT_EXERCISE = "gva-exercise-referral"  # Goyt Valley Active: SK6, SK7, SK8 and SK12 only
SECRET_NOTE = "Prefers the 7am swim; partner drives"


def test_a_provider_that_declined_reads_what_it_held_and_nothing_the_next_provider_recorded(
    client: FlaskClient, people: People, refer: Callable[..., ReferralReceipt]
) -> None:
    referral_id = refer(incoming(postcode="SK4 2AA")).referral_id  # offered to Mersey Vale
    base = f"/portal/referrals/{referral_id}"
    sign_in(client, people.provider)
    assert submit(client, f"{base}/decline", {"reason": "no-capacity"}).status_code == 302
    client.post("/logout")

    sign_in(client, people.link_worker)  # nobody else serves SK4: the link worker places it with Goyt
    placed = submit(
        client,
        f"/portal/link-worker/{referral_id}/place",
        {"service": GOYT_EXERCISE, "override_reason": "Lives in SK4 but works in Marple"},
    )
    assert placed.status_code == 302
    client.post("/logout")

    sign_in(client, people.other_provider)
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302
    today = utcnow().astimezone(UK_TIME).date().isoformat()
    contact = submit(
        client,
        f"{base}/contact",
        {"attempted_on": today, "method": "phone", "outcome": "reached", "note": SECRET_NOTE},
    )
    assert contact.status_code == 302
    assert SECRET_NOTE in client.get(base).get_data(as_text=True)  # the holder sees its own record
    client.post("/logout")

    sign_in(client, people.provider)
    page = client.get(base)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Sam Jones" in body and "This referral is now with Goyt Valley Active" in body
    assert "declined the offer of a place" in body  # its own step stays in the history
    assert SECRET_NOTE not in body
    assert "accepted the referral" not in body and "contacted the patient" not in body
    assert "Record a contact attempt" not in body
