"""Placing by hand is safe: the link worker sees each service's result for this patient, with its
room and area; a lapsed service and a clinical exclusion cannot be chosen (the service refuses them,
not just the page); any other rule can be overridden, and the provider and the referrer see why."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt
from tests.factories import incoming
from tests.fixtures.portal import People, sign_in, submit
from tests.fixtures.referrals import task_of

Refer = Callable[..., ReferralReceipt]
LAPSED = "hghc-exercise-referral"  # Hazel Grove Health Club: accreditation lapsed in 2025
EXERCISE = "mvl-exercise-referral"  # Mersey Vale Leisure: excludes resting BP 180/100 or above


def _visible(html: str) -> str:
    body = html[html.index("<main") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_the_choice_shows_each_services_result_room_and_area_in_plain_words(
    client: FlaskClient, people: People, refer: Refer
) -> None:
    referral_id = refer(incoming(bp=(185, 115))).referral_id
    sign_in(client, people.link_worker)
    page = client.get(f"/portal/link-worker/{referral_id}/place").get_data(as_text=True)
    text = _visible(page)
    assert "12-week exercise referral programme (SK1-SK5) — Mersey Vale Leisure Trust" in text
    assert "Clinical exclusion: goes back to the referrer. Exclusion applies: Resting BP 180/100 or above" in text
    assert "12-week exercise referral programme (Hazel Grove) — Hazel Grove Health Club Ltd Cannot be chosen." in text
    assert "accreditation is not valid today" in text
    assert "Face-to-face befriending — Good Neighbours Stockport Rules not met." in text
    assert "a place free now" in text and "Area: SK1, SK2, SK3, SK4, SK5 (the patient lives here)" in text
    for slug in (LAPSED, EXERCISE):  # neither is offered as a choice
        assert f'value="{slug}"' not in page
    assert 'value="gn-befriending"' in page
    assert not re.search(r"\d{4}-\d{2}-\d{2}|blood_pressure|mvl-|hghc-|snomed", text)


def test_a_service_whose_accreditation_lapsed_is_refused(
    client: FlaskClient, people: People, refer: Refer, uow: UnitOfWork
) -> None:
    referral_id = refer(incoming(bp=None, postcode="SK7 1AA")).referral_id
    sign_in(client, people.link_worker)
    response = submit(
        client,
        f"/portal/link-worker/{referral_id}/place",
        {"service": LAPSED, "override_reason": "Nearest to home"},
    )
    assert response.status_code == 409
    assert "accreditation is not valid today" in response.get_data(as_text=True)
    assert task_of(uow, referral_id)["business"] == "link-worker"


def test_a_clinical_exclusion_cannot_be_overridden_it_goes_back_to_the_referrer(
    client: FlaskClient, people: People, refer: Refer, uow: UnitOfWork
) -> None:
    sign_in(client, people.link_worker)
    for postcode in ("SK4 1AA", "SK6 1AA"):  # in the area, and outside it (the exclusion is found all the same)
        referral_id = refer(incoming(bp=(185, 115), postcode=postcode)).referral_id
        response = submit(
            client,
            f"/portal/link-worker/{referral_id}/place",
            {"service": EXERCISE, "override_reason": "GP says the BP is fine"},
        )
        assert response.status_code == 409
        text = _visible(response.get_data(as_text=True))
        assert "Resting BP 180/100 or above: back to GP before exercise" in text
        assert "A clinical exclusion cannot be overridden: it goes back to the referrer." in text
        task = task_of(uow, referral_id)
        assert (task["business"], task["service"]) == ("link-worker", None)


def test_an_allowed_override_is_placed_and_the_provider_and_referrer_see_why(
    client: FlaskClient, people: People, refer: Refer, uow: UnitOfWork
) -> None:
    # BP not sent and living in SK6, outside Mersey Vale's area: rules not known and not met, not clinical.
    referral_id = refer(incoming(bp=None, postcode="SK6 1AA")).referral_id
    sign_in(client, people.link_worker)
    why = "BP 132/84 taken at the surgery today; works near Riverside Pools"
    response = submit(client, f"/portal/link-worker/{referral_id}/place", {"service": EXERCISE, "override_reason": why})
    assert response.status_code == 302
    task = task_of(uow, referral_id)
    assert (task["business"], task["service"]) == ("offered", EXERCISE)
    for told in (task["reason"], task["event_reasons"][-1]):  # the Task's statusReason, and the history
        assert why in told and "outside its area" in told and "blood pressure" in told

    client.post("/logout")
    sign_in(client, people.provider)
    page = _visible(client.get(f"/portal/referrals/{referral_id}").get_data(as_text=True))
    assert "Placed by a link worker, overriding: " in page and why in page
    submit(client, f"/portal/referrals/{referral_id}", {}, action=f"/portal/referrals/{referral_id}/accept")
    assert why in (task_of(uow, referral_id)["reason"] or "")  # the accepted Task still says why

    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "gp-system", "client_secret": "s" * 12}
    ).get_json()["access_token"]
    bundle = client.get(
        f"/fhir/Task?focus=ServiceRequest/{referral_id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert why in bundle["entry"][0]["resource"]["statusReason"]["text"]  # what the referrer's system reads


def test_a_delisted_service_is_refused_by_the_service_not_only_hidden(
    client: FlaskClient, people: People, refer: Refer, uow: UnitOfWork
) -> None:
    referral_id = refer(incoming(bp=None)).referral_id
    sign_in(client, people.link_worker)
    page = client.get(f"/portal/link-worker/{referral_id}/place")
    with uow:
        service = uow.directory.service_by_slug(EXERCISE)
        assert service is not None
        service.is_listed = False  # taken out of the directory while the page was open
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    response = client.post(
        f"/portal/link-worker/{referral_id}/place",
        data={"csrf_token": token.group(1), "service": EXERCISE, "override_reason": "BP 132/84 today"},
    )
    assert response.status_code == 409
    assert "no longer listed in the directory" in response.get_data(as_text=True)
    assert task_of(uow, referral_id)["business"] == "link-worker"
