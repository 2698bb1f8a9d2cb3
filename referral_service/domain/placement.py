"""Placing by hand: every listed service judged for this patient, and what a person may do about it.

Triage's own assessment (`choice.assess`) does the judging; this module only sorts its outcome
into what a link worker may do, in words they can act on:

- eligible: every rule met; choose it;
- override: a rule not met, or not known, or outside the catchment or the pathway asked for; a
  person may still place, with a reason the provider and the referrer are shown;
- clinical: an exclusion applies (a contraindication such as "back to GP before exercise") or the
  patient's risk is more than the service takes; never overridden here, it goes back to the referrer;
- barred: the provider's accreditation is not valid today (or the provider is delisted); cannot be
  chosen at all.

Catchment and pathway are checked beside the assessment, not in place of it: the assessment is
made as if the patient lived in the catchment, so an exclusion is found even for someone outside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from referral_service.domain.choice import Assessment, ServiceProfile, Verdict, assess
from referral_service.domain.evaluation import Outcome, RuleResult
from referral_service.domain.facts import PatientFacts
from referral_service.domain.referral import RiskLevel
from referral_service.domain.risk import RiskAssessment, stratify

FACT_WORDS = {
    "bmi": "BMI",
    "blood_pressure": "blood pressure",
    "resting_heart_rate": "resting heart rate",
    "activity_minutes_per_week": "activity minutes a week",
    "condition": "recent conditions",
    "postcode": "postcode",
    "pathway": "what is asked for",
}
RISK_ORDER = ("low", "medium", "high")


class Standing(StrEnum):
    ELIGIBLE = "eligible"
    OVERRIDE = "override"
    CLINICAL = "clinical"
    BARRED = "barred"


HEADLINES = {
    Standing.ELIGIBLE: "Eligible",
    Standing.CLINICAL: "Clinical exclusion: goes back to the referrer",
    Standing.BARRED: "Cannot be chosen",
}


@dataclass(frozen=True)
class PlacementChoice:
    """One service as a link worker sees it for one patient: its result, room and catchment."""

    slug: str
    name: str
    provider: str
    standing: Standing
    headline: str  # "Eligible", "Rules not met", "Not known", ...
    findings: tuple[str, ...]  # which rules are not met, what is not known and why, in plain words
    has_room: bool
    places: int
    waiting: int
    takes_waitlist: bool
    catchment: tuple[str, ...]
    in_catchment: bool | None  # None when the patient's postcode is not known

    @property
    def choosable(self) -> bool:
        return self.standing in (Standing.ELIGIBLE, Standing.OVERRIDE)


def placement_choices(
    facts: PatientFacts,
    profiles: Iterable[ServiceProfile],
    *,
    providers: Mapping[str, str],
    passed_over: Sequence[str] = (),
) -> list[PlacementChoice]:
    """Every service judged for this patient: choosable ones first, those with a place now first."""
    risk = stratify(facts)
    choices = [_choice(facts, profile, risk, providers.get(profile.slug, ""), passed_over) for profile in profiles]
    order = list(Standing)
    return sorted(choices, key=lambda c: (order.index(c.standing), not c.has_room, c.name, c.slug))


def _choice(
    facts: PatientFacts, profile: ServiceProfile, risk: RiskAssessment, provider: str, passed_over: Sequence[str]
) -> PlacementChoice:
    in_catchment = None if facts.district is None else facts.district in profile.districts
    as_if_local = replace(profile, districts=profile.districts | {facts.district}) if facts.district else profile
    assessment = assess(facts, as_if_local, risk)
    standing, headline, findings = _judged(profile, risk, assessment)
    if standing is Standing.ELIGIBLE or standing is Standing.OVERRIDE:
        other_pathway = facts.pathway is not None and profile.pathway != facts.pathway
        beside = _beside(facts, in_catchment, other_pathway, profile.slug in passed_over)
        if beside and standing is Standing.ELIGIBLE:
            standing = Standing.OVERRIDE
            headline = (
                "Rules not met"
                if in_catchment is False or other_pathway
                else ("Not known" if in_catchment is None else "Declined before")
            )
        findings = (*findings, *beside)
    return PlacementChoice(
        slug=profile.slug,
        name=profile.name,
        provider=provider,
        standing=standing,
        headline=headline,
        findings=findings,
        has_room=profile.has_room,
        places=profile.places,
        waiting=profile.waiting,
        takes_waitlist=profile.takes_waitlist,
        catchment=tuple(sorted(profile.districts, key=_district_order)),
        in_catchment=in_catchment,
    )


def _judged(
    profile: ServiceProfile, risk: RiskAssessment, assessment: Assessment
) -> tuple[Standing, str, tuple[str, ...]]:
    """The standing, its headline and its findings, from triage's assessment of the service."""
    if not profile.accredited:
        return Standing.BARRED, HEADLINES[Standing.BARRED], ("Its provider's accreditation is not valid today.",)
    if assessment.verdict is Verdict.EXCLUDED:
        reasons = tuple(f"Exclusion applies: {reason}." for reason in assessment.reasons)
        return Standing.CLINICAL, HEADLINES[Standing.CLINICAL], reasons
    accepted = _levels(profile.eligibility.risk_levels)
    if risk.level not in profile.eligibility.risk_levels:
        why = f"The patient's risk is {risk.level.value}; this service takes {accepted} risk only."
        return Standing.CLINICAL, HEADLINES[Standing.CLINICAL], (why,)
    if assessment.verdict is Verdict.ELIGIBLE:
        return Standing.ELIGIBLE, HEADLINES[Standing.ELIGIBLE], ()
    findings: list[str] = []
    if assessment.include is not None and assessment.include.outcome is Outcome.FAIL:
        findings.append("Not met: " + "; ".join(_failed(assessment.include)) + ".")
    missing = assessment.missing - {"postcode"}  # the catchment is said beside
    if missing:
        findings.append("Cannot tell without: " + _words(missing) + ".")
        if risk.worst_case not in profile.eligibility.risk_levels:
            findings.append(f"Risk could be {risk.worst_case.value}; this service takes {accepted} risk only.")
    headline = "Rules not met" if assessment.verdict is Verdict.INELIGIBLE else "Not known"
    return Standing.OVERRIDE, headline, tuple(findings)


def _beside(facts: PatientFacts, in_catchment: bool | None, other_pathway: bool, passed_over: bool) -> list[str]:
    """What the assessment does not check: catchment, the pathway asked for, an earlier refusal."""
    found = []
    if in_catchment is None:
        found.append("The patient's postcode is not known, so the catchment cannot be checked.")
    elif not in_catchment:
        found.append(f"The patient lives in {facts.district}, outside its area.")
    if other_pathway:
        found.append("It is for a different need from the one the referrer asked for.")
    if passed_over:
        found.append("It has already declined this referral or let its offer lapse.")
    return found


def _failed(result: RuleResult) -> list[str]:
    """The rules that were not met, leaf by leaf, in words (no code-set names, no dates)."""
    if result.children and result.rule in ("all of", "any of"):
        failed = [child for child in result.children if child.outcome is Outcome.FAIL]
        return [text for child in failed for text in _failed(child)]
    if result.rule == "not" and result.children:
        return ["not " + "; ".join(_plain(child) for child in result.children)]
    return [_plain(result)]


def _plain(result: RuleResult) -> str:
    text = re.sub(r" \(code set [^)]*\)", "", result.rule)
    if text.startswith("referred for "):
        return "referred for what this service is for"
    if result.evidence:
        evidence = re.sub(r" on \d{4}-\d{2}-\d{2}", "", result.evidence).replace("_", " ")
        text += f" (found: {evidence})"
    return text


def _district_order(district: str) -> tuple[str, int, str]:
    """SK1, SK2, ... SK12, not SK1, SK12, SK2."""
    found = re.fullmatch(r"([A-Z]+)(\d+)(.*)", district)
    return (found.group(1), int(found.group(2)), found.group(3)) if found else (district, 0, "")


def _words(facts: Iterable[str]) -> str:
    return ", ".join(sorted(FACT_WORDS.get(fact, fact.replace("_", " ")) for fact in facts))


def _levels(levels: Iterable[RiskLevel]) -> str:
    return " or ".join(sorted((level.value for level in levels), key=RISK_ORDER.index))
