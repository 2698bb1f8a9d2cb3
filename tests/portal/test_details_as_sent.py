"""Each referral keeps the details its referrer sent: two practices refer one NHS number with
different names, phones, postcodes and emails, and each provider, in the portal, sees exactly
what its own referral's sender sent and nothing of the other's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest
from flask import Flask

from referral_service.domain.access import Actor, UserRole
from referral_service.domain.intake import IncomingReferral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt, receive_referral
from tests.factories import incoming
from tests.fixtures.portal import add_portal_user, sign_in

NHS_NUMBER = "9449306613"
WEIGHT_MANAGEMENT = "771491000000104"
WEIGHT_PROVIDER = "weights@healthy-weight.example.org"


@pytest.fixture
def second_practice(
    uow: UnitOfWork, directory: None, make_api_client: Callable[..., Actor]
) -> Callable[[IncomingReferral, datetime], ReferralReceipt]:
    """Another practice's GP system (P88002), referring through the same intake."""
    actor = make_api_client("second-practice", practices=("P88002",), name="Second practice's GP system")

    def send(referral: IncomingReferral, now: datetime) -> ReferralReceipt:
        with uow:
            return receive_referral(uow, replace(referral, sender_ods="P88002"), actor=actor, now=now)

    return send


@pytest.fixture
def weight_provider(uow: UnitOfWork, people: object) -> str:
    """Someone at the weight-management provider, which holds the second practice's referral."""
    with uow:
        add_portal_user(uow, WEIGHT_PROVIDER, UserRole.PROVIDER, provider="healthy-weight-stockport")
    return WEIGHT_PROVIDER


def _as_sent(referral: IncomingReferral, **details: str | None) -> IncomingReferral:
    return replace(referral, patient=replace(referral.patient, **details))


def _page_as(app: Flask, email: str, url: str) -> str:
    """The page as this person sees it, signed in on a browser of their own."""
    client = app.test_client()
    sign_in(client, email)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_each_provider_sees_exactly_what_its_referrals_sender_sent(
    app: Flask,
    people: object,
    weight_provider: str,
    refer: Callable[..., ReferralReceipt],
    second_practice: Callable[[IncomingReferral, datetime], ReferralReceipt],
) -> None:
    from_a = _as_sent(
        incoming(nhs_number=NHS_NUMBER, postcode="SK4 1AA"),
        given_name="Alice",
        family_name="Able",
        phone="0161 111 1111",
        email="alice.able@example.org",
    )
    from_b = _as_sent(
        incoming(nhs_number=NHS_NUMBER, postcode="SK6 2AB", pathway=WEIGHT_MANAGEMENT),
        given_name="Beth",
        family_name="Baker",
        phone="0161 222 2222",
        email=None,
    )
    a = refer(from_a)
    b = second_practice(from_b, datetime.fromisoformat("2026-11-26T11:00:00+00:00"))
    assert a.patient_id == b.patient_id  # one person, linked by the NHS number
    assert (a.business_status, b.business_status) == ("offered", "offered")

    mersey = _page_as(app, "frontdesk@mersey.example.org", f"/portal/referrals/{a.referral_id}")
    assert all(text in mersey for text in ("Alice", "Able", "0161 111 1111", "alice.able@example.org", "SK4 1AA"))
    assert not any(text in mersey for text in ("Beth", "Baker", "0161 222 2222", "SK6 2AB"))

    weights = _page_as(app, weight_provider, f"/portal/referrals/{b.referral_id}")
    assert all(text in weights for text in ("Beth", "Baker", "0161 222 2222", "SK6 2AB"))
    assert not any(text in weights for text in ("Alice", "Able", "0161 111 1111", "alice.able@example.org", "SK4 1AA"))

    inbox = _page_as(app, "frontdesk@mersey.example.org", "/portal/referrals")
    assert "Alice Able" in inbox and "Beth" not in inbox
