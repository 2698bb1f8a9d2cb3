"""Every code a page can show has words: a new enum member without them fails here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import pytest

from referral_service.domain import wording
from referral_service.domain.access import UserRole
from referral_service.domain.choice import Route, Verdict
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
from referral_service.domain.reporting.definitions import IMD_QUINTILES, PATHWAY_LABELS
from referral_service.domain.risk import CARDIOVASCULAR_DISEASE, LONG_TERM_CONDITIONS
from referral_service.domain.rules import Fact
from referral_service.services.offers import DECLINE_REASONS

COVERED: list[tuple[type[StrEnum], Mapping[str, str]]] = [
    (Fact, wording.FACTS),
    (UserRole, wording.ROLES),
    (BusinessStatus, wording.STAGES),
    (Route, wording.ROUTES),
    (Verdict, wording.VERDICTS),
    (RiskLevel, wording.RISK_LEVELS),
    (Priority, wording.PRIORITIES),
    (UnmetDemandReason, wording.UNMET),
    (ContactMethod, wording.CONTACT_METHODS),
    (ContactOutcome, wording.CONTACT_OUTCOMES),
    (AttendanceStatus, wording.ATTENDANCE),
    (OutcomeInstrument, wording.INSTRUMENTS),
    (OutcomeTimepoint, wording.TIMEPOINTS),
    (MessageKind, wording.MESSAGE_KINDS),
]


@pytest.mark.parametrize(("enum", "words"), COVERED, ids=[enum.__name__ for enum, _ in COVERED])
def test_every_member_has_words_that_are_not_the_code(enum: type[StrEnum], words: Mapping[str, str]) -> None:
    for member in enum:
        assert member in words, f"{enum.__name__}.{member.name} has no words in domain/wording.py"
        assert "_" not in words[member] and words[member].strip()


def test_every_decline_reason_unmet_reason_and_quintile_has_a_sentence() -> None:
    assert set(DECLINE_REASONS) == set(wording.DECLINES)
    assert set(IMD_QUINTILES) - {"unknown"} <= set(wording.EQUITY_WORDS)
    assert "unknown" in wording.EQUITY_WORDS


def test_every_condition_the_rules_and_pathways_name_has_words() -> None:
    assert CARDIOVASCULAR_DISEASE | LONG_TERM_CONDITIONS | set(PATHWAY_LABELS) <= set(wording.CONDITIONS)


def test_a_stored_triage_reason_reads_in_plain_english() -> None:
    stored = (
        "mvl-exercise-referral: risk could be high without blood_pressure, bmi; evidence on 2026-10-23; "
        "long-term condition (38341003); cannot rule out an exclusion without recent: resting_heart_rate"
    )
    said = wording.reword(stored, {"mvl-exercise-referral": "Exercise referral"})
    assert said == (
        "Exercise referral: risk could be high without blood pressure, BMI; evidence on 23 October 2026; "
        "long-term condition (high blood pressure); cannot rule out an exclusion without recent: resting heart rate"
    )


def test_every_event_type_with_a_joiner_reads_without_it() -> None:
    for event in EventType:
        assert "-" not in wording.reword(f"event {event.value}")


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (datetime(2026, 12, 3, 10, 15, tzinfo=UTC), "3 December 2026 at 10:15am"),
        (datetime(2026, 7, 3, 11, 0, tzinfo=UTC), "3 July 2026 at midday"),  # BST
        (datetime(2026, 12, 3, 0, 0, tzinfo=UTC), "3 December 2026 at midnight"),
        (datetime(2026, 12, 3, 15, 5, tzinfo=UTC), "3 December 2026 at 3:05pm"),
    ],
)
def test_dates_and_times_are_written_the_uk_way(moment: datetime, said: str) -> None:
    assert wording.uk_date_and_time(moment) == said
    assert wording.uk_date(moment.date()) == said.split(" at ")[0]
    assert wording.uk_date(date(2026, 12, 3)) == "3 December 2026"


def test_ages_are_in_the_largest_whole_unit() -> None:
    assert wording.how_long(timedelta(minutes=941_659)) == "653 days"
    assert wording.how_long(timedelta(hours=5, minutes=2)) == "5 hours"
    assert wording.how_long(timedelta(minutes=1)) == "1 minute"
    assert wording.how_long(timedelta(seconds=5)) == "less than a minute"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (None, "could not be reached"),
        (401, "credentials"),
        (404, "nothing at that address"),
        (422, "would not accept"),
        (503, "fault of its own"),
    ],
)
def test_a_delivery_problem_is_said_in_words(code: int | None, fragment: str) -> None:
    assert fragment in wording.delivery_problem(code, None)
