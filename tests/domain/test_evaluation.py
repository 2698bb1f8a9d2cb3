"""Every rule kind evaluates to pass, fail or unknown; stale evidence is never a pass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from referral_service.domain.evaluation import Outcome, evaluate
from referral_service.domain.facts import Dated, PatientFacts
from referral_service.domain.rules import (
    ActivityMinutesRule,
    AgeRule,
    AllOf,
    AnyOf,
    BloodPressureRule,
    BmiRule,
    ConditionRule,
    Fact,
    Not,
    PathwayRule,
    PostcodeRule,
    Range,
    RestingHeartRateRule,
    Rule,
    SexRule,
)

TODAY = date(2026, 11, 26)
PASS, FAIL, UNKNOWN = Outcome.PASS, Outcome.FAIL, Outcome.UNKNOWN


def facts(**changes: object) -> PatientFacts:
    base: dict[str, object] = {
        "referral_date": TODAY,
        "birth_date": date(1961, 2, 3),
        "sex": "female",
        "postcode": "SK4 1AA",
        "pathway": "http://snomed.info/sct|390893007",
        "conditions": {"38341003": date(2020, 1, 1)},
        "measurements": {
            "bmi": Dated(31.0, TODAY - timedelta(days=30)),
            "blood_pressure": Dated(150, TODAY - timedelta(days=10), 95),
            "resting_heart_rate": Dated(72, TODAY - timedelta(days=10)),
            "activity_minutes_per_week": Dated(20, TODAY),
        },
    }
    base.update(changes)
    return PatientFacts(**base)  # type: ignore[arg-type]


NO_MEASUREMENTS = {"measurements": {}}
CASES: list[tuple[str, Rule, tuple[dict[str, object], dict[str, object], dict[str, object]]]] = [
    ("age", AgeRule(Range(16, 74)), ({}, {"birth_date": date(2000 - 90, 1, 1)}, {"birth_date": None})),
    ("sex", SexRule(frozenset({"female"})), ({}, {"sex": "male"}, {"sex": None})),
    ("postcode", PostcodeRule(frozenset({"SK4"})), ({}, {"postcode": "M1 1AE"}, {"postcode": None})),
    (
        "pathway",
        PathwayRule(frozenset({"http://snomed.info/sct|390893007"})),
        ({}, {"pathway": "http://snomed.info/sct|871731000000106"}, {"pathway": None}),
    ),
    ("bmi", BmiRule(Range(30)), ({}, {"measurements": {"bmi": Dated(24.0, TODAY)}}, NO_MEASUREMENTS)),
    (
        "blood_pressure",
        BloodPressureRule(systolic_min=140, diastolic_min=90),
        ({}, {"measurements": {"blood_pressure": Dated(120, TODAY, 80)}}, NO_MEASUREMENTS),
    ),
    (
        "resting_heart_rate",
        RestingHeartRateRule(Range(None, 99)),
        ({}, {"measurements": {"resting_heart_rate": Dated(104, TODAY)}}, NO_MEASUREMENTS),
    ),
    (
        "activity",
        ActivityMinutesRule(Range(None, 30)),
        ({}, {"measurements": {"activity_minutes_per_week": Dated(200, TODAY)}}, NO_MEASUREMENTS),
    ),
    (
        "condition",
        ConditionRule(frozenset({"38341003"})),
        ({}, {"conditions": {}}, {"conditions": {"38341003": date(2010, 1, 1)}}),
    ),
]


@pytest.mark.parametrize(("name", "rule", "changes"), CASES, ids=[c[0] for c in CASES])
def test_each_leaf_passes_fails_and_is_unknown(name: str, rule: Rule, changes: tuple[dict[str, object], ...]) -> None:
    limits = {Fact.CONDITION: 3650}
    outcomes = [evaluate(rule, facts(**change), limits).outcome for change in changes]
    assert outcomes == [PASS, FAIL, UNKNOWN]


def test_stale_evidence_is_unknown_never_a_pass() -> None:
    old_bp = facts(measurements={"blood_pressure": Dated(190, TODAY - timedelta(days=200), 110)})
    result = evaluate(BloodPressureRule(systolic_min=180, diastolic_min=100), old_bp, {Fact.BLOOD_PRESSURE: 90})
    assert result.outcome is UNKNOWN
    assert result.missing == "blood_pressure"
    assert "200 days old" in (result.evidence or "")
    undated = facts(measurements={"bmi": Dated(35.0, None)})
    assert evaluate(BmiRule(Range(30)), undated, {Fact.BMI: 365}).outcome is UNKNOWN
    assert evaluate(BmiRule(Range(30)), undated, {}).outcome is PASS  # no limit, no staleness


def test_blood_pressure_matches_when_either_limit_is_reached() -> None:
    rule = BloodPressureRule(systolic_min=180, diastolic_min=100)
    limits: dict[Fact, int] = {}
    assert evaluate(rule, facts(measurements={"blood_pressure": Dated(150, TODAY, 102)}), limits).outcome is PASS
    assert evaluate(rule, facts(measurements={"blood_pressure": Dated(181, TODAY, 80)}), limits).outcome is PASS
    assert evaluate(rule, facts(measurements={"blood_pressure": Dated(179, TODAY, 99)}), limits).outcome is FAIL
    assert evaluate(rule, facts(measurements={"blood_pressure": Dated(150, TODAY, None)}), limits).outcome is UNKNOWN


def test_bounds_are_inclusive() -> None:
    assert evaluate(BmiRule(Range(30)), facts(measurements={"bmi": Dated(30.0, TODAY)}), {}).outcome is PASS
    assert evaluate(AgeRule(Range(None, 65)), facts(birth_date=date(1961, 11, 26)), {}).outcome is PASS
    assert evaluate(AgeRule(Range(None, 64)), facts(birth_date=date(1961, 11, 26)), {}).outcome is FAIL


@pytest.mark.parametrize(
    ("children", "all_outcome", "any_outcome"),
    [
        ((PASS, PASS), PASS, PASS),
        ((PASS, FAIL), FAIL, PASS),
        ((PASS, UNKNOWN), UNKNOWN, PASS),
        ((FAIL, UNKNOWN), FAIL, UNKNOWN),
        ((FAIL, FAIL), FAIL, FAIL),
        ((UNKNOWN, UNKNOWN), UNKNOWN, UNKNOWN),
    ],
)
def test_composites_combine_three_valued(
    children: tuple[Outcome, ...], all_outcome: Outcome, any_outcome: Outcome
) -> None:
    leaf = {PASS: SexRule(frozenset({"female"})), FAIL: SexRule(frozenset({"male"})), UNKNOWN: BmiRule(Range(30))}
    patient = facts(measurements={})
    rules = tuple(leaf[outcome] for outcome in children)
    assert evaluate(AllOf(rules), patient, {}).outcome is all_outcome
    assert evaluate(AnyOf(rules), patient, {}).outcome is any_outcome


def test_not_swaps_pass_and_fail_and_keeps_unknown() -> None:
    patient = facts(measurements={})
    assert evaluate(Not(SexRule(frozenset({"female"}))), patient, {}).outcome is FAIL
    assert evaluate(Not(SexRule(frozenset({"male"}))), patient, {}).outcome is PASS
    assert evaluate(Not(BmiRule(Range(30))), patient, {}).outcome is UNKNOWN


def test_the_whole_tree_is_kept_with_evidence() -> None:
    rule = AllOf((AgeRule(Range(16)), AnyOf((ConditionRule(frozenset({"38341003"})), BmiRule(Range(30))))))
    result = evaluate(rule, facts(), {})
    document = result.to_document()
    assert document["outcome"] == "pass"
    age, either = document["children"]  # type: ignore[misc]
    assert age == {"rule": "age 16 years or more", "outcome": "pass", "evidence": "aged 65 on the referral date"}
    assert [child["outcome"] for child in either["children"]] == ["pass", "pass"]
    assert "31 kg/m2 on 2026-10-27 (30 days before referral)" in either["children"][1]["evidence"]
