"""A patient is reminded of each booked session the UK day before, with its date and time in words
(never "tomorrow"), exactly once, only with consent, and not for a cancelled booking. Driven through
the portal's doors (timetable, booking, cancelling) and the scheduler's tick with the clock moved."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, time, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.clock import UK_TIME
from referral_service.domain.notifications import Channel, NotificationKind, NotificationState
from referral_service.domain.schedule import uk_date, uk_instant
from referral_service.jobs.tasks import remind_sessions
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import Notification, SessionBooking
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.notifications import (
    MOBILE_AS_NOTIFY_WRITES_IT,
    booked_into_class,
    notify_channels,
    read_notify,
    send,
)
from tests.fixtures.notify import FakeNotify
from tests.fixtures.portal import People, sign_in, submit

SERVICE = "12-week exercise referral programme (SK1-SK5)"


def _bookings(uow: UnitOfWork) -> list[tuple[int, datetime]]:
    with uow:
        return [(b.id, b.starts_at) for b in uow.session.scalars(select(SessionBooking).order_by(SessionBooking.id))]


def _day_before(starts_at: datetime, clock: time = time(10)) -> datetime:
    return uk_instant(uk_date(starts_at) - timedelta(days=1), clock)


def _reminders(uow: UnitOfWork) -> list[Notification]:
    with uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.SESSION_REMINDER).order_by(Notification.id)
        )
        return list(rows)


def _texts(notify: FakeNotify) -> list[str]:
    return [sms["personalisation"]["body"] for sms in notify.sms() if sms["template_id"] == "session-reminder"]


def test_a_booked_session_is_reminded_once_the_day_before_in_words(
    client: FlaskClient,
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    notify_server: FakeNotify,
) -> None:
    booked_into_class(client, people, referred())
    [(_, starts_at)] = _bookings(uow)
    too_early = _day_before(starts_at, time(8, 59))  # nobody is texted before 9am
    assert remind_sessions(session_factory, now=lambda: too_early).handled == []
    two_days_before = _day_before(starts_at) - timedelta(days=1)
    assert remind_sessions(session_factory, now=lambda: two_days_before).handled == []
    moment = _day_before(starts_at)
    assert len(remind_sessions(session_factory, now=lambda: moment).handled) == 2  # a text and an email
    assert remind_sessions(session_factory, now=lambda: moment + timedelta(hours=3)).handled == []  # once
    send(session_factory, notify_channels(notify_server), lambda: moment)
    [text] = _texts(notify_server)
    local = starts_at.astimezone(UK_TIME)
    when = f"Tuesday {local.day} {local:%B} at 10:00am"
    assert text == f"Reminder: {SERVICE}, {when}, Mersey Vale Leisure Centre. Reply STOP to stop texts."
    assert "tomorrow" not in text.lower() and len(text) <= 160
    [email] = [e for e in notify_server.emails() if e["template_id"] == "session-reminder"]
    assert when in email["personalisation"]["subject"] and "tomorrow" not in email["personalisation"]["body"].lower()
    assert send(session_factory, notify_channels(notify_server), lambda: moment) == (0, 0)  # never twice
    assert len(_texts(notify_server)) == 1


def test_a_cancelled_booking_is_not_reminded_and_a_waiting_reminder_is_withheld(
    client: FlaskClient,
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    notify_server: FakeNotify,
) -> None:
    base = booked_into_class(client, people, referred(), sessions=2)
    [(first, first_at), (second, second_at)] = _bookings(uow)
    moment = _day_before(first_at)
    assert len(remind_sessions(session_factory, now=lambda: moment).handled) == 2
    for booking_id in (first, second):  # the first's reminder waits to be sent; the second's is not due
        cancelled = submit(client, f"{base}/bookings", {}, action=f"{base}/bookings/{booking_id}/cancel")
        assert cancelled.status_code == 302
    send(session_factory, notify_channels(notify_server), lambda: moment)
    assert _texts(notify_server) == []
    reminders = _reminders(uow)
    assert {(n.state, n.state_reason) for n in reminders} == {(NotificationState.WITHHELD, "the booking was cancelled")}
    assert remind_sessions(session_factory, now=lambda: _day_before(second_at)).handled == []


def test_after_a_reply_stop_the_next_reminder_is_withheld_and_the_page_says_so(
    client: FlaskClient,
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    notify_server: FakeNotify,
) -> None:
    base = booked_into_class(client, people, referred(), sessions=2)
    [(_, first_at), (_, second_at)] = _bookings(uow)
    channels = notify_channels(notify_server)
    remind_sessions(session_factory, now=lambda: _day_before(first_at))
    send(session_factory, channels, lambda: _day_before(first_at))
    assert len(_texts(notify_server)) == 1
    notify_server.reply(MOBILE_AS_NOTIFY_WRITES_IT, "STOP")
    assert read_notify(session_factory, channels)[1] == 1
    remind_sessions(session_factory, now=lambda: _day_before(second_at))
    send(session_factory, channels, lambda: _day_before(second_at))
    assert len(_texts(notify_server)) == 1  # the second reminder was not sent
    latest = [n for n in _reminders(uow) if n.channel is Channel.SMS][-1]
    assert (
        latest.state is NotificationState.WITHHELD and latest.state_reason == "the patient opted out of text messages"
    )
    page = html.unescape(client.get(base).get_data(as_text=True))
    assert "Session reminder" in page and "Not sent: no permission" in page


def test_a_provider_adds_its_own_words_to_its_reminders_on_the_timetable_page(
    client: FlaskClient,
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    notify_server: FakeNotify,
) -> None:
    booked_into_class(client, people, referred())
    schedule = "/portal/services/mvl-exercise-referral/schedule"
    action = f"{schedule}/reminder-note"
    too_long = submit(client, schedule, {"note": "x" * 81}, action=action)
    assert too_long.status_code == 400 and 'href="#note">Use 80 characters or fewer' in too_long.get_data(as_text=True)
    wordy = "Please bring a towel, a bottle of water and shoes for the gym"
    assert submit(client, schedule, {"note": wordy}, action=action).status_code == 302
    page = html.unescape(client.get(schedule).get_data(as_text=True))
    assert f'value="{wordy}"' in page and "texts leave them out. Emails still carry them" in page
    assert submit(client, schedule, {"note": "  Bring a  towel. "}, action=action).status_code == 302
    page = html.unescape(client.get(schedule).get_data(as_text=True))
    assert 'value="Bring a towel."' in page and "texts leave them out" not in page
    example = "Wednesday 30 September at 12:30pm, Mersey Vale Leisure Centre. Bring a towel. Reply STOP"
    assert f"Reminder: {SERVICE}, {example}" in page
    [(_, starts_at)] = _bookings(uow)
    remind_sessions(session_factory, now=lambda: _day_before(starts_at))
    send(session_factory, notify_channels(notify_server), lambda: _day_before(starts_at))
    [text] = _texts(notify_server)
    assert text.endswith("Mersey Vale Leisure Centre. Bring a towel. Reply STOP to stop texts.")
    assert len(text) <= 160
    [email] = [e for e in notify_server.emails() if e["template_id"] == "session-reminder"]
    assert "Mersey Vale Leisure Centre. Bring a towel." in email["personalisation"]["body"]
    sign_in(client, people.other_provider)
    assert submit(client, "/portal/notifications", {"note": "Mine now"}, action=action).status_code == 404


def test_the_account_page_leads_to_the_notification_settings(client: FlaskClient, people: People) -> None:
    sign_in(client, people.link_worker)
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/portal/notifications"' in account
    page = client.get("/portal/notifications")
    assert page.status_code == 200 and "digest" in page.get_data(as_text=True)
