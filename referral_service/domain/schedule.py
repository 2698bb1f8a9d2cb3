"""A service's timetable: weekly group classes and programme start dates, in UK local time.

Classes are set as a weekday and a wall-clock time in Europe/London; each dated occurrence is that
wall-clock time on that day, whatever the offset (GMT in winter, BST in summer), so a 10:00am class
stays at 10:00am across the clock change while its UTC instant moves by an hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum

from referral_service.domain.clock import UK_TIME

MAX_WINDOW_DAYS = 366


class Weekday(IntEnum):
    """Python's numbering (`date.weekday()`): Monday is 0."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    @property
    def label(self) -> str:
        return self.name.capitalize()


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class GroupClass:
    """A weekly class: `size` people at most at each occurrence."""

    id: int
    name: str
    weekday: Weekday
    starts_at: time
    duration_minutes: int
    place: str
    size: int


@dataclass(frozen=True)
class Occurrence:
    """One dated session of a class: its start as a UTC instant, and as the UK clock shows it."""

    class_id: int
    name: str
    starts_at: datetime  # UTC
    duration_minutes: int
    place: str
    size: int

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(UK_TIME)


def uk_instant(day: date, clock: time) -> datetime:
    """The UTC instant of a UK wall-clock time on a day. In the autumn's repeated hour the first
    (BST) reading is taken; a time in the spring's missing hour moves forward by the gap."""
    return datetime.combine(day, clock, tzinfo=UK_TIME).astimezone(UTC)  # fold=0 does both


def uk_date(instant: datetime) -> date:
    """The day a UTC instant falls on by the UK clock."""
    return instant.astimezone(UK_TIME).date()


def occurrences(classes: Iterable[GroupClass], first: date, last: date) -> list[Occurrence]:
    """Every occurrence of the classes on the days `first` to `last` (inclusive), in time order."""
    if last < first:
        return []
    if (last - first).days > MAX_WINDOW_DAYS:
        raise ValueError(f"a window of at most {MAX_WINDOW_DAYS} days")
    found = []
    for group in classes:
        day = first + timedelta(days=(group.weekday - first.weekday()) % 7)
        while day <= last:
            found.append(
                Occurrence(
                    group.id,
                    group.name,
                    uk_instant(day, group.starts_at),
                    group.duration_minutes,
                    group.place,
                    group.size,
                )
            )
            day += timedelta(days=7)
    return sorted(found, key=lambda occurrence: (occurrence.starts_at, occurrence.class_id))


def is_occurrence(group: GroupClass, starts_at: datetime) -> bool:
    """Whether an instant is one of the class's own start times (a booking names one)."""
    day = uk_date(starts_at)
    return day.weekday() == group.weekday and uk_instant(day, group.starts_at) == starts_at


def clock_in_words(clock: time) -> str:
    """10:00am, 2:30pm, 12:00pm (midday): as the NHS style guide writes times."""
    hour = clock.hour % 12 or 12
    return f"{hour}:{clock.minute:02d}{'am' if clock.hour < 12 else 'pm'}"


def day_in_words(day: date) -> str:
    """Tuesday 8 December 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def reminder_time(starts_at: datetime) -> str:
    """'Tuesday 8 December at 10:00am': a reminder names the day and time, never "tomorrow" (a text
    read after midnight, or forwarded, would point at the wrong day)."""
    local = starts_at.astimezone(UK_TIME)
    return f"{local:%A} {local.day} {local:%B} at {clock_in_words(local.time())}"


def session_in_words(starts_at: datetime, place: str | None = None) -> str:
    """'Tuesday 8 December 2026, 10:00am, Mersey Vale Leisure Centre': a session as a person reads it."""
    local = starts_at.astimezone(UK_TIME)
    words = f"{day_in_words(local.date())}, {clock_in_words(local.time())}"
    return f"{words}, {place}" if place else words
