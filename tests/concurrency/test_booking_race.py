"""Five patients race for the last two places in one class session on PostgreSQL: two are booked."""

from __future__ import annotations

import threading
from datetime import time

import pytest
from sqlalchemy import func, select

from referral_service.domain.schedule import BookingStatus, Weekday
from referral_service.persistence.models import SessionBooking
from referral_service.services.bookings import book_session
from referral_service.services.errors import Conflict
from referral_service.services.intake import receive_referral
from referral_service.services.offers import accept_offer
from referral_service.services.schedules import add_class
from tests.factories import incoming
from tests.fixtures.committed import Committed
from tests.fixtures.referrals import NOW, provider_of

pytestmark = pytest.mark.postgres

PATIENTS, SIZE = 5, 2  # the race service has five places, so five accepted referrals
TUESDAY = "class:{id}:2026-12-01T10:00:00+00:00"


def test_concurrent_bookings_never_overfill_a_class(committed: Committed) -> None:
    staff = provider_of(committed.uow(), "race-exercise")
    referral_ids = []
    for _ in range(PATIENTS):
        with committed.uow() as uow:
            referral_ids.append(
                receive_referral(uow, incoming(nhs_number=None), actor=committed.gp, now=NOW).referral_id
            )
        with committed.uow() as uow:
            accept_offer(uow, referral_ids[-1], actor=staff, now=NOW)
    with committed.uow() as uow:
        class_id = add_class(
            uow,
            "race-exercise",
            name="Circuits",
            weekday=Weekday.TUESDAY,
            starts_at=time(10, 0),
            duration_minutes=60,
            place="Pool",
            size=SIZE,
            actor=staff,
            now=NOW,
        )
    barrier = threading.Barrier(PATIENTS)
    booked: list[int] = []
    full: list[Conflict] = []
    errors: list[BaseException] = []

    def book(referral_id: str) -> None:
        barrier.wait()
        try:
            with committed.uow() as uow:
                booked.append(book_session(uow, referral_id, TUESDAY.format(id=class_id), actor=staff, now=NOW))
        except Conflict as refused:
            full.append(refused)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=book, args=(referral_id,)) for referral_id in referral_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert (len(booked), len(full)) == (SIZE, PATIENTS - SIZE)
    assert all("full" in refused.message for refused in full)
    with committed.uow() as uow:
        live = uow.session.scalar(
            select(func.count()).select_from(SessionBooking).where(SessionBooking.status == BookingStatus.BOOKED)
        )
    assert live == SIZE
