"""Weekly classes expand into dated sessions at the UK wall-clock time, across the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from referral_service.domain.schedule import (
    GroupClass,
    Weekday,
    is_occurrence,
    occurrences,
    session_in_words,
    uk_instant,
)

TUESDAY_TEN = GroupClass(1, "Strength and balance", Weekday.TUESDAY, time(10, 0), 60, "Mersey Vale Leisure Centre", 12)
SUNDAY_HALF_ONE = GroupClass(2, "Early swim", Weekday.SUNDAY, time(1, 30), 45, "Pool", 8)


def test_a_class_keeps_its_wall_clock_time_when_the_clocks_go_back() -> None:
    # BST ends on Sunday 25 October 2026: 10:00am is 09:00 UTC before, 10:00 UTC after.
    found = occurrences([TUESDAY_TEN], date(2026, 10, 19), date(2026, 11, 1))
    assert [o.starts_at for o in found] == [
        datetime(2026, 10, 20, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 10, 0, tzinfo=UTC),
    ]
    assert {o.local_start.time() for o in found} == {time(10, 0)}


def test_a_class_keeps_its_wall_clock_time_when_the_clocks_go_forward() -> None:
    # BST starts on Sunday 29 March 2026.
    found = occurrences([TUESDAY_TEN], date(2026, 3, 23), date(2026, 4, 5))
    assert [o.starts_at for o in found] == [
        datetime(2026, 3, 24, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 9, 0, tzinfo=UTC),
    ]


def test_the_hours_the_clocks_skip_or_repeat_have_one_instant_each() -> None:
    # 01:30 does not exist on 29 March 2026 (moves forward to 02:30 BST); it happens twice on 25 October.
    assert uk_instant(date(2026, 3, 29), time(1, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert uk_instant(date(2026, 10, 25), time(1, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    spring = occurrences([SUNDAY_HALF_ONE], date(2026, 3, 29), date(2026, 3, 29))
    autumn = occurrences([SUNDAY_HALF_ONE], date(2026, 10, 25), date(2026, 10, 25))
    assert len(spring) == len(autumn) == 1


def test_occurrences_are_in_time_order_within_the_window_inclusive() -> None:
    found = occurrences([SUNDAY_HALF_ONE, TUESDAY_TEN], date(2026, 12, 1), date(2026, 12, 13))
    assert [(o.class_id, o.local_start.date()) for o in found] == [
        (1, date(2026, 12, 1)),
        (2, date(2026, 12, 6)),
        (1, date(2026, 12, 8)),
        (2, date(2026, 12, 13)),
    ]
    assert occurrences([TUESDAY_TEN], date(2026, 12, 9), date(2026, 12, 8)) == []
    with pytest.raises(ValueError, match="at most"):
        occurrences([TUESDAY_TEN], date(2026, 1, 1), date(2027, 6, 1))


def test_a_booking_must_name_one_of_the_class_own_start_times() -> None:
    assert is_occurrence(TUESDAY_TEN, datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    assert is_occurrence(TUESDAY_TEN, datetime(2026, 6, 9, 9, 0, tzinfo=UTC))  # 10:00 BST
    assert not is_occurrence(TUESDAY_TEN, datetime(2026, 6, 9, 10, 0, tzinfo=UTC))  # 11:00 BST
    assert not is_occurrence(TUESDAY_TEN, datetime(2026, 12, 9, 10, 0, tzinfo=UTC))  # a Wednesday


def test_a_session_reads_in_words() -> None:
    assert (
        session_in_words(datetime(2026, 12, 8, 10, 0, tzinfo=UTC), "Mersey Vale Leisure Centre")
        == "Tuesday 8 December 2026, 10:00am, Mersey Vale Leisure Centre"
    )
    assert session_in_words(datetime(2026, 7, 4, 13, 30, tzinfo=UTC)) == "Saturday 4 July 2026, 2:30pm"
    assert session_in_words(datetime(2026, 12, 8, 12, 0, tzinfo=UTC)) == "Tuesday 8 December 2026, 12:00pm"
