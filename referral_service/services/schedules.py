"""A provider's timetable for each of its services: weekly group classes and programme start dates.

Only the provider that runs a service sets its timetable; anyone else is answered NotFound, as if
the service did not exist. A class or a start is retired rather than deleted, so bookings into it
keep their names and places.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from referral_service.domain.access import Actor, UserRole
from referral_service.domain.notification_templates import render_patient
from referral_service.domain.notifications import Channel, NotificationKind
from referral_service.domain.schedule import (
    GroupClass,
    Weekday,
    clock_in_words,
    session_in_words,
    uk_instant,
)
from referral_service.persistence.models import ProgrammeStart, Service, ServiceClass
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Invalid, NotFound

MAX_CLASS_SIZE = 200
MAX_DURATION_MINUTES = 8 * 60
NAME_LIMIT = 120
PLACE_LIMIT = 200
NOTE_LIMIT = 80
LONGEST_WHEN = "Wednesday 30 September at 12:30pm"  # the longest a reminder's day and time can read


@dataclass(frozen=True)
class ClassRow:
    id: int
    name: str
    weekday: str  # "Tuesday"
    time: str  # "10:00am"
    duration_minutes: int
    place: str
    size: int


@dataclass(frozen=True)
class StartRow:
    id: int
    when: str  # "Tuesday 8 December 2026, 10:00am"
    place: str


@dataclass(frozen=True)
class ServiceSchedule:
    slug: str
    name: str
    classes: list[ClassRow]
    starts: list[StartRow]
    reminder_note: str | None = None  # the provider's own words, added to each session reminder
    reminder_text: str = ""  # how the reminder text reads with them (at its longest day and time)
    note_fits_text: bool = True  # False: a text leaves the words out (emails still carry them)


def own_service(uow: UnitOfWork, actor: Actor, slug: str) -> Service:
    """The provider's own service by its slug, or NotFound for anyone else's."""
    organisation = uow.directory.organisation_by_id(actor.provider_organisation)
    if actor.role is not UserRole.PROVIDER or organisation is None:
        raise NotFound("no such service")
    for service in uow.directory.services_of(organisation):
        if service.slug == slug:
            return service
    raise NotFound("no such service")


def group_class(row: ServiceClass) -> GroupClass:
    return GroupClass(row.id, row.name, Weekday(row.weekday), row.starts_at, row.duration_minutes, row.place, row.size)


def service_schedule(uow: UnitOfWork, slug: str, *, actor: Actor, now: datetime) -> ServiceSchedule:
    """The service's classes (by weekday and time) and its programme starts still to come."""
    service = own_service(uow, actor, slug)
    classes = [
        ClassRow(
            row.id,
            row.name,
            Weekday(row.weekday).label,
            clock_in_words(row.starts_at),
            row.duration_minutes,
            row.place,
            row.size,
        )
        for row in uow.schedule.classes(service.id)
    ]
    starts = [
        StartRow(row.id, session_in_words(row.starts_at), row.place)
        for row in uow.schedule.programme_starts(service.id, after=now)
    ]
    place = classes[0].place if classes else starts[0].place if starts else "Your usual place"
    example = {"service": service.name, "when": LONGEST_WHEN, "place": place, "centre": ""}
    note = service.reminder_note
    _, text = render_patient(
        NotificationKind.SESSION_REMINDER, Channel.SMS, {**example, "note": f" {note}" if note else ""}
    )
    fits = not note or note in text
    return ServiceSchedule(service.slug, service.name, classes, starts, note, text, fits)


def set_reminder_note(uow: UnitOfWork, slug: str, note: str | None, *, actor: Actor, now: datetime) -> None:
    """The provider's own words in its session reminders ("Bring a towel."), or none when blank.
    Kept short so a text stays one text; a text that would still run over drops them."""
    service = own_service(uow, actor, slug)
    text = " ".join((note or "").split())
    if len(text) > NOTE_LIMIT:
        raise Invalid(f"Use {NOTE_LIMIT} characters or fewer", where="note")
    service.reminder_note = text or None


def _text(value: str | None, limit: int, where: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(missing, where=where)
    if len(text) > limit:
        raise Invalid(f"use {limit} characters or fewer", where=where)
    return text


def add_class(
    uow: UnitOfWork,
    slug: str,
    *,
    name: str,
    weekday: Weekday,
    starts_at: time,
    duration_minutes: int,
    place: str,
    size: int,
    actor: Actor,
    now: datetime,
) -> int:
    """A weekly class at a UK wall-clock time; checked in the form's order, so the first problem
    named is the first field's."""
    service = own_service(uow, actor, slug)
    name = _text(name, NAME_LIMIT, "name", "enter the name of the class")
    if not 5 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise Invalid(f"enter a length from 5 to {MAX_DURATION_MINUTES} minutes", where="duration_minutes")
    place = _text(place, PLACE_LIMIT, "place", "enter where the class is held")
    if not 1 <= size <= MAX_CLASS_SIZE:
        raise Invalid(f"enter a size from 1 to {MAX_CLASS_SIZE}", where="size")
    row = ServiceClass(
        service_id=service.id,
        name=name,
        weekday=int(weekday),
        starts_at=starts_at.replace(second=0, microsecond=0, tzinfo=None),
        duration_minutes=duration_minutes,
        place=place,
        size=size,
        created_at=now,
    )
    uow.schedule.add(row)
    return row.id


def add_programme_start(
    uow: UnitOfWork,
    slug: str,
    *,
    starts_on: date,
    starts_at: time,
    place: str,
    actor: Actor,
    now: datetime,
) -> int:
    """The first session of a cohort, on a UK date and wall-clock time; it cannot be in the past."""
    service = own_service(uow, actor, slug)
    instant = uk_instant(starts_on, starts_at.replace(second=0, microsecond=0, tzinfo=None))
    if instant <= now:
        raise Invalid("the start must be in the future", where="starts_on")
    place = _text(place, PLACE_LIMIT, "place", "enter where the programme starts")
    row = ProgrammeStart(service_id=service.id, starts_at=instant, place=place, created_at=now)
    uow.schedule.add(row)
    return row.id


def retire_class(uow: UnitOfWork, slug: str, class_id: int, *, actor: Actor, now: datetime) -> None:
    """No more bookings into it; bookings already made stand."""
    service = own_service(uow, actor, slug)
    row = uow.schedule.service_class(class_id)
    if row is None or row.service_id != service.id or not row.is_active:
        raise NotFound("no such class")
    row.is_active = False


def retire_programme_start(uow: UnitOfWork, slug: str, start_id: int, *, actor: Actor, now: datetime) -> None:
    service = own_service(uow, actor, slug)
    row = uow.schedule.programme_start(start_id)
    if row is None or row.service_id != service.id or not row.is_active:
        raise NotFound("no such programme start")
    row.is_active = False
