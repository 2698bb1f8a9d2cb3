"""Casework through the service layer: what moves the Task, what is only recorded, and the rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from referral_service.domain.access import Actor
from referral_service.domain.progress import AttendanceStatus, ContactMethod, ContactOutcome, OutcomeInstrument
from referral_service.domain.progress import OutcomeTimepoint as T
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.casework import (
    finish_programme,
    record_contact_attempt,
    record_outcome_measure,
    record_session,
)
from referral_service.services.errors import Conflict, Invalid
from referral_service.services.intake import ReferralReceipt
from referral_service.services.offers import accept_offer
from tests.factories import incoming
from tests.fixtures.referrals import NOW, provider_of, task_of

DAY = NOW.date()  # the day the referral arrived: a session is never before it


@pytest.fixture
def started(refer: Callable[..., ReferralReceipt], uow: UnitOfWork) -> tuple[str, Actor]:
    referral_id = refer(incoming()).referral_id
    actor = provider_of(uow, "mvl-exercise-referral")
    with uow:
        accept_offer(uow, referral_id, actor=actor, now=NOW)
    return referral_id, actor


def test_an_attempt_that_does_not_reach_the_patient_is_recorded_but_moves_nothing(
    started: tuple[str, Actor], uow: UnitOfWork
) -> None:
    referral_id, worker = started
    with uow:
        record_contact_attempt(
            uow,
            referral_id,
            attempted_at=NOW,
            method=ContactMethod.PHONE,
            outcome=ContactOutcome.NO_ANSWER,
            note=None,
            actor=worker,
            now=NOW,
        )
    task = task_of(uow, referral_id)
    assert (task["business"], task["events"][-1]) == ("3.0", "contact-attempt")
    with uow:
        record_contact_attempt(
            uow,
            referral_id,
            attempted_at=NOW,
            method=ContactMethod.SMS,
            outcome=ContactOutcome.REACHED,
            note="booked",
            actor=worker,
            now=NOW,
        )
    assert task_of(uow, referral_id)["business"] == "5.1.1"


def test_sessions_are_numbered_in_order_and_a_cancelled_one_moves_nothing(
    started: tuple[str, Actor], uow: UnitOfWork
) -> None:
    referral_id, worker = started
    for status in (AttendanceStatus.ATTENDED, AttendanceStatus.CANCELLED, AttendanceStatus.DNA):
        with uow:
            record_session(uow, referral_id, session_on=DAY, status=status, actor=worker, now=NOW)
    task = task_of(uow, referral_id)
    assert task["events"][-3:] == ["attend", "session-cancelled", "dna"]
    assert task["business"] == "5.1.2"
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        assert [line.session_number for line in uow.progress.register(referral.id)] == [1, 2, 3]


def test_recording_a_measure_again_corrects_it(started: tuple[str, Actor], uow: UnitOfWork) -> None:
    referral_id, worker = started
    for minutes in (20, 35):
        with uow:
            record_outcome_measure(
                uow,
                referral_id,
                instrument=OutcomeInstrument.ACTIVITY_MINUTES,
                timepoint=T.START,
                measured_on=DAY,
                answers={"minutes": minutes},
                actor=worker,
                now=NOW,
            )
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        assert [(m.score, m.items) for m in uow.progress.measures(referral.id)] == [(35.0, {"minutes": 35.0})]


def test_an_invalid_answer_names_its_item(started: tuple[str, Actor], uow: UnitOfWork) -> None:
    referral_id, worker = started
    with pytest.raises(Invalid) as refused, uow:
        record_outcome_measure(
            uow,
            referral_id,
            instrument=OutcomeInstrument.ONS4,
            timepoint=T.START,
            measured_on=DAY,
            answers={"life_satisfaction": 4, "worthwhile": 12, "happiness": 3, "anxiety": 2},
            actor=worker,
            now=NOW,
        )
    assert refused.value.where == "worthwhile"


def test_the_end_of_the_programme_finalises_the_register_and_frees_the_place(
    started: tuple[str, Actor], uow: UnitOfWork
) -> None:
    referral_id, worker = started
    with uow:
        record_session(uow, referral_id, session_on=DAY, status=AttendanceStatus.ATTENDED, actor=worker, now=NOW)
    with pytest.raises(Invalid), uow:
        finish_programme(uow, referral_id, completed=False, reason="", actor=worker, now=NOW)
    with uow:
        finish_programme(uow, referral_id, completed=False, reason="moved away", actor=worker, now=NOW)
    task = task_of(uow, referral_id)
    assert (task["status"], task["business"], task["reason"]) == ("failed", "dropped-out", "moved away")
    with pytest.raises(Conflict), uow:
        record_session(uow, referral_id, session_on=DAY, status=AttendanceStatus.ATTENDED, actor=worker, now=NOW)


def test_dates_in_the_future_are_refused(started: tuple[str, Actor], uow: UnitOfWork) -> None:
    referral_id, worker = started
    with pytest.raises(Invalid) as refused, uow:
        record_session(
            uow, referral_id, session_on=date(2030, 1, 1), status=AttendanceStatus.ATTENDED, actor=worker, now=NOW
        )
    assert refused.value.where == "session_on"
