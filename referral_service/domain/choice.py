"""Choosing the service for a referral, explainably: assess every candidate, then rank the eligible.

A candidate is a listed service whose pathway answers the referral. It is eligible only when its
provider is accredited on the day, the patient lives in its catchment, its inclusion rule passes,
no exclusion passes, and it takes the patient's risk level (also in the worst case of any missing
facts). An exclusion that cannot be checked blocks only when it needs evidence the service lists in
`evidence_max_age_days` (what it relies on the referrer for); others are left, noted, to the
provider's own assessment. Eligible services are ranked by a free place now, then the expected
wait, then the referral's stated preference (the service it names as performer), then name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from referral_service.domain.evaluation import Outcome, RuleResult, evaluate
from referral_service.domain.facts import PatientFacts
from referral_service.domain.referral import RiskLevel, UnmetDemandReason
from referral_service.domain.risk import RiskAssessment, stratify
from referral_service.domain.rules import Eligibility

SELF_REFERRAL_REFUSED = "the service takes referrals from professionals, not self-referrals"


@dataclass(frozen=True)
class ServiceProfile:
    """A service as triage sees it on the day: rules, catchment, and the room it has now."""

    slug: str
    name: str
    pathway: str
    districts: frozenset[str]
    eligibility: Eligibility
    accredited: bool
    has_room: bool
    takes_waitlist: bool
    waiting: int = 0
    places: int = 0
    aliases: frozenset[str] = frozenset()  # ids and names a referral may use to ask for it (lower case)
    takes_self_referral: bool = False  # the directory's `self_referral: true`: people may refer themselves

    def preferred_by(self, facts: PatientFacts) -> bool:
        return bool(facts.preferences & (self.aliases | {self.slug, self.name.lower()}))


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    EXCLUDED = "excluded"  # an exclusion passed: the referrer is told why
    INELIGIBLE = "ineligible"
    UNKNOWN = "unknown"  # a person must decide; the missing facts say what would settle it


@dataclass(frozen=True)
class Assessment:
    service: str
    verdict: Verdict
    reasons: tuple[str, ...]
    missing: frozenset[str]
    include: RuleResult | None = None
    exclusions: tuple[RuleResult, ...] = ()

    def to_document(self) -> dict[str, object]:
        return {
            "service": self.service,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "missing": sorted(self.missing),
            "include": self.include.to_document() if self.include else None,
            "exclusions": [result.to_document() for result in self.exclusions],
        }


# How many services besides the chosen one an explanation names (the rest are counted by reason):
# more than any pathway of the demo directory has (8), so its explanations are whole.
EXPLAINED = 10
_NEAREST = {Verdict.ELIGIBLE: 0, Verdict.UNKNOWN: 1, Verdict.EXCLUDED: 2, Verdict.INELIGIBLE: 3}


class Route(StrEnum):
    OFFER = "offer"
    WAITLIST = "waitlist"
    LINK_WORKER = "link-worker"


@dataclass(frozen=True)
class Decision:
    route: Route
    service: str | None
    risk: RiskAssessment
    assessments: tuple[Assessment, ...]
    reasons: tuple[str, ...]
    missing: frozenset[str] = field(default_factory=frozenset)
    unmet: UnmetDemandReason | None = None
    left_out: Mapping[str, int] = field(default_factory=dict)  # services not assessed, by reason

    def summary(self) -> str:
        target = f" {self.service}" if self.service else ""
        return f"{self.route.value}{target}: " + "; ".join(self.reasons)

    def to_document(self) -> dict[str, object]:
        """What is stored with the referral: bounded however large the directory (the chosen service,
        the nearest alternatives, and how many others there were for each reason)."""
        shown, left_out = self._explained()
        document: dict[str, object] = {
            "route": self.route.value,
            "service": self.service,
            "summary": self.summary(),
            "risk": self.risk.to_document(),
            "missing": sorted(self.missing),
            "unmet": self.unmet.value if self.unmet else None,
            "assessments": [assessment.to_document() for assessment in shown],
        }
        if left_out:
            document["left_out"] = left_out
        return document

    def _explained(self) -> tuple[list[Assessment], dict[str, int]]:
        left_out = dict(self.left_out)
        if len(self.assessments) <= EXPLAINED + 1:
            return list(self.assessments), left_out
        ranked = sorted(
            range(len(self.assessments)),
            key=lambda i: (self.assessments[i].service != self.service, _NEAREST[self.assessments[i].verdict], i),
        )
        keep = set(ranked[: EXPLAINED + 1])
        for i in ranked[EXPLAINED + 1 :]:
            label = f"also {self.assessments[i].verdict.value}"
            left_out[label] = left_out.get(label, 0) + 1
        return [a for i, a in enumerate(self.assessments) if i in keep], left_out


def _risk_outcome(risk: RiskAssessment, accepted: frozenset[RiskLevel]) -> Outcome:
    if risk.level not in accepted:
        return Outcome.FAIL
    return Outcome.PASS if risk.worst_case in accepted else Outcome.UNKNOWN


def assess(facts: PatientFacts, profile: ServiceProfile, risk: RiskAssessment) -> Assessment:
    """Every check for one service, each with its reason, so nobody has to guess why not."""
    rules = profile.eligibility
    if not profile.accredited:
        return Assessment(
            profile.slug, Verdict.INELIGIBLE, ("the provider's accreditation is not valid today",), frozenset()
        )
    if facts.self_referred and not profile.takes_self_referral:
        return Assessment(profile.slug, Verdict.INELIGIBLE, (SELF_REFERRAL_REFUSED,), frozenset())
    reasons: list[str] = []
    missing: set[str] = set()
    unknown = False
    if facts.district is None:
        unknown = True
        missing.add("postcode")
        reasons.append("postcode unknown: catchment cannot be checked")
    elif facts.district not in profile.districts:
        return Assessment(
            profile.slug, Verdict.INELIGIBLE, (f"{facts.district} is outside the catchment",), frozenset()
        )
    include = evaluate(rules.include, facts, rules.evidence_max_age_days)
    exclusions = tuple(evaluate(rule, facts, rules.evidence_max_age_days) for rule in rules.exclude)
    passed = [result for result in exclusions if result.outcome is Outcome.PASS]
    if passed:
        why = tuple(result.reason or result.rule for result in passed)
        return Assessment(profile.slug, Verdict.EXCLUDED, why, frozenset(), include, exclusions)
    risk_outcome = _risk_outcome(risk, rules.risk_levels)
    accepted = ", ".join(sorted(level.value for level in rules.risk_levels))
    if risk_outcome is Outcome.FAIL:
        return Assessment(
            profile.slug,
            Verdict.INELIGIBLE,
            (f"{risk.level.value} risk; this service takes {accepted}",),
            frozenset(),
            include,
            exclusions,
        )
    if risk_outcome is Outcome.UNKNOWN:
        unknown = True
        missing |= set(risk.missing)
        reasons.append(f"risk could be {risk.worst_case.value} without {', '.join(risk.missing)}; takes {accepted}")
    if include.outcome is Outcome.FAIL:
        return Assessment(
            profile.slug, Verdict.INELIGIBLE, ("does not meet: " + include.rule,), frozenset(), include, exclusions
        )
    if include.outcome is Outcome.UNKNOWN:
        unknown = True
        missing |= include.missing_facts()
        reasons.append("cannot tell without: " + ", ".join(sorted(include.missing_facts())))
    required = {fact.value for fact in rules.evidence_max_age_days}
    unchecked = {fact for result in exclusions if result.outcome is Outcome.UNKNOWN for fact in result.missing_facts()}
    if unchecked & required:
        # The service names this evidence as what it relies on: an exclusion it cannot check blocks.
        unknown = True
        missing |= unchecked & required
        reasons.append("cannot rule out an exclusion without recent: " + ", ".join(sorted(unchecked & required)))
    if unknown:
        return Assessment(profile.slug, Verdict.UNKNOWN, tuple(reasons), frozenset(missing), include, exclusions)
    notes = ["meets the inclusion rule"]
    if unchecked:  # evidence the service does not require: its own assessment will check it
        notes.append("exclusions not checked for want of: " + ", ".join(sorted(unchecked)))
    return Assessment(profile.slug, Verdict.ELIGIBLE, tuple(notes), frozenset(), include, exclusions)


def assess_all(facts: PatientFacts, profiles: Sequence[ServiceProfile], risk: RiskAssessment) -> tuple[Assessment, ...]:
    """`assess` for every service, in order. Services holding the very same rules object that
    differ in nothing else `assess` reads (accreditation, self-referral, whether the patient's
    district is in the catchment) are judged once and the verdict is copied under each slug: a
    region's many copies of one commissioned specification cost one evaluation, not one each."""
    district = facts.district
    judged: dict[tuple[int, bool, bool, bool], Assessment] = {}
    found: list[Assessment] = []
    for profile in profiles:
        key = (
            id(profile.eligibility),  # alive for the whole call: every profile holds its rules
            profile.accredited,
            profile.takes_self_referral,
            district is not None and district in profile.districts,
        )
        same = judged.get(key)
        if same is None:
            same = judged[key] = assess(facts, profile, risk)
        if same.service != profile.slug:  # the constructor: dataclasses.replace costs twice as much
            same = Assessment(profile.slug, same.verdict, same.reasons, same.missing, same.include, same.exclusions)
        found.append(same)
    return tuple(found)


def _expected_wait(profile: ServiceProfile) -> float:
    return profile.waiting / profile.places if profile.places else float("inf")


def _bounded(reasons: Sequence[str]) -> tuple[str, ...]:
    """At most EXPLAINED reasons, and how many more there were."""
    if len(reasons) <= EXPLAINED:
        return tuple(reasons)
    return (*reasons[:EXPLAINED], f"and {len(reasons) - EXPLAINED} more services")


def decide(
    facts: PatientFacts,
    candidates: Iterable[ServiceProfile],
    *,
    passed_over: Sequence[str] = (),
    left_out: Mapping[str, int] | None = None,
) -> Decision:
    """The route for a referral: an offer, a waiting list, or a person (the link worker).

    `passed_over` are services that already declined or let the offer expire: never chosen again.
    `left_out`: services the directory query did not hand over, counted by reason (kept with the
    explanation).
    """
    return replace(_decide(facts, candidates, passed_over), left_out=dict(left_out or {}))


def _decide(facts: PatientFacts, candidates: Iterable[ServiceProfile], passed_over: Sequence[str]) -> Decision:
    risk = stratify(facts)
    profiles = [profile for profile in candidates if profile.slug not in passed_over]
    if facts.pathway is None:
        return Decision(
            Route.LINK_WORKER,
            None,
            risk,
            (),
            ("what is requested is unknown",),
            frozenset({"pathway"}),
            UnmetDemandReason.NEEDS_REVIEW,
        )
    assessments = assess_all(facts, profiles, risk)
    by_slug = {profile.slug: profile for profile in profiles}
    eligible = [by_slug[a.service] for a in assessments if a.verdict is Verdict.ELIGIBLE]
    if eligible:
        ranked = sorted(
            eligible, key=lambda p: (not p.has_room, _expected_wait(p), not p.preferred_by(facts), p.name, p.slug)
        )
        best = ranked[0]
        if best.has_room:
            return Decision(Route.OFFER, best.slug, risk, assessments, (f"eligible, with a place now at {best.name}",))
        waiting = [p for p in ranked if p.takes_waitlist]
        if waiting:
            return Decision(
                Route.WAITLIST,
                waiting[0].slug,
                risk,
                assessments,
                (f"eligible, no place now; shortest expected wait at {waiting[0].name}",),
                unmet=UnmetDemandReason.NO_CAPACITY,
            )
        return Decision(
            Route.LINK_WORKER,
            None,
            risk,
            assessments,
            ("eligible services are full and keep no waiting list",),
            unmet=UnmetDemandReason.NO_CAPACITY,
        )
    unknown = [a for a in assessments if a.verdict is Verdict.UNKNOWN]
    if unknown:
        missing = frozenset().union(*(a.missing for a in unknown))
        reasons = _bounded([f"{a.service}: {'; '.join(a.reasons)}" for a in unknown])
        return Decision(Route.LINK_WORKER, None, risk, assessments, reasons, missing, UnmetDemandReason.NEEDS_REVIEW)
    excluded = [a for a in assessments if a.verdict is Verdict.EXCLUDED]
    if excluded:
        reasons = _bounded(list(dict.fromkeys(reason for a in excluded for reason in a.reasons)))
        return Decision(Route.LINK_WORKER, None, risk, assessments, reasons, unmet=UnmetDemandReason.EXCLUDED)
    why = (
        ("no service for this pathway",)
        if not assessments
        else _bounded([f"{a.service}: {'; '.join(a.reasons)}" for a in assessments])
    )
    return Decision(Route.LINK_WORKER, None, risk, assessments, why, unmet=UnmetDemandReason.NO_ELIGIBLE_SERVICE)
