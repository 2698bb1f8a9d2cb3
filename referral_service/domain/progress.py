"""What providers record as a patient works through a programme."""

from __future__ import annotations

from enum import StrEnum


class ContactMethod(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in-person"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no-answer"
    LEFT_MESSAGE = "left-message"
    WRONG_NUMBER = "wrong-number"
    DECLINED = "declined"


class AttendanceStatus(StrEnum):
    ATTENDED = "attended"
    DNA = "dna"  # did not attend, without notice
    CANCELLED = "cancelled"


class OutcomeInstrument(StrEnum):
    ONS4 = "ons4"
    SWEMWBS = "swemwbs"
    ACTIVITY_MINUTES = "activity-minutes"
    WEIGHT = "weight"
    BMI = "bmi"
    BLOOD_PRESSURE = "blood-pressure"


class OutcomeTimepoint(StrEnum):
    START = "start"
    END = "end"
    FOLLOW_UP = "follow-up"
