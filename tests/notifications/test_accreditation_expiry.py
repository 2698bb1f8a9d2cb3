"""Thirty days before an accreditation ends, its provider's team and the commissioners get an email
(through the queue, to a loopback SMTP server), once; a renewal already approved means no warning;
other providers and link workers hear nothing, and the words name no patient."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from click.testing import Result
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from referral_service.domain.notifications import Channel, NotificationKind
from referral_service.jobs.scheduler import INTERVAL_SECONDS
from referral_service.jobs.tasks import warn_accreditation_expiry
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import AccreditationEvidence, Notification
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.notifications import send, smtp_channels
from tests.fixtures.portal import People, csrf_token, sign_in, submit
from tests.fixtures.smtp import Mailbox

ENDS = date(2027, 3, 31)  # Mersey Vale Leisure's accreditation in the demo directory
SUBJECT = "Mersey Vale Leisure Trust: accreditation ends on 31 March 2027"


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _warned(uow: UnitOfWork) -> list[Notification]:
    with uow:
        return list(
            uow.session.scalars(
                select(Notification)
                .where(
                    Notification.kind == NotificationKind.ACCREDITATION_EXPIRY, Notification.channel == Channel.EMAIL
                )
                .order_by(Notification.id)
            )
        )


def test_the_provider_and_the_commissioners_are_emailed_thirty_days_before_once(
    people: People, uow: UnitOfWork, session_factory: SessionFactory, smtp_server: Mailbox
) -> None:
    warn_accreditation_expiry(session_factory, now=lambda: _at(date(2027, 2, 28)))  # 31 days before: not yet
    assert not [n for n in _warned(uow) if SUBJECT in (n.subject or "")]
    warn_accreditation_expiry(session_factory, now=lambda: _at(date(2027, 3, 1)))  # 30 days before
    warn_accreditation_expiry(session_factory, now=lambda: _at(date(2027, 3, 2)))  # the next day: nothing again
    mersey = [n for n in _warned(uow) if n.subject == SUBJECT]
    assert sorted(n.recipient or "" for n in mersey) == sorted([people.provider, people.commissioner])

    send(session_factory, smtp_channels(smtp_server.url), lambda: _at(date(2027, 3, 1)))
    emails = [m for m in smtp_server.messages if " ".join(str(m["Subject"]).split()) == SUBJECT]
    assert sorted(str(m["To"]) for m in emails) == sorted([people.provider, people.commissioner])
    bodies = {str(m["To"]): m.get_payload(decode=True).decode() for m in emails}
    body = bodies[people.provider]
    assert "ends on 31 March 2027" in body and body.rstrip().endswith("/portal/accreditation")  # where to upload
    assert bodies[people.commissioner].rstrip().endswith("/portal/accreditations")  # where to review
    assert "2027-03-31" not in body
    told = {str(m["To"]) for m in smtp_server.messages}
    assert people.other_provider not in told and people.link_worker not in told


def test_an_approved_renewal_means_no_warning(
    client: FlaskClient, people: People, uow: UnitOfWork, session_factory: SessionFactory
) -> None:
    sign_in(client, people.provider)
    page = client.get("/portal/accreditation").get_data(as_text=True)
    document = FileStorage(io.BytesIO(b"%PDF-1.7\n%%EOF\n"), filename="renewal.pdf", content_type="application/pdf")
    boundary, body = encode_multipart({"csrf_token": csrf_token(page), "scheme": "Renewal", "document": document})
    client.post("/portal/accreditation", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    with uow:
        evidence = uow.session.scalars(select(AccreditationEvidence)).one().public_id
    sign_in(client, people.commissioner)
    fields = {"scheme": "Exercise referral quality standard (local)", "level": "3"}
    for name, day in (("valid_from", date(2027, 4, 1)), ("valid_until", date(2030, 3, 31))):
        fields |= {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}
    url = f"/portal/accreditations/{evidence}"
    assert submit(client, url, fields, action=f"{url}/approve").status_code == 302
    warn_accreditation_expiry(session_factory, now=lambda: _at(date(2027, 3, 1)))
    assert not [n for n in _warned(uow) if n.subject == SUBJECT]


def test_the_tick_is_scheduled_and_in_run_once(runner: FlaskCliRunner, people: People) -> None:
    assert INTERVAL_SECONDS["warn-accreditation-expiry"] == 3600
    result: Result = runner.invoke(args=["jobs", "run-once"])
    assert re.search(r"^warn-accreditation-expiry: \d+ handled, 0 failed$", result.output, re.M), result.output
