"""Issue 16's browser test, in Chromium: a provider schedules a class and books a patient whose
referral carried SMS consent and a mobile number; the day before (the scheduler's clock moved),
the reminder is queued and sent to the loopback Notify; the patient replies STOP and the next
reminder is withheld, as the referral page shows; an offer left unanswered brings the provider's
reminder email (to a loopback SMTP server) before it expires."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from referral_service.domain.clock import UK_TIME, utcnow
from referral_service.domain.schedule import uk_date, uk_instant
from referral_service.jobs.notifications import read_replies
from referral_service.jobs.tasks import remind_offer_deadlines, remind_sessions
from referral_service.persistence.engine import SessionFactory, make_engine, make_session_factory
from referral_service.persistence.models import Offer, SessionBooking
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.callers import active_client
from referral_service.services.demo import DEMO_CLIENT_ID
from referral_service.services.intake import receive_referral
from tests.factories import incoming
from tests.fixtures.browser import LivePortal, login
from tests.fixtures.notifications import MOBILE, MOBILE_AS_NOTIFY_WRITES_IT, notify_channels, send, smtp_channels
from tests.fixtures.notify import FakeNotify
from tests.fixtures.smtp import Mailbox

pytestmark = pytest.mark.browser
PROVIDER = ("provider@example.org", "demo-provider-password")
PATIENT = ("Rosa", "Quinn")


@pytest.fixture
def live_jobs(live_portal: LivePortal) -> Iterator[SessionFactory]:
    """The scheduler's side of the served portal: its database, for the ticks run with a moved clock."""
    engine = make_engine(live_portal.database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _referred_with_sms_consent(session_factory: SessionFactory) -> str:
    """A referral from the demo GP system carrying a mobile number and the patient's consent."""
    referral = incoming()
    patient = replace(referral.patient, given_name=PATIENT[0], family_name=PATIENT[1], phone=MOBILE)
    with UnitOfWork(session_factory) as uow:
        gp = active_client(uow, DEMO_CLIENT_ID)
        receipt = receive_referral(
            uow, replace(referral, patient=patient, contact_consent=True), actor=gp, now=utcnow()
        )
    return receipt.referral_id


def _bookings(session_factory: SessionFactory, referral_id: str) -> list[datetime]:
    with UnitOfWork(session_factory) as uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        rows = uow.session.scalars(
            select(SessionBooking).where(SessionBooking.referral_id == referral.id).order_by(SessionBooking.starts_at)
        )
        return [row.starts_at for row in rows]


def _day_before(starts_at: datetime) -> datetime:
    return uk_instant(uk_date(starts_at) - timedelta(days=1), time(10))


def _reminder_texts(notify: FakeNotify) -> list[str]:
    return [s["personalisation"]["body"] for s in notify.sms() if s["template_id"] == "session-reminder"]


def test_a_booked_patient_is_reminded_the_day_before_and_stop_withholds_the_next(
    page: Page, live_jobs: SessionFactory, notify_server: FakeNotify
) -> None:
    referral_id = _referred_with_sms_consent(live_jobs)
    login(page, *PROVIDER)
    page.goto(f"/portal/referrals/{referral_id}")
    expect(page.get_by_text(" ".join(PATIENT)).first).to_be_visible()
    service = page.locator(".nhsuk-summary-list__row", has_text="Service").locator("dd").inner_text()
    page.get_by_role("button", name="Accept referral").click()
    expect(page.get_by_text("Referral accepted")).to_be_visible()

    page.goto("/portal/capacity")
    page.get_by_role("link", name=f"Timetable: classes and start dates for {service}").click()
    page.get_by_label("Name of the class").fill("Chair-based exercise")
    page.get_by_label("Wednesday").check()
    page.get_by_label("Time the class starts").fill("10:00")
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_label("Where it is held").fill("Mersey Vale Leisure Centre")
    page.get_by_label("Places in each class").fill("10")
    page.get_by_role("button", name="Add class").click()
    expect(page.get_by_text("Class added to the timetable")).to_be_visible()

    for _ in range(2):  # this week's and next week's class
        page.goto(f"/portal/referrals/{referral_id}/bookings")
        page.get_by_role("radio", name=re.compile(r"\(Chair-based exercise\)$")).first.check()
        page.get_by_role("button", name="Book session").click()
        expect(page.get_by_text("Session booked")).to_be_visible()
    first, second = _bookings(live_jobs, referral_id)

    channels = notify_channels(notify_server)
    moment = _day_before(first)  # the scheduler's clock moves to 10am the day before the first
    assert remind_sessions(live_jobs, now=lambda: _day_before(first) - timedelta(days=1)).handled == []
    assert remind_sessions(live_jobs, now=lambda: moment).handled  # queued
    send(live_jobs, channels, lambda: moment)
    local = first.astimezone(UK_TIME)
    [text] = _reminder_texts(notify_server)
    assert f"Wednesday {local.day} {local:%B} at 10:00am, Mersey Vale Leisure Centre." in text
    assert "tomorrow" not in text.lower()
    assert [s["phone_number"] for s in notify_server.sms() if s["template_id"] == "session-reminder"] == [
        MOBILE_AS_NOTIFY_WRITES_IT
    ]
    page.goto(f"/portal/referrals/{referral_id}")
    messages = page.locator("table[aria-describedby=patient-messages]")
    expect(messages.get_by_role("row", name=re.compile("Session reminder Text message .* Sent"))).to_have_count(1)

    notify_server.reply(MOBILE_AS_NOTIFY_WRITES_IT, "STOP")  # the patient answers the text
    assert read_replies(live_jobs, channels, now=lambda: moment + timedelta(hours=1)) == 1
    later = _day_before(second)
    remind_sessions(live_jobs, now=lambda: later)
    send(live_jobs, channels, lambda: later)
    assert len(_reminder_texts(notify_server)) == 1  # the next reminder was not sent
    page.reload()
    expect(page.get_by_text(re.compile("Opted out"))).to_be_visible()
    withheld = messages.get_by_role(
        "row", name=re.compile("Session reminder Text message .* Not sent: no permission: the patient opted out")
    )
    expect(withheld).to_have_count(1)


def test_an_unanswered_offer_brings_the_providers_reminder_email_before_it_expires(
    page: Page, live_jobs: SessionFactory, smtp_server: Mailbox
) -> None:
    referral_id = _referred_with_sms_consent(live_jobs)
    with UnitOfWork(live_jobs) as uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        deadline = uow.session.scalars(select(Offer).where(Offer.referral_id == referral.id)).one().respond_by
    login(page, *PROVIDER)
    page.goto(f"/portal/referrals/{referral_id}")
    expect(page.get_by_role("button", name="Accept referral")).to_be_visible()  # offered, and left unanswered
    moment = deadline - timedelta(days=1)
    while moment.weekday() >= 5:
        moment -= timedelta(days=1)
    assert remind_offer_deadlines(live_jobs, now=lambda: moment).handled
    send(live_jobs, smtp_channels(smtp_server.url), lambda: moment)
    reference = referral_id[:8].upper()
    subjects = [" ".join(str(m["Subject"]).split()) for m in smtp_server.messages]
    reminders = [
        m
        for m, s in zip(smtp_server.messages, subjects, strict=True)
        if s.startswith(f"Reminder: referral {reference}")
    ]
    assert len(reminders) == 1 and reminders[0]["To"] == PROVIDER[0], subjects
    body = reminders[0].get_payload(decode=True).decode()
    assert f"/portal/referrals/{referral_id}" in body and PATIENT[1] not in body  # a link, never the patient
    assert moment < deadline  # before it expires
    page.goto("/portal/notifications")
    expect(page.get_by_text(f"Reminder: referral {reference} needs an answer by").first).to_be_visible()
