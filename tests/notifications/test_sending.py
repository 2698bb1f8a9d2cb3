"""Notifications leave through the real Notify client (against a loopback Notify that checks the
contract) and real SMTP (aiosmtpd on loopback), once per event, backing off and parking on failure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.clock import utcnow
from referral_service.domain.notifications import MAX_ATTEMPTS, Channel, NotificationKind, NotificationState
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import Notification
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.notification_delivery import claim_notification
from referral_service.services.notifications import queue_staff_email
from tests.fixtures.notifications import (
    EMAIL,
    MOBILE_AS_NOTIFY_WRITES_IT,
    PUBLIC_URL,
    notify_channels,
    read_notify,
    send,
    smtp_channels,
)
from tests.fixtures.notify import SERVICE_ID, FakeNotify
from tests.fixtures.portal import People, sign_in, submit
from tests.fixtures.smtp import Mailbox


def _patient_messages(uow: UnitOfWork, referral_id: str) -> list[Notification]:
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        return list(uow.notifications.for_referral(referral.id))


def _accept(client: FlaskClient, people: People, referral_id: str) -> None:
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302


def test_accepting_in_the_portal_texts_and_emails_the_patient_through_notify_once(
    client: FlaskClient,
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    notify_server: FakeNotify,
) -> None:
    referral_id = referred()
    assert _patient_messages(uow, referral_id) == []  # nothing before the provider accepts
    _accept(client, people, referral_id)
    queued = _patient_messages(uow, referral_id)
    assert {(n.kind, n.channel, n.state) for n in queued} == {
        (NotificationKind.FIRST_CONTACT, Channel.SMS, NotificationState.QUEUED),
        (NotificationKind.FIRST_CONTACT, Channel.EMAIL, NotificationState.QUEUED),
    }

    channels = notify_channels(notify_server)
    assert send(session_factory, channels) == (3, 0)  # the patient's two, and the team's offer email
    assert send(session_factory, channels) == (0, 0)  # never twice
    assert notify_server.refused == []  # the JWT, paths and bodies met the contract
    [sms] = notify_server.sms()
    assert sms["phone_number"] == MOBILE_AS_NOTIFY_WRITES_IT and sms["template_id"] == "sms-first"
    assert "will call you about" in sms["personalisation"]["body"]
    assert "Reply STOP" in sms["personalisation"]["body"]
    [email] = [e for e in notify_server.emails() if e["template_id"] == "email-first"]
    assert email["email_address"] == EMAIL
    assert f"{PUBLIC_URL}/notifications/opt-out/" in email["personalisation"]["body"]
    assert {sms["reference"], email["reference"]} == {n.public_id for n in queued}

    notify_server.statuses[sms["id"]] = "delivered"
    notify_server.statuses[email["id"]] = "permanent-failure"
    assert read_notify(session_factory, channels) == (2, 0)
    states = {n.channel: n for n in _patient_messages(uow, referral_id)}
    assert states[Channel.SMS].state is NotificationState.DELIVERED
    assert states[Channel.EMAIL].state is NotificationState.FAILED
    page = client.get(f"/portal/referrals/{referral_id}").get_data(as_text=True)
    assert "Delivered" in page and "Not delivered: Notify could not deliver it" in page
    assert MOBILE_AS_NOTIFY_WRITES_IT not in page


def test_notify_refuses_a_token_signed_with_another_key_and_the_message_is_parked(
    referred: Callable[..., str], uow: UnitOfWork, session_factory: SessionFactory, notify_server: FakeNotify
) -> None:
    with uow:
        queue_staff_email(
            uow, to_address="team@example.org", subject="Hello", body="Words", dedupe_key="t:1", now=utcnow()
        )
    wrong = f"test-{SERVICE_ID}-00000000-0000-0000-0000-000000000000"
    assert send(session_factory, notify_channels(notify_server, wrong), lambda: utcnow()) == (0, 1)
    assert notify_server.refused and notify_server.sent == []
    with uow:
        [parked] = uow.session.scalars(select(Notification)).all()
        assert parked.state is NotificationState.PARKED
        assert "Notify answered 403" in (parked.state_reason or "")


def test_failures_back_off_and_park_after_the_last_attempt_and_a_400_parks_at_once(
    uow: UnitOfWork, session_factory: SessionFactory, notify_server: FakeNotify
) -> None:
    now = utcnow()
    with uow:
        for key in ("a", "b"):
            queue_staff_email(uow, to_address=f"{key}@example.org", subject="S", body="B", dedupe_key=key, now=now)
    channels = notify_channels(notify_server)
    notify_server.script = [429, 400]
    assert send(session_factory, channels, lambda: now) == (0, 1)  # a: 429, retried later; b: 400, parked
    with uow:
        rows = {n.recipient: n for n in uow.session.scalars(select(Notification))}
        assert rows["b@example.org"].state is NotificationState.PARKED
        retrying = rows["a@example.org"]
        assert retrying.state is NotificationState.QUEUED and retrying.next_attempt_at == now + timedelta(minutes=1)
        assert "429" in (retrying.last_error or "")
    assert send(session_factory, channels, lambda: now) == (0, 0)  # not due yet
    moment = now
    notify_server.script = [500] * MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS - 1):
        moment += timedelta(hours=7)
        send(session_factory, channels, lambda at=moment: at)
    with uow:
        parked = uow.session.scalars(select(Notification).where(Notification.recipient == "a@example.org")).one()
        assert parked.state is NotificationState.PARKED and parked.attempts == MAX_ATTEMPTS
        assert f"after {MAX_ATTEMPTS} attempts" in (parked.state_reason or "")
    assert notify_server.sent == []


def test_two_senders_cannot_claim_one_notification(uow: UnitOfWork, session_factory: SessionFactory) -> None:
    now = utcnow()
    with uow:
        queued = queue_staff_email(uow, to_address="x@example.org", subject="S", body="B", dedupe_key="k", now=now)
        assert queued is not None
        notification_id = queued.id
    with uow:
        first = claim_notification(uow, notification_id, now, claim=timedelta(minutes=2))
    with uow:
        second = claim_notification(uow, notification_id, now, claim=timedelta(minutes=2))
    assert first is not None and second is None
    with uow:  # the same dedupe key never queues a second one
        assert (
            queue_staff_email(uow, to_address="x@example.org", subject="S", body="B", dedupe_key="k", now=now) is None
        )


def test_a_new_offer_emails_the_providers_team_by_smtp_with_no_patient_data(
    people: People, referred: Callable[..., str], session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    referral_id = referred()
    sent, parked = send(session_factory, smtp_channels(smtp_server.url))
    assert (sent, parked) == (1, 0)  # the team's one member; nothing to the patient before acceptance
    [mail] = smtp_server.messages
    assert mail["To"] == people.provider
    text = mail["Subject"] + mail.get_payload(decode=True).decode()
    assert referral_id[:8].upper() in mail["Subject"]
    assert f"{PUBLIC_URL}/portal/referrals/{referral_id}" in text
    for patient_value in ("Sam", "Jones", "SK4", "07700", EMAIL, "9434765919"):
        assert patient_value not in text


def test_no_channel_configured_records_and_shows_them(
    client: FlaskClient, people: People, referred: Callable[..., str], uow: UnitOfWork, session_factory: SessionFactory
) -> None:
    from referral_service.jobs.channels import Channels

    referral_id = referred()
    _accept(client, people, referral_id)
    assert send(session_factory, Channels()) == (3, 0)  # the team's offer email and the patient's two
    assert {n.state for n in _patient_messages(uow, referral_id)} == {NotificationState.RECORDED}
    assert "Recorded (no channel set up)" in client.get(f"/portal/referrals/{referral_id}").get_data(as_text=True)
