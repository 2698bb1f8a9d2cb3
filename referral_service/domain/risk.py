"""Risk stratification (low, medium, high) for exercise-based services.

UK exercise referral practice (domain.md §3.4): the Irwin & Morgan tool sends low and medium risk to
Level 3 leisure schemes and high risk to Level 4 specialists or clinical services; ACSM's older
strata supply the risk factors. Here:

- high: known cardiovascular disease (coronary heart disease, MI, heart failure, atrial
  fibrillation, stroke), resting blood pressure of 160/100 or more, or BMI of 40 or more;
- medium: a long-term condition (diabetes, hypertension, COPD, asthma, depression, anxiety,
  musculoskeletal), or two or more ACSM risk factors (men 45+ or women 55+, BMI 30+, BP 140/90+);
- low: neither.

A missing fact is never assumed to be good: the assessment also gives the worst level the missing
facts could mean, and a service that would not take that level cannot be chosen without a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from referral_service.domain.facts import PatientFacts
from referral_service.domain.referral import RiskLevel

CARDIOVASCULAR_DISEASE = frozenset(
    {
        "414545008",  # ischaemic heart disease
        "53741008",  # coronary arteriosclerosis
        "22298006",  # myocardial infarction
        "399211009",  # history of myocardial infarction
        "84114007",  # heart failure
        "49436004",  # atrial fibrillation
        "230690007",  # stroke
        "4557003",  # unstable angina
    }
)
LONG_TERM_CONDITIONS = frozenset(
    {
        "44054006",  # type 2 diabetes
        "46635009",  # type 1 diabetes
        "38341003",  # hypertension
        "13645005",  # COPD
        "195967001",  # asthma
        "35489007",  # depressive disorder
        "197480006",  # anxiety disorder
        "396275006",  # osteoarthritis
        "69896004",  # rheumatoid arthritis
        "64859006",  # osteoporosis
    }
)
ORDER = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


@dataclass(frozen=True)
class RiskAssessment:
    level: RiskLevel  # from what is known
    worst_case: RiskLevel  # if every missing fact were bad
    reasons: tuple[str, ...]
    missing: tuple[str, ...]

    def to_document(self) -> dict[str, object]:
        return {
            "level": self.level.value,
            "worst_case": self.worst_case.value,
            "reasons": list(self.reasons),
            "missing": list(self.missing),
        }


def _higher(a: RiskLevel, b: RiskLevel) -> RiskLevel:
    return a if ORDER[a] >= ORDER[b] else b


def stratify(facts: PatientFacts) -> RiskAssessment:
    reasons: list[str] = []
    missing: list[str] = []
    level = RiskLevel.LOW
    worst = RiskLevel.LOW
    cardiovascular = sorted(set(facts.conditions) & CARDIOVASCULAR_DISEASE)
    if cardiovascular:
        level = RiskLevel.HIGH
        reasons.append("known cardiovascular disease (" + ", ".join(cardiovascular) + ")")
    bp = facts.measurements.get("blood_pressure")
    bmi = facts.measurements.get("bmi")
    systolic, diastolic = (bp.value, bp.second) if bp else (None, None)
    if (systolic is not None and systolic >= 160) or (diastolic is not None and diastolic >= 100):
        level = RiskLevel.HIGH
        reasons.append(f"resting BP {systolic or '?'}/{diastolic or '?'} mmHg (160/100 or more)")
    elif systolic is None and diastolic is None:
        missing.append("blood_pressure")
        worst = RiskLevel.HIGH
    if bmi is not None and bmi.value is not None and bmi.value >= 40:
        level = RiskLevel.HIGH
        reasons.append(f"BMI {bmi.value:g} (40 or more)")
    elif bmi is None or bmi.value is None:
        missing.append("bmi")
        worst = RiskLevel.HIGH
    if level is not RiskLevel.HIGH:
        long_term = sorted(set(facts.conditions) & LONG_TERM_CONDITIONS)
        factors = _risk_factors(facts)
        if long_term:
            level = RiskLevel.MEDIUM
            reasons.append("long-term condition (" + ", ".join(long_term) + ")")
        if len(factors) >= 2:
            level = RiskLevel.MEDIUM
            reasons.append("ACSM risk factors: " + "; ".join(factors))
        if facts.age is None:
            missing.append("age")
    if not reasons:
        reasons.append("no cardiovascular disease, long-term condition or two ACSM risk factors recorded")
    return RiskAssessment(level, _higher(level, worst), tuple(reasons), tuple(missing))


def _risk_factors(facts: PatientFacts) -> list[str]:
    factors = []
    age = facts.age
    if age is not None and ((facts.sex == "male" and age >= 45) or (facts.sex == "female" and age >= 55)):
        factors.append(f"{facts.sex} aged {age}")
    bmi = facts.measurements.get("bmi")
    if bmi is not None and bmi.value is not None and bmi.value >= 30:
        factors.append(f"BMI {bmi.value:g}")
    bp = facts.measurements.get("blood_pressure")
    if bp is not None and ((bp.value or 0) >= 140 or (bp.second or 0) >= 90):
        factors.append("BP 140/90 or more")
    return factors
