"""Timetables, bookings and the register from them, through the service layer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from referral_service.domain.access import Actor
from referral_service.domain.progress import AttendanceStatus
from referral_service.domain.schedule import Weekday
from referral_service.persistence.models import ReportJourney
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.bookings import (
    book_session,
    bookable_sessions,
    bookings_starting_between,
    cancel_booking,
)
from referral_service.services.casework import record_session
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.intake import ReferralReceipt
from referral_service.services.offers import accept_offer
from referral_service.services.register import correct_session, register_lines
from referral_service.services.reports import refresh_report_data
from referral_service.services.schedules import add_class, add_programme_start, service_schedule
from tests.factories import incoming
from tests.fixtures.referrals import NOW, provider_of, task_of

SLUG = "mvl-exercise-referral"
TUESDAY_CLASS = "class:{id}:2026-12-01T10:00:00+00:00"  # Tuesday 1 December 2026, 10:00am (GMT)
AFTER_IT = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def mvl(uow: UnitOfWork, directory: None) -> Actor:
    return provider_of(uow, SLUG)


@pytest.fixture
def accepted(refer: Callable[..., ReferralReceipt], uow: UnitOfWork, mvl: Actor) -> Callable[[], str]:
    def make() -> str:
        referral_id = refer(incoming()).referral_id
        with uow:
            accept_offer(uow, referral_id, actor=mvl, now=NOW)
        return referral_id

    return make


def _class(uow: UnitOfWork, actor: Actor, size: int = 2) -> int:
    with uow:
        return add_class(
            uow,
            SLUG,
            name="Strength and balance",
            weekday=Weekday.TUESDAY,
            starts_at=time(10, 0),
            duration_minutes=60,
            place="Mersey Vale Leisure Centre",
            size=size,
            actor=actor,
            now=NOW,
        )


def _book(uow: UnitOfWork, referral_id: str, key: str, actor: Actor, now: datetime = NOW) -> int:
    with uow:
        return book_session(uow, referral_id, key, actor=actor, now=now)


def test_a_class_takes_its_size_at_each_session_and_a_cancelled_booking_frees_a_place(
    uow: UnitOfWork, mvl: Actor, accepted: Callable[[], str]
) -> None:
    class_id = _class(uow, mvl, size=2)
    first, second, third = accepted(), accepted(), accepted()
    key = TUESDAY_CLASS.format(id=class_id)
    with uow:
        offered = bookable_sessions(uow, third, actor=mvl, now=NOW)
    assert offered[0].words == "Tuesday 1 December 2026, 10:00am, Mersey Vale Leisure Centre"
    assert (offered[0].key, offered[0].free) == (key, 2)
    booking = _book(uow, first, key, mvl)
    _book(uow, second, key, mvl)
    with pytest.raises(Conflict, match="full"), uow:
        book_session(uow, third, key, actor=mvl, now=NOW)
    with uow:
        assert key not in [s.key for s in bookable_sessions(uow, third, actor=mvl, now=NOW)]
        cancel_booking(uow, first, booking, actor=mvl, now=NOW)
    with uow:
        referral = uow.referrals.by_public_id(third)
        assert referral is not None
        messages_before = len(uow.outbox.for_referral(referral.id))
    _book(uow, third, key, mvl)  # the cancelled place is free again
    assert task_of(uow, third)["events"][-1] == "session-booked"
    with uow:
        assert len(uow.outbox.for_referral(referral.id)) == messages_before  # the referrer is not told


def test_one_patient_is_booked_once_into_a_session_that_is_one_of_the_class_own(
    uow: UnitOfWork, mvl: Actor, accepted: Callable[[], str]
) -> None:
    class_id = _class(uow, mvl)
    referral_id = accepted()
    _book(uow, referral_id, TUESDAY_CLASS.format(id=class_id), mvl)
    with pytest.raises(Conflict, match="already booked"), uow:
        book_session(uow, referral_id, TUESDAY_CLASS.format(id=class_id), actor=mvl, now=NOW)
    for wrong in (f"class:{class_id}:2026-12-02T10:00:00+00:00", f"class:{class_id}:2026-11-24T10:00:00+00:00", "x"):
        with pytest.raises(Invalid), uow:
            book_session(uow, referral_id, wrong, actor=mvl, now=NOW)


def test_only_the_provider_holding_an_accepted_referral_books(
    refer: Callable[..., ReferralReceipt], uow: UnitOfWork, mvl: Actor, accepted: Callable[[], str]
) -> None:
    class_id = _class(uow, mvl)
    offered_only = refer(incoming()).referral_id
    with pytest.raises(Conflict, match="accept"), uow:
        book_session(uow, offered_only, TUESDAY_CLASS.format(id=class_id), actor=mvl, now=NOW)
    other = provider_of(uow, "gva-exercise-referral")
    with pytest.raises(NotFound), uow:
        book_session(uow, accepted(), TUESDAY_CLASS.format(id=class_id), actor=other, now=NOW)
    with pytest.raises(NotFound), uow:
        service_schedule(uow, SLUG, actor=other, now=NOW)


def test_the_register_is_taken_from_the_booking_and_never_before_it_starts(
    uow: UnitOfWork, mvl: Actor, accepted: Callable[[], str]
) -> None:
    referral_id = accepted()
    booking = _book(uow, referral_id, TUESDAY_CLASS.format(id=_class(uow, mvl)), mvl)
    with pytest.raises(Invalid, match="cannot be marked before then"), uow:
        record_session(uow, referral_id, booking_id=booking, status=AttendanceStatus.ATTENDED, actor=mvl, now=NOW)
    with uow:
        record_session(uow, referral_id, booking_id=booking, status=AttendanceStatus.ATTENDED, actor=mvl, now=AFTER_IT)
    with pytest.raises(Conflict, match="already on the register"), uow:
        record_session(uow, referral_id, booking_id=booking, status=AttendanceStatus.DNA, actor=mvl, now=AFTER_IT)
    with pytest.raises(Conflict, match="correct the register line"), uow:
        cancel_booking(uow, referral_id, booking, actor=mvl, now=AFTER_IT)
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        [line] = register_lines(uow, referral)
    assert (line["on"], line["booked"], line["status"]) == (
        date(2026, 12, 1),
        "Tuesday 1 December 2026, 10:00am",
        "attended",
    )
    assert task_of(uow, referral_id)["business"] == "5.1.4"


def test_a_session_before_the_referral_arrived_is_refused(
    uow: UnitOfWork, mvl: Actor, accepted: Callable[[], str]
) -> None:
    referral_id = accepted()
    with pytest.raises(Invalid, match="before the referral was received on Thursday 26 November 2026") as refused, uow:
        record_session(
            uow,
            referral_id,
            session_on=NOW.date() - timedelta(days=1),
            status=AttendanceStatus.ATTENDED,
            actor=mvl,
            now=NOW,
        )
    assert refused.value.where == "session_on"


def test_a_correction_keeps_the_earlier_value_and_the_reports_count_the_line_as_it_is_now(
    uow: UnitOfWork, mvl: Actor, accepted: Callable[[], str]
) -> None:
    referral_id = accepted()
    with uow:
        record_session(uow, referral_id, session_on=NOW.date(), status=AttendanceStatus.DNA, actor=mvl, now=NOW)
    with pytest.raises(Invalid, match="say why"), uow:
        correct_session(uow, referral_id, 1, status=AttendanceStatus.ATTENDED, reason=" ", actor=mvl, now=NOW)
    with pytest.raises(Invalid, match="different"), uow:
        correct_session(uow, referral_id, 1, status=AttendanceStatus.DNA, reason="typo", actor=mvl, now=NOW)
    with uow:
        correct_session(
            uow, referral_id, 1, status=AttendanceStatus.ATTENDED, reason="signed in late", actor=mvl, now=NOW
        )
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        [line] = register_lines(uow, referral)
        refresh_report_data(uow, now=NOW, full=True)
        journey = uow.session.scalar(select(ReportJourney).where(ReportJourney.referral_id == referral.id))
    assert line["status"] == "attended"
    assert [(c["from"], c["to"], c["reason"]) for c in line["corrections"]] == [
        ("Did not attend", "Attended", "signed in late")
    ]
    assert task_of(uow, referral_id)["events"][-1] == "session-corrected"
    assert journey is not None
    assert (journey.sessions_attended, journey.sessions_missed) == (1, 0)


def test_bookings_starting_between_gives_what_a_reminder_needs_and_no_cancelled_one(
    uow: UnitOfWork, mvl: Actor, accepted: Callable[[], str]
) -> None:
    class_id = _class(uow, mvl)
    with uow:
        start_id = add_programme_start(
            uow, SLUG, starts_on=date(2026, 12, 1), starts_at=time(18, 0), place="Studio 2", actor=mvl, now=NOW
        )
    kept, cancelled = accepted(), accepted()
    kept_booking = _book(uow, kept, TUESDAY_CLASS.format(id=class_id), mvl)
    start_booking = _book(uow, kept, f"start:{start_id}", mvl)
    gone = _book(uow, cancelled, TUESDAY_CLASS.format(id=class_id), mvl)
    with uow:
        cancel_booking(uow, cancelled, gone, actor=mvl, now=NOW)
        found = bookings_starting_between(uow, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
        referral = uow.referrals.by_public_id(kept)
        assert referral is not None
        later = bookings_starting_between(uow, datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 9, tzinfo=UTC))
    assert [(b.booking_id, b.referral_id, b.class_name, b.place, b.starts_at) for b in found] == [
        (
            kept_booking,
            referral.id,
            "Strength and balance",
            "Mersey Vale Leisure Centre",
            AFTER_IT - timedelta(hours=1),
        ),
        (start_booking, referral.id, None, "Studio 2", datetime(2026, 12, 1, 18, 0, tzinfo=UTC)),
    ]
    assert {b.service for b in found} == {found[0].service} and found[0].service
    assert later == []
