"""A provider working a referral: contact attempts, the session register, outcome measures,
completion and drop-out, and cancellation after the patient withdrew.

Each lifecycle step is one function here, whichever way a provider works: the portal calls
them, and so does `PATCH /fhir/Task` (services/task_updates), so the lifecycle, the register,
the event history and the referrer's messages are identical by either door.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import STARTED, Action, BusinessStatus
from referral_service.domain.outcomes import MeasureError, score_measure
from referral_service.domain.progress import (
    AttendanceStatus,
    ContactMethod,
    ContactOutcome,
    OutcomeInstrument,
    OutcomeTimepoint,
)
from referral_service.persistence.models import ContactAttempt, OutcomeMeasure, Referral, SessionAttendance
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Actor, Right, referral_for
from referral_service.services.errors import Conflict, Invalid
from referral_service.services.offers import Handled, withdraw_from_service
from referral_service.services.register import check_line, session_day
from referral_service.services.transitions import KEEP, note_event, transition

MAX_NOTE_LENGTH = 2000
STEPS = frozenset({Action.CONTACT, Action.ATTEND, Action.DNA, Action.COMPLETE, Action.DROP_OUT})
ENDINGS = frozenset({Action.COMPLETE, Action.DROP_OUT})


def _started(uow: UnitOfWork, referral_id: str, actor: Actor, now: datetime) -> Referral:
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action="record-progress", now=now)
    task = referral.task
    if (task.status, BusinessStatus(task.business_status or BusinessStatus.TRIAGE)) not in STARTED:
        raise Conflict("accept the referral before recording its progress")
    return referral


def _not_in_future(value: date | datetime, now: datetime, where: str) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if day > now.date():
        raise Invalid("the date cannot be in the future", where=where)


def _note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise Invalid(f"a note can be at most {MAX_NOTE_LENGTH} characters", where="note")
    return text or None


def record_step(
    uow: UnitOfWork,
    referral_id: str,
    action: Action,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    detail: dict[str, object] | None = None,
    output: list[dict[str, Any]] | None = None,
) -> Handled:
    """contact, attend, dna, complete or drop-out, by the provider that owns the referral.

    The end of a programme (complete or drop-out) finalises the session register, keeps its counts
    in the event and releases the place. `output` is a provider system's Task.output, kept on the
    Task with the step (services/task_updates.py).
    """
    if action not in STEPS:
        raise ValueError(f"{action} is not a provider's progress step")
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action=action.value, now=now)
    status_reason = reason if action is Action.DROP_OUT else None
    if action in ENDINGS:
        detail = _finalise_register(uow, referral) | (detail or {})
    queued = transition(
        uow,
        referral,
        action,
        actor=actor,
        now=now,
        reason=reason,
        status_reason=status_reason,
        detail=detail,
        output=KEEP if output is None else output,
    )
    if action in ENDINGS:
        withdraw_from_service(uow, referral, actor=actor, now=now, reason=action.value)
    return Handled(referral.public_id, action.value, queued)


def end_referral(
    uow: UnitOfWork,
    referral: Referral,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    event_type: EventType = EventType.CANCELLED,
) -> None:
    """Cancellation (by the referrer, or a provider after the patient withdrew): leave queues, free places."""
    transition(
        uow, referral, Action.CANCEL, actor=actor, now=now, reason=reason, status_reason=reason, event_type=event_type
    )
    withdraw_from_service(uow, referral, actor=actor, now=now, reason="cancelled")


def record_contact_attempt(
    uow: UnitOfWork,
    referral_id: str,
    *,
    attempted_at: datetime,
    method: ContactMethod,
    outcome: ContactOutcome,
    note: str | None,
    actor: Actor,
    now: datetime,
) -> Handled:
    """Every attempt is kept; the first that reaches the patient moves the Task to in-progress (5.1.1)."""
    _not_in_future(attempted_at, now, "attempted_at")
    referral = _started(uow, referral_id, actor, now)
    uow.progress.add(
        ContactAttempt(
            referral_id=referral.id,
            attempted_at=attempted_at,
            method=method,
            outcome=outcome,
            note=_note(note),
            recorded_by_user_id=actor.user_id,
            recorded_at=now,
        )
    )
    detail: dict[str, object] = {"method": method.value, "outcome": outcome.value, "at": attempted_at.isoformat()}
    if outcome is ContactOutcome.REACHED and referral.task.business_status == BusinessStatus.ACCEPTED:
        record_step(
            uow,
            referral_id,
            Action.CONTACT,
            actor=actor,
            now=now,
            detail=detail,
        )
        return Handled(referral.public_id, "contacted")
    note_event(uow, referral, EventType.CONTACT_ATTEMPT, actor=actor, now=now, detail=detail)
    return Handled(referral.public_id, "contact-attempt")


def record_session(
    uow: UnitOfWork,
    referral_id: str,
    *,
    status: AttendanceStatus,
    actor: Actor,
    now: datetime,
    session_on: date | None = None,
    booking_id: int | None = None,
    detail: dict[str, object] | None = None,
    output: list[dict[str, Any]] | None = None,
) -> Handled:
    """One line of the register, numbered in order: for a booking (dated by it), or on a date.
    Attended moves the Task to 5.1.4, a DNA to 5.1.2 (and the referrer hears of DNAs and of the
    first attendance); a cancelled session moves nothing. A line is never dated before the
    referral arrived, nor in the future, nor marked before its booked session starts."""
    referral = _started(uow, referral_id, actor, now)
    task = referral.task
    if task.service_id is None:
        raise Conflict("this referral has no service to attend")
    day, booking = session_day(uow, referral, booking_id, session_on)
    check_line(referral, day, status, booking, now)
    register = uow.progress.register(referral.id)
    if any(line.is_final for line in register):
        raise Conflict("the register is final: the programme has ended")
    number = uow.progress.next_session_number(referral.id)
    uow.progress.add(
        SessionAttendance(
            referral_id=referral.id,
            service_id=task.service_id,
            session_number=number,
            session_on=day,
            status=status,
            booking_id=booking.id if booking else None,
            recorded_by_user_id=actor.user_id,
            recorded_at=now,
        )
    )
    detail = {"session_number": number, "session_on": day.isoformat()} | (detail or {})
    if status is AttendanceStatus.CANCELLED:
        note_event(uow, referral, EventType.SESSION_CANCELLED, actor=actor, now=now, detail=detail)
        return Handled(referral.public_id, "session-cancelled")
    action = Action.ATTEND if status is AttendanceStatus.ATTENDED else Action.DNA
    record_step(uow, referral_id, action, actor=actor, now=now, detail=detail, output=output)
    return Handled(referral.public_id, action.value)


def record_outcome_measure(
    uow: UnitOfWork,
    referral_id: str,
    *,
    instrument: OutcomeInstrument,
    timepoint: OutcomeTimepoint,
    measured_on: date,
    answers: Mapping[str, float | None],
    actor: Actor,
    now: datetime,
) -> Handled:
    """Score and keep a measure (one per instrument and timepoint; recording it again corrects it)."""
    _not_in_future(measured_on, now, "measured_on")
    referral = _started(uow, referral_id, actor, now)
    try:
        scored = score_measure(instrument, answers)
    except MeasureError as error:
        raise Invalid(str(error), where=error.field) from None
    existing = uow.progress.measure(referral.id, instrument, timepoint)
    if existing is None:
        uow.progress.add(
            OutcomeMeasure(
                referral_id=referral.id,
                instrument=instrument,
                timepoint=timepoint,
                measured_on=measured_on,
                items=scored.items,
                score=scored.score,
                recorded_by_user_id=actor.user_id,
                recorded_at=now,
            )
        )
    else:
        existing.measured_on, existing.items, existing.score = measured_on, scored.items, scored.score
        existing.recorded_by_user_id, existing.recorded_at = actor.user_id, now
    note_event(
        uow,
        referral,
        EventType.OUTCOME_MEASURED,
        actor=actor,
        now=now,
        detail={"instrument": instrument.value, "timepoint": timepoint.value, "corrected": existing is not None},
    )
    return Handled(referral.public_id, "measured")


def _finalise_register(uow: UnitOfWork, referral: Referral) -> dict[str, object]:
    register = uow.progress.register(referral.id)
    for line in register:
        line.is_final = True
    return {
        "attended": sum(1 for line in register if line.status is AttendanceStatus.ATTENDED),
        "missed": sum(1 for line in register if line.status is AttendanceStatus.DNA),
    }


def finish_programme(
    uow: UnitOfWork,
    referral_id: str,
    *,
    completed: bool,
    reason: str | None,
    actor: Actor,
    now: datetime,
) -> Handled:
    """Completion or drop-out from the portal (a drop-out needs its reason); see `record_step`.
    The referrer is told, on completion with the attendance counts and the outcome measures so far."""
    _started(uow, referral_id, actor, now)
    text = (reason or "").strip()
    if not completed and not text:
        raise Invalid("say why the patient stopped", where="reason")
    action = Action.COMPLETE if completed else Action.DROP_OUT
    return record_step(
        uow,
        referral_id,
        action,
        actor=actor,
        now=now,
        reason=text or None,
    )
