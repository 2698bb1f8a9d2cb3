"""The words people read for the service's codes: one place, so no page shows a slug, a SNOMED code,
a field name or an ISO date, and a new code without words fails `tests/domain/test_wording.py`.

Stored reasons (triage's, a provider's decline, a link worker's) are kept as written, because the
FHIR API and the audit trail carry them; `reword` turns one into plain English when it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from referral_service.domain.access import UserRole
from referral_service.domain.choice import Route, Verdict
from referral_service.domain.clock import UK_TIME
from referral_service.domain.events import EventType, MessageKind
from referral_service.domain.lifecycle import BusinessStatus
from referral_service.domain.progress import (
    AttendanceStatus,
    ContactMethod,
    ContactOutcome,
    OutcomeInstrument,
    OutcomeTimepoint,
)
from referral_service.domain.referral import Priority, RiskLevel, UnmetDemandReason
from referral_service.domain.rules import Fact

FACTS: Mapping[str, str] = {
    Fact.AGE: "age",
    Fact.SEX: "sex",
    Fact.CONDITION: "recent conditions",
    Fact.BMI: "BMI",
    Fact.BLOOD_PRESSURE: "blood pressure",
    Fact.RESTING_HEART_RATE: "resting heart rate",
    Fact.ACTIVITY_MINUTES_PER_WEEK: "activity minutes a week",
    Fact.POSTCODE: "postcode",
    Fact.PATHWAY: "what is asked for",
}
ROLES: Mapping[str, str] = {
    UserRole.PROVIDER: "provider",
    UserRole.LINK_WORKER: "link worker",
    UserRole.COMMISSIONER: "commissioner",
    UserRole.ADMIN: "administrator",
}
STAGES: Mapping[str, str] = {
    BusinessStatus.TRIAGE: "Being triaged",
    BusinessStatus.OFFERED: "Offered, waiting for an answer",
    BusinessStatus.WAITLISTED: "On the waiting list",
    BusinessStatus.LINK_WORKER: "With a link worker",
    BusinessStatus.ACCEPTED: "Accepted, not yet contacted",
    BusinessStatus.DECLINED: "Closed: no service can take it",
    BusinessStatus.EVENT_SCHEDULED: "Contacted",
    BusinessStatus.EVENT_COMPLETED: "Attending sessions",
    BusinessStatus.EVENT_UNATTENDED: "Missed a session",
    BusinessStatus.CANCELLED: "Cancelled",
    BusinessStatus.COMPLETED: "Completed",
    BusinessStatus.DROPPED_OUT: "Dropped out",
}
ROUTES: Mapping[str, str] = {
    Route.OFFER: "Offered a place",
    Route.WAITLIST: "Put on a waiting list",
    Route.LINK_WORKER: "Sent to a link worker",
}
VERDICTS: Mapping[str, str] = {
    Verdict.ELIGIBLE: "eligible",
    Verdict.EXCLUDED: "excluded for a clinical reason",
    Verdict.INELIGIBLE: "not eligible",
    Verdict.UNKNOWN: "cannot tell yet",
}
RISK_LEVELS: Mapping[str, str] = {RiskLevel.LOW: "low", RiskLevel.MEDIUM: "medium", RiskLevel.HIGH: "high"}
PRIORITIES: Mapping[str, str] = {
    Priority.ROUTINE: "routine",
    Priority.URGENT: "urgent",
    Priority.ASAP: "as soon as possible",
    Priority.STAT: "immediately",
}
# Why a referral sits in the link-worker queue, or why no service took it (the gaps report).
UNMET: Mapping[str, str] = {
    UnmetDemandReason.NO_ELIGIBLE_SERVICE: "No listed service offers what was asked for to this patient",
    UnmetDemandReason.NO_CAPACITY: "Every suitable service is full",
    UnmetDemandReason.EXCLUDED: "A clinical exclusion applies at every suitable service",
    UnmetDemandReason.NEEDS_REVIEW: "Facts are missing, so a person must decide",
}
# A provider's reason for declining (the codes are `services.offers.DECLINE_REASONS`).
DECLINES: Mapping[str, str] = {
    "no-capacity": "The provider has no place for the patient",
    "out-of-area": "The patient lives outside the area the provider covers",
    "not-eligible": "The patient does not meet the provider's criteria",
    "missing-information": "The referral is missing information the provider needs",
    "patient-declined": "The patient did not want to take part",
    "uncontactable": "The provider could not reach the patient",
    "other": "Another reason (see the provider's note)",
}
CONTACT_METHODS: Mapping[str, str] = {
    ContactMethod.PHONE: "Phone",
    ContactMethod.SMS: "Text message",
    ContactMethod.EMAIL: "Email",
    ContactMethod.LETTER: "Letter",
    ContactMethod.IN_PERSON: "In person",
}
CONTACT_OUTCOMES: Mapping[str, str] = {
    ContactOutcome.REACHED: "Reached",
    ContactOutcome.NO_ANSWER: "No answer",
    ContactOutcome.LEFT_MESSAGE: "Left message",
    ContactOutcome.WRONG_NUMBER: "Wrong number",
    ContactOutcome.DECLINED: "Declined",
}
ATTENDANCE: Mapping[str, str] = {
    AttendanceStatus.ATTENDED: "Attended",
    AttendanceStatus.DNA: "Did not attend",
    AttendanceStatus.CANCELLED: "Cancelled by the service",
}
INSTRUMENTS: Mapping[str, str] = {
    OutcomeInstrument.ONS4: "Personal wellbeing (ONS4)",
    OutcomeInstrument.SWEMWBS: "Mental wellbeing (SWEMWBS)",
    OutcomeInstrument.ACTIVITY_MINUTES: "Activity (minutes a week)",
    OutcomeInstrument.WEIGHT: "Weight (kg)",
    OutcomeInstrument.BMI: "BMI",
    OutcomeInstrument.BLOOD_PRESSURE: "Blood pressure",
}
TIMEPOINTS: Mapping[str, str] = {
    OutcomeTimepoint.START: "At the start",
    OutcomeTimepoint.END: "At the end",
    OutcomeTimepoint.FOLLOW_UP: "At follow up",
}
# As the referrer's system names them, so the portal and the message log read the same.
MESSAGE_KINDS: Mapping[str, str] = {kind: kind.value.replace("-", " ").capitalize() for kind in MessageKind}
# Equity tables: labels the report model keeps (and its CSV carries), as a page says them.
EQUITY_WORDS: Mapping[str, str] = {
    "IMD quintile": "Deprivation (Index of Multiple Deprivation)",
    "Q1 (most deprived)": "Most deprived fifth",
    "Q2": "Second most deprived fifth",
    "Q3": "Middle fifth",
    "Q4": "Second least deprived fifth",
    "Q5 (least deprived)": "Least deprived fifth",
    "female": "Female",
    "male": "Male",
    "other": "Other",
    "unknown": "Not known",
}
# SNOMED CT concepts the demo directory and the risk rules use, by what a clinician calls them.
CONDITIONS: Mapping[str, str] = {
    "414545008": "ischaemic heart disease",
    "53741008": "coronary arteriosclerosis",
    "22298006": "heart attack",
    "399211009": "history of heart attack",
    "84114007": "heart failure",
    "49436004": "atrial fibrillation",
    "230690007": "stroke",
    "4557003": "unstable angina",
    "44054006": "type 2 diabetes",
    "46635009": "type 1 diabetes",
    "38341003": "high blood pressure",
    "13645005": "COPD",
    "195967001": "asthma",
    "35489007": "depression",
    "197480006": "anxiety",
    "396275006": "osteoarthritis",
    "69896004": "rheumatoid arthritis",
    "64859006": "osteoporosis",
    "129839007": "at risk of falls",
    "77386006": "pregnancy",
    "390893007": "physical activity programme",
    "871731000000106": "social prescribing",
    "837111000000105": "residential weight management programme",
    "771491000000104": "local authority weight management programme",
}

# Words the rules' own descriptions use that are codes of ours rather than English.
_CODES: Mapping[str, str] = {
    **FACTS,
    **{str(k): v.lower() for k, v in STAGES.items() if "-" in k},
    **{k: v.lower() for k, v in DECLINES.items()},
    **UNMET,
    **{str(e): str(e).replace("-", " ") for e in (*EventType, *MessageKind) if "-" in e},
    "link-worker": "a link worker",
}
_SLUG = re.compile(r"\b[a-z0-9]+(?:[-_][a-z0-9]+)+\b")
_CODE_IN_BRACKETS = re.compile(r"\s*\((\d{6,18})\)")
_CODE = re.compile(r"\b\d{6,18}\b")
_BMI = re.compile(r"\bbmi\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ISO_MONTH = re.compile(r"\b(20\d{2})-(0[1-9]|1[0-2])\b")


def reword(text: str | None, names: Mapping[str, str] = {}) -> str:
    """A stored reason in plain English: service and provider ids by name (from `names`), field
    names and codes in words, SNOMED codes as the condition, ISO dates as UK dates."""
    if not text:
        return ""
    text = _CODE_IN_BRACKETS.sub(lambda m: f" ({CONDITIONS[m.group(1)]})" if m.group(1) in CONDITIONS else "", text)
    text = _CODE.sub(lambda m: CONDITIONS.get(m.group(0), "a coded condition"), text)
    text = _ISO_DATE.sub(_iso_to_uk, text)
    text = _ISO_MONTH.sub(lambda m: f"{date(int(m.group(1)), int(m.group(2)), 1):%B %Y}", text)
    text = _SLUG.sub(lambda m: names.get(m.group(0)) or _CODES.get(m.group(0)) or m.group(0).replace("_", " "), text)
    return _BMI.sub("BMI", text)


def _iso_to_uk(match: re.Match[str]) -> str:
    try:
        return uk_date(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    except ValueError:
        return match.group(0)


def uk_date(value: date | datetime | None) -> str:
    """3 December 2026: how the NHS writes a date, in UK time when it is a moment."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UK_TIME).date()
    return f"{value.day} {value:%B %Y}"


def uk_time(value: datetime) -> str:
    """'10:15am', 'midday', 'midnight' (GOV.UK style: 12-hour clock, no leading zero), in UK time."""
    local = value.astimezone(UK_TIME)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    return f"{(local.hour % 12) or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def uk_date_and_time(value: datetime | None) -> str:
    """3 December 2026 at 10:15am, in UK time (GMT or BST)."""
    if value is None:
        return ""
    return f"{uk_date(value)} at {uk_time(value)}"


def how_long(age: timedelta) -> str:
    """'3 days', '5 hours', '10 minutes': an age a person takes in at a glance."""
    seconds = max(int(age.total_seconds()), 0)
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' * (count != 1)}"
    return "less than a minute"


def words_for(mapping: Mapping[str, str], code: str | None) -> str:
    """The words for a code, or the code made readable when a new one has no words yet."""
    if code is None:
        return ""
    return mapping.get(code) or code.replace("-", " ").replace("_", " ")


def delivery_problem(status_code: int | None, error: str | None) -> str:
    """Why a message to a referrer's system did not get through, as an administrator would say it."""
    if status_code is None:
        said = "The referrer's system could not be reached"
    elif status_code == 401 or status_code == 403:
        said = f"The referrer's system refused our credentials (it answered {status_code})"
    elif status_code == 404:
        said = "The referrer's system has nothing at that address (it answered 404)"
    elif status_code == 408 or status_code == 429:
        said = f"The referrer's system was too busy or too slow (it answered {status_code})"
    elif 400 <= status_code < 500:
        said = f"The referrer's system would not accept the message (it answered {status_code})"
    elif status_code >= 500:
        said = f"The referrer's system had a fault of its own (it answered {status_code})"
    else:
        said = f"The referrer's system gave an unexpected answer ({status_code})"
    return f"{said}: {error}" if error else f"{said}."
