"""The history in words: every event type has its sentence, and no sentence shows a code."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from referral_service.domain.events import EVENTS, EventType
from referral_service.domain.history import SAYS, sentence
from referral_service.domain.wording import uk_date, uk_time

ON = datetime(2026, 12, 3, 10, 15, tzinfo=UTC)


@pytest.mark.parametrize("event_type", list(EventType))
def test_every_event_type_reads_as_a_sentence_without_its_code(event_type: EventType) -> None:
    said = sentence(event_type.value, "Sam Patel at Mersey Vale Leisure", ON)
    assert said.startswith("Sam Patel at Mersey Vale Leisure ")
    assert said.endswith(" on 3 December 2026 at 10:15am.")
    assert event_type.name not in said and event_type.name.capitalize() not in said  # no "DNA", no "Dna"
    if "-" in event_type.value:
        assert event_type.value not in said
    assert "-" not in SAYS[event_type] and "_" not in SAYS[event_type]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", said)


def test_the_table_covers_the_event_table_exactly() -> None:
    assert set(SAYS) == set(EventType) == set(EVENTS)


def test_a_missed_session_is_said_in_words() -> None:
    said = sentence("dna", "Sam Patel at Mersey Vale Leisure", ON)
    assert said == "Sam Patel at Mersey Vale Leisure recorded a missed session on 3 December 2026 at 10:15am."
    assert "Dna" not in said and "dna" not in said


def test_an_unknown_code_is_not_shown() -> None:
    assert "mystery-step" not in sentence("mystery-step", "Someone", ON)


@pytest.mark.parametrize(
    ("hour", "minute", "said"),
    [(0, 0, "midnight"), (9, 5, "9:05am"), (12, 0, "midday"), (12, 30, "12:30pm"), (23, 59, "11:59pm")],
)
def test_times_in_uk_style(hour: int, minute: int, said: str) -> None:
    assert uk_time(ON.replace(hour=hour, minute=minute)) == said


def test_dates_in_uk_style() -> None:
    assert uk_date(datetime(2027, 1, 1, tzinfo=UTC)) == "1 January 2027"
