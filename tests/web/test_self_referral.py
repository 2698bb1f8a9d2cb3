"""The public self-referral form through HTTP, as a person's browser posts it: the same triage as a GP
referral, consent per channel, the readiness questions, the GP-told choice, and the bot checks
(honeypot, too fast, rate limit) that refuse without storing anything or losing what was typed."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import BusinessStatus
from referral_service.domain.notifications import Channel, NotificationKind, Permission
from referral_service.domain.referral import ReferralSource
from referral_service.domain.self_referral import PAR_Q_PLUS
from referral_service.persistence.models import ContactPermission, Notification, Offer, OutboxMessage, Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import ensure_referrer
from referral_service.services.self_referral import SUBMITS_PER_HOUR
from tests.fixtures.fhir import headers
from tests.fixtures.portal import People, csrf_token, sign_in

PRACTICE = "P84001"
STARTED = re.compile(r'name="started" type="hidden" value="([^"]+)"')
ALL_NO = {f"parq_{q.key}": "no" for q in PAR_Q_PLUS}


@pytest.fixture
def practice(uow: UnitOfWork, directory: None) -> str:
    with uow:
        ensure_referrer(uow, PRACTICE, "Heaton Moor Medical Centre")
    return PRACTICE


@pytest.fixture
def patient_pace(app: Flask) -> None:
    """Most tests are not about the stopwatch: no wait before a submit counts as a person's."""
    app.config["SELF_REFERRAL_MIN_SECONDS"] = 0


def answers(**changes: str) -> dict[str, str]:
    base = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "birth_date-day": "14",
        "birth_date-month": "6",
        "birth_date-year": "1970",
        "postcode": "SK1 3TA",
        "email": "jo@example.org",
        "email_consent": "yes",
        "mobile": "07700 900982",
        "sms_consent": "no",
        "practice": PRACTICE,
        "tell_gp": "yes",
        "service": "tmw-health-walks",
        "height_cm": "170",
        "weight_kg": "70",
        "systolic": "125",
        "diastolic": "80",
        **ALL_NO,
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value != "<absent>"}


def send(client: FlaskClient, data: dict[str, str]) -> TestResponse:
    page = client.get("/self-referral").get_data(as_text=True)
    started = STARTED.search(page)
    assert started, "the form carries the time it was shown"
    return client.post("/self-referral", data={"csrf_token": csrf_token(page), "started": started.group(1), **data})


def self_referrals(uow: UnitOfWork) -> list[Referral]:
    with uow:
        return list(uow.session.scalars(select(Referral).where(Referral.source == ReferralSource.SELF)).unique())


def test_the_form_offers_only_services_taking_self_referral(client: FlaskClient, practice: str) -> None:
    page = client.get("/self-referral")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Led health walks (drop-in groups)" in html and "Face-to-face befriending" in html
    assert "Heaton Moor Medical Centre" in html
    assert "Cardiac rehabilitation" not in html  # Stockport Heart Health takes GP referrals only
    assert 'value="shh-' not in html


def test_a_self_referral_is_triaged_like_any_other_and_offered_a_place(
    client: FlaskClient, practice: str, patient_pace: None, uow: UnitOfWork
) -> None:
    response = send(client, answers())
    assert response.status_code == 302, response.get_data(as_text=True)
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Referral sent" in done and "You are offered a place at Led health walks" in done
    assert "will let them know about" in done  # they asked that their GP practice be told: whoever helps does so
    [referral] = self_referrals(uow)
    with uow:
        referral = uow.session.merge(referral)
        assert referral.task.business_status == BusinessStatus.OFFERED
        assert referral.public_id[:8].upper() in done
        assert referral.api_client_id is None
        assert referral.patient_details.family_name == "Bloggs"
        assert referral.evidence["self_referral"] == {
            "readiness": {q.key: False for q in PAR_Q_PLUS},
            "tell_gp": True,
            "chose": "tmw-health-walks",
        }
        permissions = {
            p.channel: p.permission
            for p in uow.session.scalars(select(ContactPermission).where(ContactPermission.referral_id == referral.id))
        }
        assert permissions == {Channel.EMAIL: Permission.ALLOWED, Channel.SMS: Permission.REFUSED}
        receipts = uow.session.scalars(
            select(Notification).where(
                Notification.referral_id == referral.id, Notification.kind == NotificationKind.SELF_REFERRAL
            )
        ).all()
        by_channel = {n.channel: n for n in receipts}
        assert by_channel[Channel.EMAIL].recipient == "jo@example.org"
        assert "Led health walks" in by_channel[Channel.EMAIL].body
        assert by_channel[Channel.SMS].recipient is None  # no permission to text: withheld
        outbox = uow.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.referral_id == referral.id)
        )
        assert outbox == 0  # no referrer's system to tell


def test_a_par_q_yes_goes_to_the_link_worker_with_the_reason_in_words(
    client: FlaskClient, practice: str, patient_pace: None, uow: UnitOfWork, people: People
) -> None:
    response = send(client, answers(parq_chest_pain="yes", tell_gp="no"))
    assert response.status_code == 302
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A link worker will contact you within 3 working days" in done
    assert "You asked us not to tell your GP practice, so we will not." in done
    [referral] = self_referrals(uow)
    with uow:
        referral = uow.session.merge(referral)
        assert referral.task.business_status == BusinessStatus.LINK_WORKER
        assert "chest pain" in (referral.task.status_reason or "")
        assert "clearance from their GP" in (referral.task.status_reason or "")
        public_id = referral.public_id
    sign_in(client, people.link_worker)
    queue = client.get("/portal/link-worker").get_data(as_text=True)
    assert public_id in queue
    page = client.get(f"/portal/referrals/{public_id}").get_data(as_text=True)
    assert "Self-referral (registered with Heaton Moor Medical Centre)" in page
    assert "No: the person asked us not to" in page  # whether to tell the GP: their choice, shown
    assert "Ask the referrer" not in page  # there is no referrer's system to ask
    assert "The patient themselves sent the referral" in page
    ask_page = client.get(f"/portal/link-worker/{public_id}/ask").get_data(as_text=True)
    asked = client.post(
        f"/portal/link-worker/{public_id}/ask",
        data={"csrf_token": csrf_token(ask_page), "question": "What is their blood pressure?"},
    )
    assert "there is no referrer" in asked.get_data(as_text=True)  # refused: nobody's system to ask
    with uow:
        referral = uow.referrals.by_public_id(public_id)
        assert referral is not None
        assert referral.task.business_status == BusinessStatus.LINK_WORKER
        assert not [e for e in uow.referrals.events(referral) if e.event_type == EventType.INFORMATION_REQUESTED]


def test_a_self_referral_is_never_offered_a_service_that_takes_only_professionals_referrals(
    client: FlaskClient, practice: str, patient_pace: None, uow: UnitOfWork
) -> None:
    """Befriending, telephone befriending and money advice take self-referrals; the PCN's link worker
    service, on the same pathway, takes referrals from professionals only. With the first three full,
    triage must not place the person with the fourth: a link worker looks instead."""
    with uow:
        for slug in ("gn-befriending", "gn-telephone-befriending", "smha-debt-housing-advice"):
            service = uow.directory.service_by_slug(slug)
            assert service is not None
            service.waitlist_enabled = False
            for pool in uow.directory.capacity_pools(service):
                pool.places = 0
    response = send(client, answers(service="gn-befriending"))
    assert response.status_code == 302, response.get_data(as_text=True)
    [referral] = self_referrals(uow)
    with uow:
        referral = uow.session.merge(referral)
        assert referral.task.business_status == BusinessStatus.LINK_WORKER
        offered = uow.session.scalars(select(Offer).where(Offer.referral_id == referral.id)).all()
        assert offered == []
        assert "not self-referrals" in json.dumps(referral.triage)


def test_readiness_questions_are_asked_only_for_services_that_get_people_moving(
    client: FlaskClient, practice: str, patient_pace: None, uow: UnitOfWork
) -> None:
    unanswered = dict.fromkeys(ALL_NO, "<absent>")
    refused = send(client, answers(**unanswered))
    assert refused.status_code == 400
    assert refused.get_data(as_text=True).count("Answer yes or no") >= len(PAR_Q_PLUS)
    assert self_referrals(uow) == []
    befriending = send(client, answers(service="gn-befriending", **unanswered))
    assert befriending.status_code == 302
    [referral] = self_referrals(uow)
    assert referral.evidence["self_referral"]["readiness"] == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"given_name": ""}, "Enter your first name"),
        ({"birth_date-month": "13"}, "Date of birth"),
        ({"birth_date-year": "2999"}, "Date of birth must be in the past"),
        ({"postcode": "NOT A CODE"}, "Enter a real postcode"),
        ({"email": "", "mobile": ""}, "Enter an email address or a mobile phone number"),
        ({"mobile": "0161 000 1001", "sms_consent": "yes"}, "Enter a UK mobile number"),
        ({"email_consent": "<absent>"}, "Say whether we can email you"),
        ({"nhs_number": "485 777 3456"}, "Enter your NHS number as it is written"),
        ({"practice": ""}, "Choose your GP practice"),
        ({"tell_gp": "<absent>"}, "Say whether we should tell your GP practice"),
        ({"service": "shh-cardiac-rehab-phase-4"}, "Not a valid choice"),
    ],
)
def test_a_wrong_answer_is_refused_with_everything_typed_kept(
    client: FlaskClient, practice: str, patient_pace: None, uow: UnitOfWork, changes: dict[str, str], message: str
) -> None:
    response = send(client, answers(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and message in html
    assert 'value="Bloggs"' in html  # what the person typed is still there
    assert self_referrals(uow) == []


def test_the_honeypot_refuses_and_stores_nothing(
    client: FlaskClient, practice: str, patient_pace: None, uow: UnitOfWork
) -> None:
    response = send(client, answers(website="https://spam.example"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Leave the box marked" in html and 'value="Bloggs"' in html
    assert self_referrals(uow) == []


def test_a_submit_faster_than_a_person_is_refused_then_a_person_pace_one_is_taken(
    app: Flask, client: FlaskClient, practice: str, uow: UnitOfWork
) -> None:
    app.config["SELF_REFERRAL_MIN_SECONDS"] = 1
    page = client.get("/self-referral").get_data(as_text=True)
    started = STARTED.search(page)
    assert started
    form = {"csrf_token": csrf_token(page), "started": started.group(1), **answers()}
    fast = client.post("/self-referral", data=form)
    assert fast.status_code == 400
    assert "quicker than a person" in fast.get_data(as_text=True)
    assert 'value="Jo"' in fast.get_data(as_text=True)
    assert self_referrals(uow) == []
    forged = client.post("/self-referral", data={**form, "started": "1"})
    assert forged.status_code == 400 and self_referrals(uow) == []
    time.sleep(1.1)
    assert client.post("/self-referral", data=form).status_code == 302
    assert len(self_referrals(uow)) == 1


def test_the_rate_limit_per_address(client: FlaskClient, practice: str, patient_pace: None, uow: UnitOfWork) -> None:
    for _ in range(SUBMITS_PER_HOUR):
        assert send(client, answers(service="gn-befriending")).status_code == 302
    refused = send(client, answers(service="gn-befriending", family_name="Other"))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Try again in" in refused.get_data(as_text=True) and 'value="Other"' in refused.get_data(as_text=True)
    assert len(self_referrals(uow)) == SUBMITS_PER_HOUR
    other_address = client.get("/self-referral", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    page = other_address.get_data(as_text=True)
    started = STARTED.search(page)
    assert started
    response = client.post(
        "/self-referral",
        data={"csrf_token": csrf_token(page), "started": started.group(1), **answers(service="gn-befriending")},
        environ_base={"REMOTE_ADDR": "192.0.2.9"},
    )
    assert response.status_code == 302


def test_the_confirmation_is_read_once(client: FlaskClient, practice: str, patient_pace: None) -> None:
    response = send(client, answers())
    assert client.get(response.headers["Location"]).status_code == 200
    again = client.get(response.headers["Location"])
    assert again.status_code == 302 and again.headers["Location"].endswith("/self-referral")


def test_gp_referrals_are_recorded_as_such(offered: Callable[..., str], uow: UnitOfWork) -> None:
    referral_id = offered()
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None and referral.source is ReferralSource.GP


def test_the_practice_s_gp_system_cannot_read_a_self_referral(
    client: FlaskClient, practice: str, gp_token: str, patient_pace: None, uow: UnitOfWork
) -> None:
    """The person named their practice, but its system did not send the referral: it may not reach it."""
    with uow:
        ensure_referrer(uow, "P88001", "Demo Medical Practice")
    response = send(client, answers(practice="P88001", service="gn-befriending"))
    assert response.status_code == 302
    [referral] = self_referrals(uow)
    read = client.get(f"/fhir/ServiceRequest/{referral.public_id}", headers=headers(gp_token))
    assert read.status_code == 404
    listed = client.get("/fhir/Task", headers=headers(gp_token)).get_json()
    assert referral.task.public_id not in str(listed)
