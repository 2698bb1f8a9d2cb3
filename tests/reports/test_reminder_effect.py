"""Reminder effect in the commissioner report: the DNA rate of booked sessions with a reminder sent
and without, on the page and in its CSV, small numbers suppressed as everywhere in the reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.clock import utcnow
from referral_service.domain.schedule import uk_date, uk_instant
from referral_service.jobs.tasks import remind_sessions
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import SessionBooking
from referral_service.persistence.uow import UnitOfWork
from referral_service.portal import blueprint, bookings
from referral_service.services.reports import refresh_report_data
from tests.fixtures.notifications import booked_into_class, notify_channels, send
from tests.fixtures.notify import FakeNotify
from tests.fixtures.portal import People, sign_in, submit
from tests.fixtures.referrals import NOW

NOVEMBER = "from=2026-11-01&to=2026-11-30"


def _starts(uow: UnitOfWork, base: str) -> list[tuple[int, datetime]]:
    with uow:
        referral = uow.referrals.by_public_id(base.rsplit("/", 1)[1])
        assert referral is not None
        rows = uow.session.scalars(
            select(SessionBooking).where(SessionBooking.referral_id == referral.id).order_by(SessionBooking.starts_at)
        )
        return [(b.id, b.starts_at) for b in rows]


def _register(client: FlaskClient, base: str, lines: list[tuple[int, str]]) -> None:
    for booking_id, status in lines:
        line = f"{base}/sessions/booked/{booking_id}"
        assert (
            submit(client, f"{base}/sessions", {f"booking-{booking_id}-status": status}, action=line).status_code == 302
        )


def _table(text: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in list(csv.reader(io.StringIO(text)))[1:]}


def test_dna_rate_with_and_without_a_reminder_sent(
    app: Flask,
    client: FlaskClient,
    people: People,
    referred: Callable[..., str],
    uow: UnitOfWork,
    session_factory: SessionFactory,
    notify_server: FakeNotify,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texted = booked_into_class(client, people, referred(), sessions=2)  # consent: reminders go
    unreachable = booked_into_class(client, people, referred(consent=None), sessions=3, add_class=False)
    for _, starts_at in _starts(uow, texted) + _starts(uow, unreachable):
        moment = uk_instant(uk_date(starts_at) - timedelta(days=1), time(10))
        remind_sessions(session_factory, now=lambda moment=moment: moment)
        send(session_factory, notify_channels(notify_server), lambda moment=moment: moment)
    assert len([s for s in notify_server.sms() if s["template_id"] == "session-reminder"]) == 2

    later = utcnow() + timedelta(days=60)  # the sessions have happened
    monkeypatch.setattr(bookings, "utcnow", lambda: later)
    monkeypatch.setattr(blueprint, "utcnow", lambda: later)
    [(a, _), (b, _)] = _starts(uow, texted)
    _register(client, texted, [(a, "attended"), (b, "dna")])
    [(c, _), (d, _), (e, _)] = _starts(uow, unreachable)
    _register(client, unreachable, [(c, "dna"), (d, "dna"), (e, "attended")])
    with uow:
        refresh_report_data(uow, now=NOW)

    sign_in(client, people.commissioner)
    suppressed = _table(client.get(f"/reports/reminder-effect.csv?{NOVEMBER}").get_data(as_text=True))
    assert suppressed["Reminder sent"] == ["*", "*", "*", "*"]  # 1 to 7 are never shown
    assert suppressed["No reminder sent"] == ["*", "*", "*", "*"]
    context = app.extensions["referral_service"]
    app.extensions["referral_service"] = replace(context, settings=replace(context.settings, suppress_below=1))
    table = _table(client.get(f"/reports/reminder-effect.csv?{NOVEMBER}").get_data(as_text=True))
    assert table["Reminder sent"] == ["2", "1", "1", "50.0"]
    assert table["No reminder sent"] == ["3", "1", "2", "66.7"]
    assert table["All booked sessions"] == ["5", "2", "3", "60.0"]
    page = client.get(f"/reports/uptake?{NOVEMBER}").get_data(as_text=True)
    assert "Did-not-attend rate with and without a session reminder" in page and "66.7" in page
