"""Referrals whose patient can be texted and emailed, and the channels the tests send through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from referral_service.domain.clock import utcnow
from referral_service.jobs.channels import Channels
from referral_service.jobs.notifications import read_receipts, read_replies, send_notifications
from referral_service.persistence.engine import SessionFactory
from referral_service.services.intake import ReferralReceipt
from tests.factories import incoming
from tests.fixtures.notify import API_KEY, FakeNotify

MOBILE = "07700 900123"
MOBILE_AS_NOTIFY_WRITES_IT = "447700900123"
EMAIL = "sam.jones@example.net"
PUBLIC_URL = "https://referrals.example.org"
TEMPLATES = {
    "FIRST_CONTACT_SMS": "sms-first",
    "FIRST_CONTACT_EMAIL": "email-first",
    "DNA_FOLLOW_UP": "dna",
    "NEW_OFFER": "staff-new-offer",
    "STAFF_EMAIL": "staff-email",
}


def reachable(consent: bool | None = True, **changes: object) -> object:
    """A referral (eligible for the demo provider) whose patient has a mobile and an email."""
    referral = incoming(**changes)  # type: ignore[arg-type]
    patient = replace(referral.patient, phone=MOBILE, email=EMAIL)
    return replace(referral, patient=patient, contact_consent=consent)


@pytest.fixture
def referred(refer: Callable[..., ReferralReceipt]) -> Callable[..., str]:
    def make(consent: bool | None = True, **changes: object) -> str:
        return refer(reachable(consent, **changes)).referral_id

    return make


def notify_channels(notify: FakeNotify, api_key: str = API_KEY) -> Channels:
    return Channels(
        public_url=PUBLIC_URL, notify_api_key=api_key, notify_base_url=notify.url, notify_templates=TEMPLATES, timeout=5
    )


def smtp_channels(url: str) -> Channels:
    return Channels(public_url=PUBLIC_URL, smtp_url=url, mail_from="referrals@example.org", timeout=5)


def send(session_factory: SessionFactory, channels: Channels, now: Callable[..., object] = utcnow) -> tuple[int, int]:
    return send_notifications(session_factory, channels, now=now)  # type: ignore[arg-type]


def read_notify(session_factory: SessionFactory, channels: Channels) -> tuple[int, int]:
    return read_receipts(session_factory, channels, now=utcnow), read_replies(session_factory, channels, now=utcnow)
