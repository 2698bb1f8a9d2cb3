"""The self-referral's own rules: which services ask the PAR-Q+, what a "yes" says to the link
worker, the NHS number's check digit, and the form read into the intake's `IncomingReferral`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from referral_service.domain.directory import ServiceCategory
from referral_service.domain.intake import Coding
from referral_service.domain.self_referral import (
    PAR_Q_PLUS,
    SelfReferral,
    answers_in,
    asks_readiness,
    clearance_reason,
    incoming_referral,
    nhs_number_problem,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
PATHWAY = Coding("http://snomed.info/sct", "390893007")


def person(**changes: object) -> SelfReferral:
    values: dict[str, object] = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "birth_date": date(1970, 6, 14),
        "postcode": " sk1 3ta ",
        "service_slug": "tmw-health-walks",
        "practice_ods": "P84001",
        "tell_gp": True,
        "email": "jo@example.org",
        "email_consent": True,
        "readiness": dict.fromkeys((q.key for q in PAR_Q_PLUS), False),
    }
    values.update(changes)
    return SelfReferral(**values)  # type: ignore[arg-type]


def test_the_par_q_plus_has_its_seven_general_health_questions() -> None:
    assert len(PAR_Q_PLUS) == 7
    assert len({q.key for q in PAR_Q_PLUS}) == 7


def test_only_services_that_get_people_moving_ask_it() -> None:
    assert asks_readiness(ServiceCategory.PHYSICAL_ACTIVITY)
    assert asks_readiness(ServiceCategory.FALLS_PREVENTION)
    assert not asks_readiness(ServiceCategory.SOCIAL_CONNECTION)
    assert not asks_readiness(ServiceCategory.MONEY_AND_HOUSING)


def test_all_no_needs_nobody_and_each_yes_is_named_in_words() -> None:
    assert clearance_reason(dict.fromkeys((q.key for q in PAR_Q_PLUS), False)) is None
    assert clearance_reason({}) is None
    reason = clearance_reason({"chest_pain": True, "supervised": True, "heart": False})
    assert reason is not None
    assert "chest pain" in reason and "medical supervision" in reason
    assert "heart condition" not in reason
    assert "clearance from their GP" in reason


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("943 476 5919", None), ("4857773457", None), ("4857773456", "as it is written"), ("12345", "10 digits")],
)
def test_the_nhs_number_check_digit(typed: str, problem: str | None) -> None:
    found = nhs_number_problem(typed)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_the_form_becomes_the_intake_s_referral() -> None:
    answers = person(height_cm=170.0, weight_kg=70.0, blood_pressure=(125, 80), nhs_number="943 476 5919")
    incoming = incoming_referral(answers, pathway=PATHWAY, now=NOW, request_id="r", correlation_id="c")
    assert incoming.sender_ods == "P84001" and incoming.pathway == PATHWAY
    assert incoming.preferences == ("tmw-health-walks",)
    assert incoming.patient.postcode == "SK1 3TA" and incoming.patient.nhs_number == "9434765919"
    measured = {m.kind: m for m in incoming.measurements}
    assert measured["bmi"].value == 24.2 and measured["bmi"].observed_on == NOW.date()
    assert (measured["blood_pressure"].value, measured["blood_pressure"].second_value) == (125.0, 80.0)
    assert json.loads(incoming.payload)["family_name"] == "Bloggs"  # the answers, kept as given
    assert incoming.contact_consent is None  # consent is per channel, stored apart


def test_without_figures_no_measurement_is_made_up() -> None:
    incoming = incoming_referral(person(height_cm=170.0), pathway=PATHWAY, now=NOW, request_id="r", correlation_id="c")
    assert incoming.measurements == ()


def test_the_answers_read_back_for_the_portal() -> None:
    assert answers_in({"conditions": []}) is None
    read = answers_in({"self_referral": {"readiness": {"chest_pain": True, "heart": False}, "tell_gp": False}})
    assert read is not None and read.tell_gp is False
    assert [said for _, said in read.readiness] == [False, True]  # in the questionnaire's order
