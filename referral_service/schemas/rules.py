"""The eligibility rule language: YAML (or the stored document) to domain rule objects and back.

Errors keep the shape of the document (`{"all": {1: {"bmi": {"min": [...]}}}}`), so the directory
check can name the exact place of each problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from referral_service.domain.referral import RiskLevel
from referral_service.domain.rules import (
    DATED_FACTS,
    ActivityMinutesRule,
    AgeRule,
    AllOf,
    AnyOf,
    BloodPressureRule,
    BmiRule,
    ConditionRule,
    Eligibility,
    Fact,
    Not,
    PathwayRule,
    PostcodeRule,
    Range,
    RestingHeartRateRule,
    Rule,
    SexRule,
)
from referral_service.schemas.fields import CodingToken, PostcodeDistrict, SnomedCode, StrictSchema

# Reads a code set file named in a `condition` rule. Set while reading directory files; unset when
# rebuilding rules from a stored document, whose code sets are already expanded.
CodeSetReader = Callable[[str], frozenset[str]]
code_set_reader: ContextVar[CodeSetReader | None] = ContextVar("code_set_reader", default=None)

SEXES = ("female", "male", "other", "unknown")


class _LeafSchema(StrictSchema):
    reason = fields.String(validate=validate.Length(min=1, max=500))


class _BoundsSchema(_LeafSchema):
    """min/max leaves; subclasses set the allowed range."""

    limits: tuple[float, float] = (0, 0)
    integral = True

    @validates_schema
    def _check_bounds(self, data: Mapping[str, Any], **_: Any) -> None:
        low, high = data.get("min"), data.get("max")
        if low is None and high is None:
            raise ValidationError("Give min, max or both.")
        if low is not None and high is not None and low > high:
            raise ValidationError("min is greater than max.")


def _bounded(name: str, low: float, high: float, *, integral: bool) -> type[_BoundsSchema]:
    number: Callable[..., fields.Field[Any]] = (
        (lambda **kw: fields.Integer(strict=True, **kw)) if integral else fields.Float
    )
    attrs: dict[str, Any] = {
        "min": number(validate=validate.Range(low, high)),
        "max": number(validate=validate.Range(low, high)),
    }
    return type(name, (_BoundsSchema,), attrs)


AgeSchema = _bounded("AgeSchema", 0, 130, integral=True)
BmiSchema = _bounded("BmiSchema", 10, 100, integral=False)
HeartRateSchema = _bounded("HeartRateSchema", 20, 250, integral=True)
ActivitySchema = _bounded("ActivitySchema", 0, 10080, integral=True)


class SexSchema(_LeafSchema):
    allowed = fields.List(
        fields.String(validate=validate.OneOf(SEXES)),
        data_key="in",
        required=True,
        validate=validate.Length(min=1),
    )


class ConditionSchema(_LeafSchema):
    any_of = fields.List(SnomedCode(), validate=validate.Length(min=1))
    code_set = fields.String(validate=validate.Length(min=1, max=300))

    @validates_schema
    def _needs_codes(self, data: Mapping[str, Any], **_: Any) -> None:
        if not data.get("any_of") and not data.get("code_set"):
            raise ValidationError("Give any_of (a list of SNOMED CT codes), code_set (a file), or both.")

    @post_load
    def _read_code_set(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        codes = set(data.get("any_of") or ())
        reader = code_set_reader.get()
        if data.get("code_set") and reader is not None:
            try:
                codes |= reader(data["code_set"])
            except ValueError as error:
                raise ValidationError({"code_set": [str(error)]}) from None
        data["codes"] = frozenset(codes)
        return data


class BloodPressureSchema(_LeafSchema):
    systolic_min = fields.Integer(strict=True, validate=validate.Range(40, 300))
    diastolic_min = fields.Integer(strict=True, validate=validate.Range(20, 200))
    systolic_max = fields.Integer(strict=True, validate=validate.Range(40, 300))
    diastolic_max = fields.Integer(strict=True, validate=validate.Range(20, 200))

    @validates_schema
    def _needs_a_limit(self, data: Mapping[str, Any], **_: Any) -> None:
        if not {"systolic_min", "diastolic_min", "systolic_max", "diastolic_max"} & data.keys():
            raise ValidationError("Give at least one of systolic_min, diastolic_min, systolic_max, diastolic_max.")


class PostcodeSchema(_LeafSchema):
    districts = fields.List(PostcodeDistrict(), required=True, validate=validate.Length(min=1))


class PathwaySchema(_LeafSchema):
    any_of = fields.List(CodingToken(), required=True, validate=validate.Length(min=1))


def _range(doc: Mapping[str, Any]) -> Range:
    return Range(doc.get("min"), doc.get("max"))


LEAVES: dict[str, tuple[type[StrictSchema], Callable[[dict[str, Any]], Rule]]] = {
    "age": (AgeSchema, lambda d: AgeRule(_range(d), reason=d.get("reason"))),
    "sex": (SexSchema, lambda d: SexRule(frozenset(d["allowed"]), reason=d.get("reason"))),
    "condition": (
        ConditionSchema,
        lambda d: ConditionRule(d["codes"], d.get("code_set"), reason=d.get("reason")),
    ),
    "bmi": (BmiSchema, lambda d: BmiRule(_range(d), reason=d.get("reason"))),
    "blood_pressure": (
        BloodPressureSchema,
        lambda d: BloodPressureRule(
            d.get("systolic_min"),
            d.get("diastolic_min"),
            d.get("systolic_max"),
            d.get("diastolic_max"),
            reason=d.get("reason"),
        ),
    ),
    "resting_heart_rate": (HeartRateSchema, lambda d: RestingHeartRateRule(_range(d), reason=d.get("reason"))),
    "activity_minutes_per_week": (
        ActivitySchema,
        lambda d: ActivityMinutesRule(_range(d), reason=d.get("reason")),
    ),
    "postcode": (PostcodeSchema, lambda d: PostcodeRule(frozenset(d["districts"]), reason=d.get("reason"))),
    "pathway": (PathwaySchema, lambda d: PathwayRule(frozenset(d["any_of"]), reason=d.get("reason"))),
}
COMPOSITES = ("all", "any", "not")


def parse_rule(value: Any) -> Rule:
    """One rule from its mapping form; raises ValidationError shaped like the document."""
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ValidationError("A rule is a mapping with exactly one key, such as {age: {min: 16}} or {any: [...]}.")
    key, body = next(iter(value.items()))
    if key in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise ValidationError({key: ["Must be a non-empty list of rules."]})
        children: list[Rule] = []
        errors: dict[int, Any] = {}
        for index, child in enumerate(body):
            try:
                children.append(parse_rule(child))
            except ValidationError as error:
                errors[index] = error.messages
        if errors:
            raise ValidationError({key: errors})
        return AllOf(tuple(children)) if key == "all" else AnyOf(tuple(children))
    if key == "not":
        try:
            return Not(parse_rule(body))
        except ValidationError as error:
            raise ValidationError({"not": error.messages}) from None
    if key not in LEAVES:
        known = ", ".join([*COMPOSITES, *LEAVES])
        raise ValidationError({str(key): [f"Unknown rule. Known rules: {known}."]})
    schema_class, build = LEAVES[key]
    if not isinstance(body, Mapping):
        raise ValidationError({key: ["Must be a mapping, e.g. {min: 16}."]})
    try:
        return build(schema_class().load(body))
    except ValidationError as error:
        raise ValidationError({key: error.messages}) from None


class RuleListField(fields.Field[tuple[Rule, ...]]):
    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> tuple[Rule, ...]:
        if not isinstance(value, list) or not value:
            raise ValidationError("Must be a non-empty list of rules.")
        rules: list[Rule] = []
        errors: dict[int, Any] = {}
        for index, item in enumerate(value):
            try:
                rules.append(parse_rule(item))
            except ValidationError as error:
                errors[index] = error.messages
        if errors:
            raise ValidationError(errors)
        return tuple(rules)


class EligibilitySchema(StrictSchema):
    all_of = RuleListField(data_key="all")
    any_of = RuleListField(data_key="any")
    exclusions = RuleListField(data_key="exclude")
    evidence_max_age_days = fields.Dict(
        keys=fields.String(validate=validate.OneOf(sorted(fact.value for fact in DATED_FACTS))),
        values=fields.Integer(strict=True, validate=validate.Range(1, 3660)),
    )
    risk_levels = fields.List(
        fields.String(validate=validate.OneOf([level.value for level in RiskLevel])),
        required=True,
        validate=validate.Length(min=1),
    )

    @validates_schema
    def _one_inclusion_rule(self, data: Mapping[str, Any], **_: Any) -> None:
        if ("all_of" in data) == ("any_of" in data):
            raise ValidationError("Give exactly one of all or any: the rule a patient must pass.")

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Eligibility:
        include = AllOf(data["all_of"]) if "all_of" in data else AnyOf(data["any_of"])
        return Eligibility(
            include=include,
            exclude=data.get("exclusions", ()),
            evidence_max_age_days={Fact(k): v for k, v in (data.get("evidence_max_age_days") or {}).items()},
            risk_levels=frozenset(RiskLevel(level) for level in data["risk_levels"]),
        )


def load_eligibility(document: Mapping[str, Any]) -> Eligibility:
    """Rebuild rule objects from the document stored with a service (code sets already expanded)."""
    token = code_set_reader.set(None)
    try:
        result: Eligibility = EligibilitySchema().load(document)
    finally:
        code_set_reader.reset(token)
    return result


def rule_document(rule: Rule) -> dict[str, Any]:
    """The mapping form of a rule: the directory file's syntax, with code sets expanded."""
    if isinstance(rule, AllOf):
        return {"all": [rule_document(child) for child in rule.rules]}
    if isinstance(rule, AnyOf):
        return {"any": [rule_document(child) for child in rule.rules]}
    if isinstance(rule, Not):
        return {"not": rule_document(rule.rule)}
    body: dict[str, Any]
    match rule:
        case AgeRule(bounds=b) | BmiRule(bounds=b) | RestingHeartRateRule(bounds=b) | ActivityMinutesRule(bounds=b):
            body = {k: v for k, v in (("min", b.min), ("max", b.max)) if v is not None}
        case SexRule():
            body = {"in": sorted(rule.allowed)}
        case ConditionRule():
            body = {"any_of": sorted(rule.codes, key=int)}
            if rule.code_set:
                body["code_set"] = rule.code_set
        case BloodPressureRule():
            limits = ("systolic_min", "diastolic_min", "systolic_max", "diastolic_max")
            body = {k: getattr(rule, k) for k in limits if getattr(rule, k) is not None}
        case PostcodeRule():
            body = {"districts": sorted(rule.districts)}
        case PathwayRule():
            body = {"any_of": sorted(rule.tokens)}
    if rule.reason:
        body["reason"] = rule.reason
    return {rule.fact.value: body}


def eligibility_document(eligibility: Eligibility) -> dict[str, Any]:
    include_key = "all" if isinstance(eligibility.include, AllOf) else "any"
    document: dict[str, Any] = {
        include_key: [rule_document(rule) for rule in eligibility.include.rules],
        "risk_levels": sorted(level.value for level in eligibility.risk_levels),
    }
    if eligibility.exclude:
        document["exclude"] = [rule_document(rule) for rule in eligibility.exclude]
    if eligibility.evidence_max_age_days:
        document["evidence_max_age_days"] = {
            fact.value: days for fact, days in sorted(eligibility.evidence_max_age_days.items())
        }
    return document
