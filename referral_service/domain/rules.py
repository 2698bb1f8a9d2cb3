"""The eligibility rule language of the provider directory, as immutable values.

A rule is a tree: composites (`all`, `any`, `not`) over leaves that each read one fact about the
referral. Services keep their rules as data (`providers/`), so these classes only describe what a
rule says; triage evaluates them to pass, fail or unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from referral_service.domain.referral import RiskLevel


class Fact(StrEnum):
    """The facts a leaf rule can read, named as in the directory files."""

    AGE = "age"
    SEX = "sex"
    CONDITION = "condition"
    BMI = "bmi"
    BLOOD_PRESSURE = "blood_pressure"
    RESTING_HEART_RATE = "resting_heart_rate"
    ACTIVITY_MINUTES_PER_WEEK = "activity_minutes_per_week"
    POSTCODE = "postcode"
    PATHWAY = "pathway"


# Facts measured on a date, whose evidence can go stale (evidence_max_age_days).
DATED_FACTS: frozenset[Fact] = frozenset(
    {Fact.CONDITION, Fact.BMI, Fact.BLOOD_PRESSURE, Fact.RESTING_HEART_RATE, Fact.ACTIVITY_MINUTES_PER_WEEK}
)


@dataclass(frozen=True)
class Range:
    """Inclusive bounds; either may be open."""

    min: float | None = None
    max: float | None = None

    def describe(self, unit: str = "") -> str:
        suffix = f" {unit}" if unit else ""
        if self.min is not None and self.max is not None:
            return f"between {_num(self.min)} and {_num(self.max)}{suffix}"
        if self.min is not None:
            return f"{_num(self.min)}{suffix} or more"
        return f"{_num(self.max)}{suffix} or less"


def _num(value: float | None) -> str:
    return "?" if value is None else (f"{value:g}")


@dataclass(frozen=True)
class Leaf:
    """Base of the leaf rules: every leaf may carry the reason given to the referrer when it decides."""

    reason: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class AgeRule(Leaf):
    bounds: Range
    fact = Fact.AGE

    def describe(self) -> str:
        return f"age {self.bounds.describe('years')}"


@dataclass(frozen=True)
class SexRule(Leaf):
    allowed: frozenset[str]
    fact = Fact.SEX

    def describe(self) -> str:
        return "sex is " + " or ".join(sorted(self.allowed))


@dataclass(frozen=True)
class ConditionRule(Leaf):
    """Any of the listed SNOMED CT concepts; `code_set` names the file they were read from, if any."""

    codes: frozenset[str]
    code_set: str | None = None
    fact = Fact.CONDITION

    def describe(self) -> str:
        source = f" (code set {self.code_set})" if self.code_set else ""
        return f"has any of {len(self.codes)} listed conditions{source}"


@dataclass(frozen=True)
class BmiRule(Leaf):
    bounds: Range
    fact = Fact.BMI

    def describe(self) -> str:
        return f"BMI {self.bounds.describe('kg/m2')}"


@dataclass(frozen=True)
class BloodPressureRule(Leaf):
    """Matches when any given limit is reached: systolic or diastolic at or above its minimum, or
    at or below its maximum."""

    systolic_min: int | None = None
    diastolic_min: int | None = None
    systolic_max: int | None = None
    diastolic_max: int | None = None
    fact = Fact.BLOOD_PRESSURE

    def describe(self) -> str:
        parts = []
        if self.systolic_min is not None or self.diastolic_min is not None:
            parts.append(f"resting BP {_num(self.systolic_min)}/{_num(self.diastolic_min)} mmHg or above")
        if self.systolic_max is not None or self.diastolic_max is not None:
            parts.append(f"resting BP {_num(self.systolic_max)}/{_num(self.diastolic_max)} mmHg or below")
        return " or ".join(parts)


@dataclass(frozen=True)
class RestingHeartRateRule(Leaf):
    bounds: Range
    fact = Fact.RESTING_HEART_RATE

    def describe(self) -> str:
        return f"resting heart rate {self.bounds.describe('bpm')}"


@dataclass(frozen=True)
class ActivityMinutesRule(Leaf):
    bounds: Range
    fact = Fact.ACTIVITY_MINUTES_PER_WEEK

    def describe(self) -> str:
        return f"moderate activity {self.bounds.describe('minutes a week')}"


@dataclass(frozen=True)
class PostcodeRule(Leaf):
    districts: frozenset[str]
    fact = Fact.POSTCODE

    def describe(self) -> str:
        return "lives in " + ", ".join(sorted(self.districts))


@dataclass(frozen=True)
class PathwayRule(Leaf):
    tokens: frozenset[str]
    fact = Fact.PATHWAY

    def describe(self) -> str:
        return "referred for " + " or ".join(sorted(self.tokens))


@dataclass(frozen=True)
class AllOf:
    rules: tuple[Rule, ...]

    def describe(self) -> str:
        return "all of"


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]

    def describe(self) -> str:
        return "any of"


@dataclass(frozen=True)
class Not:
    rule: Rule

    def describe(self) -> str:
        return "not"


LeafRule = (
    AgeRule
    | SexRule
    | ConditionRule
    | BmiRule
    | BloodPressureRule
    | RestingHeartRateRule
    | ActivityMinutesRule
    | PostcodeRule
    | PathwayRule
)
Rule = AllOf | AnyOf | Not | LeafRule


@dataclass(frozen=True)
class Eligibility:
    """Who a service may take: the inclusion rule, hard exclusions, evidence age limits, risk strata."""

    include: AllOf | AnyOf
    exclude: tuple[Rule, ...]
    evidence_max_age_days: Mapping[Fact, int]
    risk_levels: frozenset[RiskLevel]


def leaves(rule: Rule) -> list[LeafRule]:
    """Every leaf of a rule tree, depth first, in the order written."""
    if isinstance(rule, AllOf | AnyOf):
        return [leaf for child in rule.rules for leaf in leaves(child)]
    if isinstance(rule, Not):
        return leaves(rule.rule)
    return [rule]


def explain(rule: Rule, depth: int = 0) -> list[str]:
    """The rule as indented plain-English lines, for people choosing where to refer."""
    indent = "  " * depth
    if isinstance(rule, AllOf | AnyOf):
        label = "all of:" if isinstance(rule, AllOf) else "any of:"
        return [f"{indent}{label}"] + [line for child in rule.rules for line in explain(child, depth + 1)]
    if isinstance(rule, Not):
        return [f"{indent}not:", *explain(rule.rule, depth + 1)]
    return [f"{indent}{rule.describe()}"]


def age_range(eligibility: Eligibility) -> tuple[int | None, int | None]:
    """The age bounds every patient must meet (age rules directly under a top-level `all`)."""
    if not isinstance(eligibility.include, AllOf):
        return None, None
    low: int | None = None
    high: int | None = None
    for rule in eligibility.include.rules:
        if isinstance(rule, AgeRule):
            if rule.bounds.min is not None:
                low = max(low or 0, int(rule.bounds.min))
            if rule.bounds.max is not None:
                high = int(rule.bounds.max) if high is None else min(high, int(rule.bounds.max))
    return low, high


def eligibility_text(eligibility: Eligibility) -> str:
    lines = ["Who can be referred:", *explain(eligibility.include, 1)]
    if eligibility.exclude:
        lines.append("Not for (back to the referrer with the reason):")
        lines += [f"  {rule.reason or rule.describe()}" for rule in eligibility.exclude if isinstance(rule, Leaf)]
        lines += [
            f"  {line.strip()}" for rule in eligibility.exclude if not isinstance(rule, Leaf) for line in explain(rule)
        ]
    lines.append("Risk levels taken: " + ", ".join(sorted(level.value for level in eligibility.risk_levels)))
    return "\n".join(lines)


def age_limits(eligibility: Eligibility) -> Range:
    """The ages the inclusion rule can ever take (bounds every `all` branch imposes), so the directory
    query can leave out services a patient is too young or too old for before any rule is evaluated.
    Open where the rule does not bound age on every path."""
    return _age_limits(eligibility.include)


def _age_limits(rule: Rule) -> Range:
    if isinstance(rule, AgeRule):
        return rule.bounds
    if isinstance(rule, AllOf):
        lows = [r.min for r in map(_age_limits, rule.rules) if r.min is not None]
        highs = [r.max for r in map(_age_limits, rule.rules) if r.max is not None]
        return Range(max(lows) if lows else None, min(highs) if highs else None)
    if isinstance(rule, AnyOf) and rule.rules:
        ranges = [_age_limits(child) for child in rule.rules]
        low = None if any(r.min is None for r in ranges) else min(r.min for r in ranges if r.min is not None)
        high = None if any(r.max is None for r in ranges) else max(r.max for r in ranges if r.max is not None)
        return Range(low, high)
    return Range()
