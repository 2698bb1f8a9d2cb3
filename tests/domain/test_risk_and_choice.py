"""Risk strata and the choice among services, on facts alone (no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from referral_service.domain.choice import Route, ServiceProfile, Verdict, decide
from referral_service.domain.facts import Dated, PatientFacts
from referral_service.domain.referral import RiskLevel, UnmetDemandReason
from referral_service.domain.risk import stratify
from referral_service.domain.rules import (
    AgeRule,
    AllOf,
    BloodPressureRule,
    ConditionRule,
    Eligibility,
    Fact,
    Range,
)

TODAY = date(2026, 11, 26)
EXERCISE = "http://snomed.info/sct|390893007"


def patient(**changes: object) -> PatientFacts:
    base: dict[str, object] = {
        "referral_date": TODAY,
        "birth_date": date(1990, 5, 1),
        "sex": "female",
        "postcode": "SK4 1AA",
        "pathway": EXERCISE,
        "conditions": {},
        "measurements": {"bmi": Dated(26.0, TODAY), "blood_pressure": Dated(125, TODAY, 80)},
    }
    base.update(changes)
    return PatientFacts(**base)  # type: ignore[arg-type]


def service(slug: str, *, risk: set[RiskLevel] | None = None, **changes: object) -> ServiceProfile:
    eligibility = Eligibility(
        include=AllOf((AgeRule(Range(16)),)),
        exclude=(BloodPressureRule(systolic_min=180, diastolic_min=100, reason="BP 180/100 or above: back to GP"),),
        evidence_max_age_days={Fact.BLOOD_PRESSURE: 90},
        risk_levels=frozenset(risk or {RiskLevel.LOW, RiskLevel.MEDIUM}),
    )
    base: dict[str, object] = {
        "slug": slug,
        "name": slug.title(),
        "pathway": EXERCISE,
        "districts": frozenset({"SK4"}),
        "eligibility": eligibility,
        "accredited": True,
        "has_room": True,
        "takes_waitlist": True,
        "waiting": 0,
        "places": 10,
    }
    base.update(changes)
    return ServiceProfile(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "level", "worst"),
    [
        ({}, RiskLevel.LOW, RiskLevel.LOW),
        ({"conditions": {"38341003": None}}, RiskLevel.MEDIUM, RiskLevel.MEDIUM),
        (
            {
                "sex": "male",
                "birth_date": date(1970, 1, 1),
                "measurements": {"bmi": Dated(32.0, TODAY), "blood_pressure": Dated(125, TODAY, 80)},
            },
            RiskLevel.MEDIUM,
            RiskLevel.MEDIUM,
        ),
        ({"conditions": {"22298006": None}}, RiskLevel.HIGH, RiskLevel.HIGH),
        (
            {"measurements": {"bmi": Dated(26.0, TODAY), "blood_pressure": Dated(165, TODAY, 85)}},
            RiskLevel.HIGH,
            RiskLevel.HIGH,
        ),
        (
            {"measurements": {"bmi": Dated(41.0, TODAY), "blood_pressure": Dated(125, TODAY, 80)}},
            RiskLevel.HIGH,
            RiskLevel.HIGH,
        ),
        ({"measurements": {"bmi": Dated(26.0, TODAY)}}, RiskLevel.LOW, RiskLevel.HIGH),
    ],
    ids=["low", "long-term-condition", "two-acsm-factors", "heart-disease", "bp-160", "bmi-40", "bp-missing"],
)
def test_risk_strata(changes: dict[str, object], level: RiskLevel, worst: RiskLevel) -> None:
    risk = stratify(patient(**changes))
    assert (risk.level, risk.worst_case) == (level, worst)
    assert risk.reasons


def test_an_eligible_service_with_room_gets_the_offer_before_one_without() -> None:
    decision = decide(patient(), [service("full", has_room=False), service("roomy")])
    assert (decision.route, decision.service) == (Route.OFFER, "roomy")
    assert {a.service: a.verdict for a in decision.assessments} == {"full": Verdict.ELIGIBLE, "roomy": Verdict.ELIGIBLE}


def test_with_no_room_anywhere_the_shortest_waiting_list_is_chosen_and_demand_recorded() -> None:
    decision = decide(
        patient(),
        [
            service("long-wait", has_room=False, waiting=30, places=10),
            service("short-wait", has_room=False, waiting=2, places=10),
            service("no-list", has_room=False, takes_waitlist=False),
        ],
    )
    assert (decision.route, decision.service, decision.unmet) == (
        Route.WAITLIST,
        "short-wait",
        UnmetDemandReason.NO_CAPACITY,
    )


def test_full_services_without_waiting_lists_send_the_patient_to_a_person() -> None:
    decision = decide(patient(), [service("no-list", has_room=False, takes_waitlist=False)])
    assert (decision.route, decision.unmet) == (Route.LINK_WORKER, UnmetDemandReason.NO_CAPACITY)


def test_a_hard_exclusion_goes_back_with_its_reason() -> None:
    decision = decide(
        patient(measurements={"bmi": Dated(26.0, TODAY), "blood_pressure": Dated(185, TODAY, 95)}), [service("gym")]
    )
    assert decision.route is Route.LINK_WORKER
    assert decision.unmet is UnmetDemandReason.EXCLUDED
    assert decision.reasons == ("BP 180/100 or above: back to GP",)


def test_missing_facts_that_could_change_the_answer_go_to_a_person_with_the_list() -> None:
    decision = decide(patient(measurements={"bmi": Dated(26.0, TODAY)}), [service("gym")])
    assert decision.route is Route.LINK_WORKER
    assert decision.unmet is UnmetDemandReason.NEEDS_REVIEW
    assert decision.missing == frozenset({"blood_pressure"})
    assert decision.assessments[0].verdict is Verdict.UNKNOWN


def test_high_risk_goes_to_a_service_that_takes_it() -> None:
    cardiac = patient(conditions={"22298006": None})
    decision = decide(cardiac, [service("level-3"), service("level-4", risk={RiskLevel.MEDIUM, RiskLevel.HIGH})])
    assert (decision.route, decision.service) == (Route.OFFER, "level-4")
    level3 = next(a for a in decision.assessments if a.service == "level-3")
    assert level3.reasons == ("high risk; this service takes low, medium",)


def test_lapsed_accreditation_and_catchment_are_explained() -> None:
    decision = decide(patient(), [service("lapsed", accredited=False), service("far", districts=frozenset({"SK7"}))])
    assert decision.route is Route.LINK_WORKER
    assert decision.unmet is UnmetDemandReason.NO_ELIGIBLE_SERVICE
    reasons = {a.service: a.reasons for a in decision.assessments}
    assert reasons == {
        "lapsed": ("the provider's accreditation is not valid today",),
        "far": ("SK4 is outside the catchment",),
    }


def test_services_that_declined_are_not_chosen_again() -> None:
    decision = decide(patient(), [service("first"), service("second")], passed_over=["first"])
    assert decision.service == "second"


def test_an_unknown_pathway_goes_to_a_person() -> None:
    decision = decide(patient(pathway=None), [service("gym")])
    assert (decision.route, decision.missing) == (Route.LINK_WORKER, frozenset({"pathway"}))


def test_conditions_recorded_long_ago_are_unknown_when_the_service_limits_their_age() -> None:
    eligibility = Eligibility(
        include=AllOf((ConditionRule(frozenset({"38341003"})),)),
        exclude=(),
        evidence_max_age_days={Fact.CONDITION: 365},
        risk_levels=frozenset(RiskLevel),
    )
    old = patient(conditions={"38341003": TODAY - timedelta(days=800)})
    decision = decide(old, [service("gym", eligibility=eligibility)])
    assert decision.assessments[0].verdict is Verdict.UNKNOWN
    assert decision.missing == frozenset({"condition"})


def test_the_referrers_stated_preference_breaks_a_tie_but_never_beats_room_or_wait() -> None:
    asked_for = patient(preferences=frozenset({"zebra leisure"}))
    tie = decide(asked_for, [service("alpha"), service("zebra", name="Zebra Leisure")])
    assert tie.service == "zebra"
    busier = decide(asked_for, [service("alpha"), service("zebra", name="Zebra Leisure", has_room=False)])
    assert busier.service == "alpha"
