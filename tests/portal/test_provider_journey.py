"""A provider's front desk works a referral from offer to completion, and the referrer hears of it."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.persistence.models import OutboxMessage, OutcomeMeasure, SessionAttendance
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.portal import People, sign_in, submit
from tests.fixtures.referrals import task_of

TODAY = "2026-11-27"  # after the referral arrived (26 November) and not in the future (the real clock)


def _with_callback(uow: UnitOfWork) -> None:
    with uow:
        client = uow.access.api_client("gp-system")
        assert client is not None
        client.callback_url = "http://127.0.0.1:9/referrer"


def test_the_inbox_shows_the_offer_with_its_triage_and_time_left(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()
    sign_in(client, people.provider)
    inbox = client.get("/portal/referrals").get_data(as_text=True)
    assert "Offers waiting for your answer" in inbox
    assert "Sam Jones" in inbox and "left" in inbox
    page = client.get(f"/portal/referrals/{referral_id}").get_data(as_text=True)
    assert "Answer this offer" in page
    assert "Why this service" in page and "Met" in page  # the rules, each with its result
    assert "Evidence:" in page
    assert "0161 000 0000" in page  # what is needed to make contact


def test_accept_contact_two_sessions_a_dna_and_completion_with_measures(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    _with_callback(uow)
    referral_id = offered()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"

    accepted = submit(client, base, {}, action=f"{base}/accept")
    assert accepted.status_code == 302
    assert task_of(uow, referral_id)["status"] == "accepted"

    contact = submit(
        client,
        f"{base}/contact",
        {"attempted_on": TODAY, "attempted_time": "10:15", "method": "phone", "outcome": "reached", "note": "booked"},
    )
    assert contact.status_code == 302
    assert task_of(uow, referral_id)["business"] == "5.1.1"

    measures = {
        "timepoint": "start",
        "measured_on": TODAY,
        "ons4_life_satisfaction": "5",
        "ons4_worthwhile": "6",
        "ons4_happiness": "4",
        "ons4_anxiety": "7",
        "minutes": "20",
    }
    measures |= {
        f"swemwbs_{name}": "3"
        for name in (
            "optimistic",
            "useful",
            "relaxed",
            "dealing_with_problems",
            "thinking_clearly",
            "close_to_others",
            "own_mind",
        )
    }
    assert submit(client, f"{base}/measures", measures).status_code == 302

    for status in ("attended", "attended", "dna"):
        assert submit(client, f"{base}/sessions", {"session_on": TODAY, "status": status}).status_code == 302
    assert task_of(uow, referral_id)["business"] == "5.1.2"

    end = measures | {"timepoint": "end", "ons4_life_satisfaction": "7", "ons4_anxiety": "4", "minutes": "150"}
    end |= {"swemwbs_relaxed": "5", "swemwbs_useful": "5"}  # raw 25
    assert submit(client, f"{base}/measures", end).status_code == 302

    finished = submit(client, f"{base}/finish", {"ending": "completed", "reason": ""})
    assert finished.status_code == 302
    task = task_of(uow, referral_id)
    assert (task["status"], task["business"]) == ("completed", "7.0")
    assert task["events"][-1] == "complete"

    with uow:
        register = uow.session.scalars(select(SessionAttendance).order_by(SessionAttendance.session_number)).all()
        assert [(line.session_number, line.status.value, line.is_final) for line in register] == [
            (1, "attended", True),
            (2, "attended", True),
            (3, "dna", True),
        ]
        swemwbs = {
            m.timepoint.value: m.score
            for m in uow.session.scalars(select(OutcomeMeasure))
            if m.instrument.value == "swemwbs"
        }
        assert swemwbs == {"start": 19.25, "end": 22.35}  # raw 21 and 25 through the Rasch table
        kinds = [m.message_type for m in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert kinds == ["accepted", "first-attendance", "did-not-attend", "completed"]

    page = client.get(base).get_data(as_text=True)
    assert "Final" in page and "Completed" in page


def test_declining_with_a_coded_reason_sends_the_referral_back_to_triage(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    referral_id = offered()
    sign_in(client, people.provider)
    response = submit(client, f"/portal/referrals/{referral_id}/decline", {"reason": "no-capacity"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/referrals")
    task = task_of(uow, referral_id)
    assert task["service"] != "mvl-exercise-referral"
    assert "declined" in task["events"]
    # no longer this provider's: readable, read-only, and nothing it can act on
    page = client.get(f"/portal/referrals/{referral_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "You can read what was recorded while it was with you" in body or "This referral is closed" in body
    assert "Accept referral" not in body and "Record a contact attempt" not in body
    assert client.post(f"/portal/referrals/{referral_id}/accept", data={}).status_code in (400, 404)
