"""A person referring themselves: the readiness questions they answer, and their answers read into
the same `IncomingReferral` a GP system's message becomes, so triage, places and the lifecycle
are the ones every referral goes through."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from referral_service.domain.directory import ServiceCategory
from referral_service.domain.intake import Coding, IncomingReferral, Measurement, PatientDetails
from referral_service.domain.referral import Priority

PAYLOAD_FORMAT = "self-referral-form"
MIN_SECONDS = 3  # a person takes longer than this to fill the form in; a script does not


@dataclass(frozen=True)
class ReadinessQuestion:
    key: str
    text: str
    reason: str  # why a "yes" needs a person to look first, in words a link worker reads


# The PAR-Q+ (2023) general health questions, as the form asks them.
PAR_Q_PLUS: tuple[ReadinessQuestion, ...] = (
    ReadinessQuestion(
        "heart",
        "Has your doctor ever said that you have a heart condition or high blood pressure?",
        "a heart condition or high blood pressure",
    ),
    ReadinessQuestion(
        "chest_pain",
        "Do you feel pain in your chest at rest, during your daily activities, or when you do physical activity?",
        "chest pain",
    ),
    ReadinessQuestion(
        "dizziness",
        "Do you lose balance because of dizziness, or have you lost consciousness in the last 12 months?",
        "dizziness or losing consciousness",
    ),
    ReadinessQuestion(
        "other_condition",
        "Have you ever been diagnosed with another long-term medical condition (other than heart disease or"
        " high blood pressure)?",
        "another long-term medical condition",
    ),
    ReadinessQuestion(
        "medication",
        "Are you currently taking prescribed medicines for a long-term medical condition?",
        "prescribed medicines for a long-term condition",
    ),
    ReadinessQuestion(
        "joints",
        "Do you have (or have you had in the last 12 months) a bone, joint or muscle problem that could be made"
        " worse by becoming more physically active?",
        "a bone, joint or muscle problem",
    ),
    ReadinessQuestion(
        "supervised",
        "Has your doctor ever said that you should only do medically supervised physical activity?",
        "a doctor's advice to exercise only under medical supervision",
    ),
)

ACTIVE_CATEGORIES = frozenset(
    {ServiceCategory.PHYSICAL_ACTIVITY, ServiceCategory.FALLS_PREVENTION, ServiceCategory.CARDIAC_REHAB}
)


def asks_readiness(category: ServiceCategory) -> bool:
    """Services that get people moving ask the PAR-Q+ questions before anyone starts."""
    return category in ACTIVE_CATEGORIES


def clearance_reason(answers: Mapping[str, bool]) -> str | None:
    """Why a link worker must look before a place is offered, or None when every answer is no.

    PAR-Q+ says anyone answering yes to a general health question needs further checks (its
    follow-up questions, or clearance from a doctor or qualified exercise professional) before
    becoming more active: a person, not triage, decides that."""
    said_yes = [question.reason for question in PAR_Q_PLUS if answers.get(question.key)]
    if not said_yes:
        return None
    return (
        "the person referred themselves and answered yes on the PAR-Q+ health questions ("
        + "; ".join(said_yes)
        + "): check whether they need clearance from their GP before exercise"
    )


def nhs_number_problem(value: str) -> str | None:
    """The NHS number's Modulus 11 check digit, so a mistyped one is caught while the person is here."""
    digits = "".join(value.split())
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return "Enter your NHS number as 10 digits"
    total = sum(int(digit) * (10 - index) for index, digit in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        return "Enter your NHS number as it is written on a letter from your GP, or leave it blank"
    return None


@dataclass(frozen=True)
class SelfReferral:
    """Everything the person told us on the form."""

    given_name: str
    family_name: str
    birth_date: date
    postcode: str
    service_slug: str
    practice_ods: str
    tell_gp: bool
    email: str | None = None
    mobile: str | None = None
    email_consent: bool = False
    sms_consent: bool = False
    nhs_number: str | None = None
    sex: str | None = None
    ethnicity_code: str | None = None
    readiness: Mapping[str, bool] = field(default_factory=dict)
    height_cm: float | None = None  # what the person says, to give triage a BMI
    weight_kg: float | None = None
    blood_pressure: tuple[int, int] | None = None  # a reading they know from the last year (a pharmacy's)

    def measurements(self, today: date) -> tuple[Measurement, ...]:
        """Their own figures as triage reads any measurement, dated today: without a BMI and a blood
        pressure triage cannot rule out high risk, and a person looks first."""
        found = []
        if self.height_cm and self.weight_kg:
            found.append(Measurement("bmi", round(self.weight_kg / (self.height_cm / 100) ** 2, 1), today))
        if self.blood_pressure is not None:
            systolic, diastolic = self.blood_pressure
            found.append(Measurement("blood_pressure", float(systolic), today, float(diastolic)))
        return tuple(found)

    def document(self) -> dict[str, object]:
        """The answers as stored: the referral's payload, kept as the person gave them."""
        values = asdict(self)
        values["birth_date"] = self.birth_date.isoformat()
        values["readiness"] = dict(self.readiness)
        values["blood_pressure"] = list(self.blood_pressure) if self.blood_pressure else None
        return values


def incoming_referral(
    answers: SelfReferral, *, pathway: Coding, now: datetime, request_id: str, correlation_id: str
) -> IncomingReferral:
    """The form as intake takes any referral: the chosen service as the preference on its pathway."""
    return IncomingReferral(
        patient=PatientDetails(
            nhs_number="".join(answers.nhs_number.split()) if answers.nhs_number else None,
            nhs_number_verification=None,
            given_name=answers.given_name,
            family_name=answers.family_name,
            birth_date=answers.birth_date,
            sex=answers.sex,
            postcode=answers.postcode.strip().upper(),
            ethnicity_code=answers.ethnicity_code,
            phone=answers.mobile,
            email=answers.email,
        ),
        sender_ods=answers.practice_ods,
        authored_at=now,
        priority=Priority.ROUTINE,
        pathway=pathway,
        use_case=None,
        identifier=None,
        conditions=(),
        measurements=answers.measurements(now.date()),
        payload=json.dumps({**answers.document(), "requested": pathway.token}, sort_keys=True).encode(),
        payload_format=PAYLOAD_FORMAT,
        request_id=request_id,
        correlation_id=correlation_id,
        preferences=(answers.service_slug,),
    )


@dataclass(frozen=True)
class SelfReferralAnswers:
    """What a provider or link worker reads of the form besides the patient's details."""

    readiness: tuple[tuple[str, bool], ...]  # (question, answered yes)
    tell_gp: bool


def answers_in(evidence: Mapping[str, object]) -> SelfReferralAnswers | None:
    """The self-referral's own answers, kept in the referral's evidence; None for a GP referral."""
    kept = evidence.get("self_referral")
    if not isinstance(kept, dict):
        return None
    readiness = kept.get("readiness") or {}
    asked = [(q.text, bool(readiness[q.key])) for q in PAR_Q_PLUS if isinstance(readiness, dict) and q.key in readiness]
    return SelfReferralAnswers(tuple(asked), bool(kept.get("tell_gp")))
