"""Staff hear of what waits for them: a new offer, its deadline one working day ahead (exactly
once), the link-worker queue, a missed session's follow-up to the patient; the portal list and the
digest; and administrators see the queue's health."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.clock import utcnow
from referral_service.domain.notifications import Channel, NotificationKind, NotificationState
from referral_service.jobs.tasks import remind_offer_deadlines, send_digests
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import Notification, Offer
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.notifications import queue_staff_email
from tests.fixtures.notifications import send, smtp_channels
from tests.fixtures.portal import People, sign_in, submit
from tests.fixtures.smtp import Mailbox


def _kinds(uow: UnitOfWork, channel: Channel = Channel.EMAIL) -> list[NotificationKind]:
    with uow:
        return [
            n.kind
            for n in uow.session.scalars(
                select(Notification).where(Notification.channel == channel).order_by(Notification.id)
            )
        ]


def test_an_unanswered_offer_reminds_the_team_once_a_working_day_before_it_expires(
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    smtp_server: Mailbox,
) -> None:
    referred()  # offered on Thursday 26 November at 10am
    with uow:
        offer = uow.session.scalars(select(Offer)).one()
        deadline = offer.respond_by
    assert deadline.weekday() == 3  # five working days: Thursday 3 December
    before = deadline - timedelta(days=1, minutes=1)  # Wednesday, just before the reminder is due
    assert remind_offer_deadlines(session_factory, now=lambda: before).handled == []
    due = deadline - timedelta(days=1)
    assert len(remind_offer_deadlines(session_factory, now=lambda: due).handled) == 1
    assert remind_offer_deadlines(session_factory, now=lambda: due + timedelta(hours=2)).handled == []  # once
    send(session_factory, smtp_channels(smtp_server.url), lambda: due)
    subjects = [" ".join(str(m["Subject"]).split()) for m in smtp_server.messages]
    assert any(s.startswith("Reminder: referral") and "3 December 2026 at 10am" in s for s in subjects), subjects
    assert deadline > due  # the reminder went before the offer expired


def test_a_referral_no_service_can_take_tells_the_link_workers(
    people: People, referred: Callable[..., str], uow: UnitOfWork
) -> None:
    referred(postcode="ZZ9 9ZZ")  # nowhere in any catchment: to the link-worker queue
    assert NotificationKind.NEW_QUEUE_ITEM in _kinds(uow)
    with uow:
        told = uow.session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.NEW_QUEUE_ITEM)
        ).all()
        assert {n.recipient for n in told if n.channel is Channel.EMAIL} == {people.link_worker}


def test_a_missed_session_queues_the_patients_follow_up(
    client: FlaskClient, people: People, referred: Callable[..., str], uow: UnitOfWork
) -> None:
    referral_id = referred()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    submit(client, base, {}, action=f"{base}/accept")
    day = (utcnow() - timedelta(days=1)).date().isoformat()
    assert submit(client, f"{base}/sessions", {"session_on": day, "status": "dna"}).status_code == 302
    with uow:
        follow_ups = uow.session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.DNA_FOLLOW_UP)
        ).all()
        assert {n.channel for n in follow_ups} == {Channel.SMS, Channel.EMAIL}
        assert all(n.state is NotificationState.QUEUED for n in follow_ups)


def test_the_portal_list_marks_read_and_the_digest_replaces_immediate_emails(
    client: FlaskClient, people: People, referred: Callable[..., str], uow: UnitOfWork, session_factory: SessionFactory
) -> None:
    sign_in(client, people.provider)
    assert (
        submit(client, "/portal/notifications", {"delivery": "digest"}, "/portal/notifications/delivery").status_code
        == 302
    )
    referral_id = referred()
    assert NotificationKind.NEW_OFFER not in _kinds(uow)  # no email at once: the digest will carry it
    page = client.get("/portal/notifications").get_data(as_text=True)
    assert "1 unread." in page and referral_id[:8].upper() in page
    assert "Sam" not in page  # no patient data in notifications
    morning = utcnow().replace(hour=8)
    assert len(send_digests(session_factory, now=lambda: morning).handled) == 1
    assert send_digests(session_factory, now=lambda: morning + timedelta(hours=1)).handled == []  # once a day
    assert _kinds(uow) == [NotificationKind.DAILY_DIGEST]
    assert submit(client, "/portal/notifications", {}, "/portal/notifications/read").status_code == 302
    assert "0 unread." in client.get("/portal/notifications").get_data(as_text=True)


def test_integration_health_shows_counts_and_parked_reasons(
    client: FlaskClient, people: People, uow: UnitOfWork, session_factory: SessionFactory
) -> None:
    with uow:
        queue_staff_email(uow, to_address="a@example.org", subject="S", body="B", dedupe_key="h1", now=utcnow())
        queue_staff_email(uow, to_address="", subject="S", body="B", dedupe_key="h2", now=utcnow())
    send(session_factory, smtp_channels("smtp://127.0.0.1:9"))  # nobody listens: retried; no address: parked
    sign_in(client, people.admin)
    page = client.get("/portal/admin").get_data(as_text=True)
    assert "Notifications to staff and patients" in page
    assert "Waiting to be sent" in page and "Stopped: needs a person" in page
    assert "there is no address to send it to" in page


def test_deadlines_in_emails_read_in_uk_time() -> None:
    from datetime import UTC, datetime

    from referral_service.services.notifications import uk_date_time

    assert uk_date_time(datetime(2027, 6, 3, 16, 0, tzinfo=UTC)) == "3 June 2027 at 5pm"  # British Summer Time
    assert uk_date_time(datetime(2026, 12, 3, 10, 30, tzinfo=UTC)) == "3 December 2026 at 10:30am"
