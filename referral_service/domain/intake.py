"""A referral as the service reads it from whatever FHIR shape it arrived in: plain typed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from referral_service.domain.referral import Priority


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str | None = None

    @property
    def token(self) -> str:
        return f"{self.system}|{self.code}"


@dataclass(frozen=True)
class PatientDetails:
    nhs_number: str | None
    nhs_number_verification: str | None
    given_name: str | None
    family_name: str | None
    birth_date: date | None
    sex: str | None
    postcode: str | None
    ethnicity_code: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class Measurement:
    """One observation triage can read: `value` (and `second_value`, the diastolic for BP), and when."""

    kind: str  # a rules.Fact value: bmi, blood_pressure, resting_heart_rate, activity_minutes_per_week
    value: float | None
    observed_on: date | None
    second_value: float | None = None


@dataclass(frozen=True)
class ConditionEvidence:
    code: str  # SNOMED CT concept id
    recorded_on: date | None


@dataclass(frozen=True)
class IncomingReferral:
    """Everything intake needs from a new referral, and the bytes exactly as the sender sent them."""

    patient: PatientDetails
    sender_ods: str | None
    authored_at: datetime
    priority: Priority
    pathway: Coding | None
    use_case: str | None
    identifier: tuple[str, str] | None  # (system, value) of ServiceRequest.identifier
    conditions: tuple[ConditionEvidence, ...]
    measurements: tuple[Measurement, ...]
    payload: bytes
    payload_format: str  # "ServiceRequest" or "Bundle"
    request_id: str
    correlation_id: str
    bundle_id: str | None = None
    source_endpoint: str | None = None
    preferences: tuple[str, ...] = field(default=())  # the services the referrer asks for (performer)
    contact_consent: bool | None = None  # the referral's Consent: True given, False refused, None absent
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class IncomingCancellation:
    """A referrer withdrawing a referral: which one, how it is now marked, and why."""

    status: str  # "revoked" or "entered-in-error"
    referral_id: str | None  # our ServiceRequest id, when the sender gives it
    identifier: tuple[str, str] | None
    reason: str | None
    request_id: str
    correlation_id: str
    nhs_number: str | None


@dataclass(frozen=True)
class IncomingFacts:
    """New facts about a referral from the practice that sent it: an `update` message, or its answer
    (a Communication) to a link worker's question. `sent_at` is when the sender made it (Bundle or
    ServiceRequest `meta.lastUpdated`, `Communication.sent`): older than what we hold is stale."""

    kind: str  # "update" or "answer"
    referral_id: str | None  # our ServiceRequest id, when the sender gives it
    identifier: tuple[str, str] | None
    sent_at: datetime | None
    conditions: tuple[ConditionEvidence, ...]
    measurements: tuple[Measurement, ...]
    request_id: str
    correlation_id: str
    nhs_number: str | None = None
    answer: str | None = None  # the referrer's own words
    question: str | None = None  # the CommunicationRequest (our question) it answers
