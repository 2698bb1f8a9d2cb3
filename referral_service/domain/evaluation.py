"""Evaluating eligibility rules: every rule is pass, fail or unknown, and the whole tree is kept.

Unknown means the fact is missing, or older than the service's evidence limit: stale evidence is
never a pass. `all` fails if any child fails, else is unknown if any is; `any` passes if any child
passes, else is unknown if any is; `not` swaps pass and fail.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

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
    LeafRule,
    Not,
    PathwayRule,
    PostcodeRule,
    Range,
    RestingHeartRateRule,
    Rule,
    SexRule,
)


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105  (an outcome, not a password)
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RuleResult:
    """One node of the evaluation tree: what the rule says, what it found, and the outcome."""

    rule: str
    outcome: Outcome
    evidence: str | None = None
    missing: str | None = None  # the fact that was missing or too old, when unknown
    reason: str | None = None  # the rule's own reason (exclusions), given to the referrer
    children: tuple[RuleResult, ...] = field(default=())

    def missing_facts(self) -> set[str]:
        found = {self.missing} if self.missing else set()
        for child in self.children:
            found |= child.missing_facts()
        return found

    def to_document(self) -> dict[str, object]:
        document: dict[str, object] = {"rule": self.rule, "outcome": self.outcome.value}
        for name in ("evidence", "missing", "reason"):
            if (value := getattr(self, name)) is not None:
                document[name] = value
        if self.children:
            document["children"] = [child.to_document() for child in self.children]
        return document


def _in_range(value: float, bounds: Range) -> bool:
    return (bounds.min is None or value >= bounds.min) and (bounds.max is None or value <= bounds.max)


def _fresh(fact: Fact, dated: Dated, facts: PatientFacts, limits: Mapping[Fact, int]) -> str | None:
    """Why a measurement cannot be used, or None when it can."""
    limit = limits.get(fact)
    if limit is None:
        return None
    if dated.on is None:
        return f"{fact.value} has no date; this service needs it from the last {limit} days"
    age = (facts.referral_date - dated.on).days
    if age > limit:
        return f"{fact.value} is {age} days old; this service needs it from the last {limit} days"
    return None


def _measured(
    rule: LeafRule, fact: Fact, facts: PatientFacts, limits: Mapping[Fact, int]
) -> tuple[Dated | None, RuleResult | None]:
    """The measurement a rule reads, or the unknown result when it is missing or too old."""
    dated = facts.measurements.get(fact.value)
    if dated is None or (dated.value is None and dated.second is None):
        return None, RuleResult(rule.describe(), Outcome.UNKNOWN, missing=fact.value, reason=rule.reason)
    stale = _fresh(fact, dated, facts, limits)
    if stale:
        return None, RuleResult(
            rule.describe(), Outcome.UNKNOWN, evidence=stale, missing=fact.value, reason=rule.reason
        )
    return dated, None


def _dated_text(value: str, dated: Dated, facts: PatientFacts) -> str:
    if dated.on is None:
        return f"{value} (undated)"
    return f"{value} on {dated.on.isoformat()} ({(facts.referral_date - dated.on).days} days before referral)"


def _leaf(rule: LeafRule, facts: PatientFacts, limits: Mapping[Fact, int]) -> RuleResult:
    text = rule.describe()

    def result(passed: bool, evidence: str) -> RuleResult:
        return RuleResult(text, Outcome.PASS if passed else Outcome.FAIL, evidence=evidence, reason=rule.reason)

    match rule:
        case AgeRule():
            if facts.age is None:
                return RuleResult(text, Outcome.UNKNOWN, missing="age", reason=rule.reason)
            return result(_in_range(facts.age, rule.bounds), f"aged {facts.age} on the referral date")
        case SexRule():
            if not facts.sex:
                return RuleResult(text, Outcome.UNKNOWN, missing="sex", reason=rule.reason)
            return result(facts.sex in rule.allowed, f"recorded sex {facts.sex}")
        case PostcodeRule():
            if facts.district is None:
                return RuleResult(text, Outcome.UNKNOWN, missing="postcode", reason=rule.reason)
            return result(facts.district in rule.districts, f"lives in {facts.district}")
        case PathwayRule():
            if facts.pathway is None:
                return RuleResult(text, Outcome.UNKNOWN, missing="pathway", reason=rule.reason)
            return result(facts.pathway in rule.tokens, f"referred for {facts.pathway}")
        case ConditionRule():
            return _condition(rule, facts, limits)
        case BmiRule() | RestingHeartRateRule() | ActivityMinutesRule():
            units = {Fact.BMI: "kg/m2", Fact.RESTING_HEART_RATE: "bpm", Fact.ACTIVITY_MINUTES_PER_WEEK: "min/week"}
            dated, unknown = _measured(rule, rule.fact, facts, limits)
            if unknown is not None or dated is None or dated.value is None:
                return unknown or RuleResult(text, Outcome.UNKNOWN, missing=rule.fact.value, reason=rule.reason)
            shown = f"{rule.fact.value.replace('_', ' ')} {dated.value:g} {units[rule.fact]}"
            return result(_in_range(dated.value, rule.bounds), _dated_text(shown, dated, facts))
        case BloodPressureRule():
            return _blood_pressure(rule, facts, limits)
    raise TypeError(f"unknown rule {rule!r}")  # pragma: no cover


def _condition(rule: ConditionRule, facts: PatientFacts, limits: Mapping[Fact, int]) -> RuleResult:
    """Present conditions pass; absence is a fail (GP records list what a patient has, not what they
    lack). A match recorded longer ago than the service's condition limit is unknown."""
    matches = {code: on for code, on in facts.conditions.items() if code in rule.codes}
    if not matches:
        return RuleResult(
            rule.describe(), Outcome.FAIL, evidence="none of the listed conditions recorded", reason=rule.reason
        )
    limit = limits.get(Fact.CONDITION)
    fresh = {c: on for c, on in matches.items() if limit is None or (on and (facts.referral_date - on).days <= limit)}
    if fresh:
        return RuleResult(
            rule.describe(), Outcome.PASS, evidence="recorded: " + ", ".join(sorted(fresh)), reason=rule.reason
        )
    return RuleResult(
        rule.describe(),
        Outcome.UNKNOWN,
        evidence=f"recorded more than {limit} days ago: " + ", ".join(sorted(matches)),
        missing="condition",
        reason=rule.reason,
    )


def _blood_pressure(rule: BloodPressureRule, facts: PatientFacts, limits: Mapping[Fact, int]) -> RuleResult:
    dated, unknown = _measured(rule, Fact.BLOOD_PRESSURE, facts, limits)
    if unknown is not None or dated is None:
        return unknown or RuleResult(rule.describe(), Outcome.UNKNOWN, missing="blood_pressure", reason=rule.reason)
    systolic, diastolic = dated.value, dated.second
    checks: list[tuple[float | None, int | None, Callable[[float, float], bool]]] = [
        (systolic, rule.systolic_min, operator.ge),
        (diastolic, rule.diastolic_min, operator.ge),
        (systolic, rule.systolic_max, operator.le),
        (diastolic, rule.diastolic_max, operator.le),
    ]
    relevant = [(value, limit, test) for value, limit, test in checks if limit is not None]
    shown = _dated_text(
        f"BP {'?' if systolic is None else f'{systolic:g}'}/{'?' if diastolic is None else f'{diastolic:g}'} mmHg",
        dated,
        facts,
    )
    if any(value is not None and test(value, limit) for value, limit, test in relevant):
        return RuleResult(rule.describe(), Outcome.PASS, evidence=shown, reason=rule.reason)
    if any(value is None for value, _, _ in relevant):
        return RuleResult(
            rule.describe(), Outcome.UNKNOWN, evidence=shown, missing="blood_pressure", reason=rule.reason
        )
    return RuleResult(rule.describe(), Outcome.FAIL, evidence=shown, reason=rule.reason)


def evaluate(rule: Rule, facts: PatientFacts, limits: Mapping[Fact, int]) -> RuleResult:
    if isinstance(rule, AllOf | AnyOf):
        children = tuple(evaluate(child, facts, limits) for child in rule.rules)
        outcomes = {child.outcome for child in children}
        if isinstance(rule, AllOf):
            outcome = (
                Outcome.FAIL
                if Outcome.FAIL in outcomes
                else (Outcome.UNKNOWN if Outcome.UNKNOWN in outcomes else Outcome.PASS)
            )
        else:
            outcome = (
                Outcome.PASS
                if Outcome.PASS in outcomes
                else (Outcome.UNKNOWN if Outcome.UNKNOWN in outcomes else Outcome.FAIL)
            )
        return RuleResult(rule.describe(), outcome, children=children)
    if isinstance(rule, Not):
        child = evaluate(rule.rule, facts, limits)
        swapped = {Outcome.PASS: Outcome.FAIL, Outcome.FAIL: Outcome.PASS}.get(child.outcome, Outcome.UNKNOWN)
        return RuleResult(rule.describe(), swapped, children=(child,))
    return _leaf(rule, facts, limits)
