"""Refused input: an NHS.UK error summary that links to each field, and nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.fixtures.portal import People, sign_in, submit
from tests.fixtures.referrals import task_of


def _accepted(client: FlaskClient, people: People, offered: Callable[..., str]) -> str:
    referral_id = offered()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302
    return base


def test_declining_for_other_reasons_needs_the_reason_written(
    client: FlaskClient, people: People, offered: Callable[..., str], uow
) -> None:  # type: ignore[no-untyped-def]
    referral_id = offered()
    sign_in(client, people.provider)
    response = submit(client, f"/portal/referrals/{referral_id}/decline", {"reason": "other", "reason_text": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#reason_text">Say why' in html
    assert '<input checked class="nhsuk-radios__input" id="reason-6"' in html
    assert task_of(uow, referral_id)["business"] == "offered"  # nothing happened


def test_a_half_filled_wellbeing_section_names_the_missing_question_and_keeps_the_rest(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    base = _accepted(client, people, offered)
    response = submit(
        client,
        f"{base}/measures",
        {
            "timepoint": "start",
            "measured_on": "2026-11-20",
            "ons4_life_satisfaction": "6",
            "ons4_worthwhile": "7",
            "ons4_happiness": "5",
            "minutes": "25",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#ons4_anxiety">Answer' in html
    assert 'id="ons4_life_satisfaction"' in html and 'value="6"' in html and 'value="25"' in html


def test_out_of_range_answers_are_named_before_anything_is_saved(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    base = _accepted(client, people, offered)
    response = submit(
        client,
        f"{base}/measures",
        {"timepoint": "start", "measured_on": "2026-11-20", "systolic": "80", "diastolic": "95", "bmi": "7"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#bmi">Enter a BMI from 10 to 100' in html
    assert client.get(base).get_data(as_text=True).count("Blood pressure") == 0


def test_future_dates_are_refused(client: FlaskClient, people: People, offered: Callable[..., str]) -> None:
    base = _accepted(client, people, offered)
    response = submit(client, f"{base}/sessions", {"session_on": "2099-01-01", "status": "attended"})
    assert response.status_code == 422
    assert 'href="#session_on-day">The date cannot be in the future' in response.get_data(as_text=True)


def test_nothing_to_record_is_said_plainly(client: FlaskClient, people: People, offered: Callable[..., str]) -> None:
    base = _accepted(client, people, offered)
    response = submit(client, f"{base}/measures", {"timepoint": "end", "measured_on": "2026-11-20"})
    assert response.status_code == 422
    assert "Enter at least one measure" in response.get_data(as_text=True)


def test_a_drop_out_needs_its_reason(client: FlaskClient, people: People, offered: Callable[..., str]) -> None:
    base = _accepted(client, people, offered)
    response = submit(client, f"{base}/finish", {"ending": "dropped-out", "reason": " "})
    assert response.status_code == 422
    assert 'href="#reason">Say why the patient stopped' in response.get_data(as_text=True)


def test_progress_before_acceptance_is_refused_with_the_reason(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()
    sign_in(client, people.provider)
    response = submit(
        client,
        f"/portal/referrals/{referral_id}/contact",
        {"attempted_on": "2026-11-20", "method": "phone", "outcome": "reached"},
    )
    assert response.status_code == 409
    assert "Accept the referral before recording its progress" in response.get_data(as_text=True)


def test_after_the_programme_ends_the_register_is_final(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    base = _accepted(client, people, offered)
    assert submit(client, f"{base}/sessions", {"session_on": "2026-11-27", "status": "attended"}).status_code == 302
    assert submit(client, f"{base}/finish", {"ending": "completed"}).status_code == 302
    page = client.get(f"{base}/sessions")
    assert "The register is final" in page.get_data(as_text=True)
