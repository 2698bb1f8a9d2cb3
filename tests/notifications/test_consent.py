"""Nothing reaches a patient without consent: from the referral's Consent and Patient.telecom, as
the provider records it, and withdrawn by a reply STOP or the link in an email, at once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.clock import utcnow
from referral_service.domain.notification_templates import PATIENT_TEMPLATES, render_patient
from referral_service.domain.notifications import SMS_LIMIT, Channel, NotificationState, Permission, patient_kinds
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import ContactPermission, Notification, Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.consent import opt_out_by_sms
from referral_service.services.notifications import queue_patient_message
from tests.fixtures.fhir import entries_of, gp_referral_bundle
from tests.fixtures.notifications import (
    MOBILE,
    MOBILE_AS_NOTIFY_WRITES_IT,
    notify_channels,
    read_notify,
    send,
    smtp_channels,
)
from tests.fixtures.notify import FakeNotify
from tests.fixtures.portal import People, sign_in, submit
from tests.fixtures.smtp import Mailbox

SESSION_DETAILS = {
    "when": "Tuesday 8 December at 10:00am",
    "place": "Mersey Vale Leisure Centre",
    # a self-referral's receipt: its reference and what happens next
    "reference": "AB12CD34",
    "next": "A link worker will contact you within 3 working days.",
    "next_short": "A link worker will contact you.",
}


def _permissions(uow: UnitOfWork, referral_id: str) -> dict[Channel, ContactPermission]:
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        return uow.notifications.permissions(referral.id)


def _accept(client: FlaskClient, people: People, referral_id: str) -> None:
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302


@pytest.mark.parametrize("how", ["absent", "refused", "withdrawn"])
def test_every_patient_kind_is_withheld_without_consent_and_never_sent(
    how: str,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    notify_server: FakeNotify,
) -> None:
    referral_id = referred(consent={"absent": None, "refused": False, "withdrawn": True}[how])
    if how == "withdrawn":
        with uow:
            assert opt_out_by_sms(uow, MOBILE, sent_at=utcnow(), now=utcnow()) == 1
            referral = uow.referrals.by_public_id(referral_id)
            assert referral is not None
            uow.notifications.permissions(referral.id)[Channel.EMAIL].opted_out_at = utcnow()
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert isinstance(referral, Referral)
        for kind in patient_kinds():
            queued = queue_patient_message(
                uow, referral, kind, dedupe_key=f"walk:{kind}", now=utcnow(), details=SESSION_DETAILS
            )
            assert {n.channel for n in queued} == {Channel.SMS, Channel.EMAIL}, kind
            for notification in queued:
                assert notification.state is NotificationState.WITHHELD, (kind, notification.channel)
                assert notification.state_reason and notification.recipient is None
    send(session_factory, notify_channels(notify_server))
    assert (
        notify_server.sms() == [] and [e for e in notify_server.emails() if e["template_id"] != "staff-new-offer"] == []
    )


def test_consent_withdrawn_after_queueing_is_checked_again_at_send_time(
    client: FlaskClient,
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    notify_server: FakeNotify,
) -> None:
    referral_id = referred()
    _accept(client, people, referral_id)  # the first-contact text is queued
    notify_server.reply(MOBILE_AS_NOTIFY_WRITES_IT, "Stop")
    channels = notify_channels(notify_server)
    assert read_notify(session_factory, channels) == (0, 1)  # the STOP, from Notify's received texts
    send(session_factory, channels)
    assert notify_server.sms() == []
    permission = _permissions(uow, referral_id)[Channel.SMS]
    assert permission.opted_out_at is not None and permission.opted_out_by == "a reply STOP"
    page = client.get(f"/portal/referrals/{referral_id}").get_data(as_text=True)
    assert "Opted out" in page and "a reply STOP" in page
    assert read_notify(session_factory, channels) == (0, 0)  # the same reply is not counted again


def test_the_link_in_a_patient_email_opts_out_at_once_without_signing_in(
    client: FlaskClient,
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    smtp_server: Mailbox,
) -> None:
    referral_id = referred()
    _accept(client, people, referral_id)
    send(session_factory, smtp_channels(smtp_server.url))
    [patient_mail] = [m for m in smtp_server.messages if "will call you" in m["Subject"]]
    body = patient_mail.get_payload(decode=True).decode()
    link = re.search(r"https://referrals\.example\.org(/notifications/opt-out/\S+)", body)
    assert link is not None
    client.post("/logout")
    anonymous = client.application.test_client()
    page = anonymous.get(link.group(1))
    assert page.status_code == 200 and "no more emails" in page.get_data(as_text=True)
    assert _permissions(uow, referral_id)[Channel.EMAIL].opted_out_at is not None
    assert _permissions(uow, referral_id)[Channel.SMS].opted_out_at is None  # texts are another choice
    assert anonymous.get("/notifications/opt-out/not-a-token").status_code == 404
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        [later] = [
            n
            for n in queue_patient_message(
                uow, referral, patient_kinds()[-1], dedupe_key="later", now=utcnow(), details=SESSION_DETAILS
            )
            if n.channel is Channel.EMAIL
        ]
        assert later.state is NotificationState.WITHHELD and "opted out" in (later.state_reason or "")


def _with_contact(bundle: dict[str, Any], consent_status: str | None) -> dict[str, Any]:
    for patient in entries_of(bundle, "Patient"):
        patient["telecom"] = [
            {"system": "phone", "value": MOBILE, "use": "mobile"},
            {"system": "email", "value": "pat@example.net"},
        ]
    consents = entries_of(bundle, "Consent")
    assert consents, "the BaRS example carries a Consent"
    if consent_status is None:
        bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Consent"]
    else:
        consents[0]["status"] = consent_status
    return bundle


@pytest.mark.parametrize(
    ("consent_status", "expected"),
    [("active", Permission.ALLOWED), ("rejected", Permission.REFUSED), (None, None)],
)
def test_fhir_intake_reads_the_consent_and_telecom_into_permissions(
    consent_status: str | None,
    expected: Permission | None,
    post_message: Callable[..., Any],
    uow: UnitOfWork,
) -> None:
    response = post_message(_with_contact(gp_referral_bundle(), consent_status))
    assert response.status_code == 200, json.dumps(response.get_json())[:500]
    with uow:
        rows = uow.session.scalars(select(ContactPermission)).all()
        found = {row.channel: row for row in rows}
    if expected is None:
        assert found == {}
        return
    assert {channel: row.permission for channel, row in found.items()} == {
        Channel.SMS: expected,
        Channel.EMAIL: expected,
    }
    assert found[Channel.SMS].source == "from the referral"
    assert found[Channel.SMS].address == MOBILE_AS_NOTIFY_WRITES_IT


def test_a_provider_records_permission_in_the_portal_and_the_page_says_who(
    client: FlaskClient, people: People, referred: Callable[..., str], uow: UnitOfWork
) -> None:
    referral_id = referred(consent=None)
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    saved = submit(
        client,
        base,
        {"channel": "sms", "permission": "allowed", "address": "07700 900456"},
        f"{base}/contact-permissions",
    )
    assert saved.status_code == 302
    permission = _permissions(uow, referral_id)[Channel.SMS]
    assert permission.permission is Permission.ALLOWED and permission.address == "447700900456"
    page = client.get(base).get_data(as_text=True)
    assert "Recorded by frontdesk" in page
    refused = submit(
        client, base, {"channel": "email", "permission": "allowed", "address": "nope"}, f"{base}/contact-permissions"
    )
    assert refused.status_code == 302 and Channel.EMAIL not in _permissions(uow, referral_id)
    sign_in(client, people.other_provider)
    other = submit(
        client, "/portal/notifications", {"channel": "sms", "permission": "refused"}, f"{base}/contact-permissions"
    )
    assert other.status_code == 404  # another provider's patient: as if it did not exist


def test_every_sms_template_fits_one_text_with_long_names() -> None:
    values = {
        "centre": "C" * 40,
        "service": "S" * 40,
        "opt_out_url": "",
        "when": "Wednesday 30 September at 12:30pm",
        "place": "P" * 40,
        "note": "",
        "reference": "R" * 8,  # a self-referral's receipt: its reference and what happens next
        "next": "N" * 200,
        "next_short": "N" * 80,
    }
    for (kind, channel), template in PATIENT_TEMPLATES.items():
        if channel is Channel.SMS:
            assert len(template.render(values)[1]) <= SMS_LIMIT, kind
            noted = render_patient(kind, channel, {**values, "note": " " + "N" * 79, "place": "P" * 120})[1]
            assert len(noted) <= SMS_LIMIT, kind  # a service's note and a long place still make one text
    assert {kind for kind, _ in PATIENT_TEMPLATES} == set(patient_kinds())  # every patient kind has its words


def test_withheld_messages_keep_no_address(referred: Callable[..., str], uow: UnitOfWork) -> None:
    referral_id = referred(consent=False)
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        queue_patient_message(uow, referral, patient_kinds()[0], dedupe_key="x", now=utcnow())
        rows = uow.session.scalars(select(Notification).where(Notification.referral_id == referral.id)).all()
        assert rows and all(n.recipient is None for n in rows if n.audience == "patient")
