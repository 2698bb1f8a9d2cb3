"""What the portal shows: a provider's referrals, one referral in full, the link-worker queue.

Every function here that returns patient data writes an audit row per referral shown, in the same
transaction, before the data leaves the service layer. A provider asking for another provider's
referral gets NotFound, exactly as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from referral_service.domain.capacity import PRIORITY_RANK
from referral_service.domain.events import EventType
from referral_service.domain.facts import age_on
from referral_service.domain.lifecycle import STARTED, BusinessStatus
from referral_service.domain.progress import OutcomeInstrument, OutcomeTimepoint
from referral_service.domain.referral import SOURCE_WORDS, ReferralSource
from referral_service.domain.self_referral import SelfReferralAnswers, answers_in
from referral_service.persistence.models import Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import (
    Actor,
    HeldReferrals,
    LinkWorkerQueue,
    open_referrals_beside,
    referral_for,
    referrals_for,
)
from referral_service.services.case_reading import Casework, case_extras
from referral_service.services.consent import ReferralContact, contact_of
from referral_service.services.former_holder import as_seen_by_former_holder, left_them_at
from referral_service.services.register import BookedSession, booked_sessions, register_lines


@dataclass(frozen=True)
class PatientSummary:
    name: str
    nhs_number: str | None
    birth_date: date | None
    age: int | None
    sex: str | None
    phone: str | None
    email: str | None
    postcode: str | None


@dataclass(frozen=True)
class CaseRow:
    referral_id: str
    patient: PatientSummary
    referrer: str
    service: str | None
    received_at: datetime
    priority: str
    task_status: str
    business_status: str | None
    status_reason: str | None
    respond_by: datetime | None = None
    waiting_days: int | None = None
    missing: tuple[str, ...] = ()
    answer: ReferrerAnswer | None = None  # the referrer's latest answer to a link worker's question
    source: str = SOURCE_WORDS[ReferralSource.GP]


@dataclass(frozen=True)
class ReferrerAnswer:
    """What the referrer said back, when, and to which question."""

    text: str
    at: datetime
    question: str | None


@dataclass(frozen=True)
class Caseload:
    offered: list[CaseRow]
    waiting: list[CaseRow]
    active: list[CaseRow]


@dataclass(frozen=True)
class CaseEvent:
    occurred_at: datetime
    event_type: str
    to_status: str | None
    to_business_status: str | None
    reason: str | None
    detail: dict[str, object] | None


@dataclass(frozen=True)
class OtherOpenReferral:
    """Another open referral for the same person on the same pathway, shown beside the one being decided."""

    referral_id: str | None  # only when the viewer may open it too
    received_at: datetime
    referrer: str
    task_status: str
    business_status: str | None
    service: str | None


@dataclass(frozen=True)
class CaseFile:
    """One referral as its provider (or a link worker) works it."""

    row: CaseRow
    triage: dict[str, object] | None
    risk_level: str | None
    service_slug: str | None
    programme_sessions: int | None
    started: bool
    offered: bool
    events: list[CaseEvent]
    contacts: list[dict[str, object]]
    register: list[dict[str, object]]
    register_final: bool
    measures: dict[tuple[OutcomeInstrument, OutcomeTimepoint], dict[str, object]] = field(default_factory=dict)
    messages: list[dict[str, object]] = field(default_factory=list)  # to the referrer, through the outbox
    open_beside: list[OtherOpenReferral] = field(default_factory=list)  # for a link worker deciding it
    bookings: list[BookedSession] = field(default_factory=list)  # sessions booked, in time order
    casework: Casework | None = None  # history in words, notes, safeguarding, follow-ups, what may be done
    self_referral: SelfReferralAnswers | None = None  # the person's readiness answers and GP choice
    contact: ReferralContact | None = None  # the patient's contact permissions and messages to them

    @property
    def has_end_measures(self) -> bool:
        return any(timepoint is OutcomeTimepoint.END for _, timepoint in self.measures)


def _patient(referral: Referral, today: date) -> PatientSummary:
    """The patient as this referral's sender described them: never another referral's details."""
    patient = referral.patient_details
    return PatientSummary(
        patient.name,
        patient.nhs_number,
        patient.birth_date,
        age_on(patient.birth_date, today),
        patient.sex,
        patient.phone,
        patient.email,
        patient.postcode,
    )


def _names(uow: UnitOfWork, referral: Referral) -> tuple[str, str | None]:
    sender = uow.directory.organisation_by_id(referral.sender_organisation_id)
    service = uow.directory.service_by_id(referral.task.service_id)
    referrer = sender.name if sender else "unknown referrer"
    if referral.source is ReferralSource.SELF:  # the practice is the person's own, named on the form
        referrer = f"Self-referral (registered with {referrer})"
    return referrer, (service.name if service else None)


def _row(uow: UnitOfWork, referral: Referral, now: datetime, **extra: object) -> CaseRow:
    referrer, service = _names(uow, referral)
    task = referral.task
    return CaseRow(
        referral_id=referral.public_id,
        patient=_patient(referral, now.date()),
        referrer=referrer,
        service=service,
        received_at=referral.received_at,
        priority=referral.priority.value,
        task_status=task.status.value,
        business_status=task.business_status,
        status_reason=task.status_reason,
        source=SOURCE_WORDS[referral.source],
        **extra,  # type: ignore[arg-type]
    )


def _answer(uow: UnitOfWork, referral: Referral) -> ReferrerAnswer | None:
    """The referrer's latest answer, beside the question it answers (the one asked before it)."""
    events = list(uow.referrals.events(referral))
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.event_type == EventType.ANSWERED_BY_REFERRER:
            asked = next(
                (e.reason for e in reversed(events[:index]) if e.event_type == EventType.INFORMATION_REQUESTED), None
            )
            return ReferrerAnswer(event.reason or "(facts only)", event.occurred_at, asked)
    return None


row_for = _row  # the one row every list of referrals shows (search results, the link worker's caseload)


def provider_caseload(uow: UnitOfWork, actor: Actor, *, now: datetime, request_id: str | None) -> Caseload:
    """Offers waiting for an answer (soonest deadline first), the waiting list, and patients in hand."""
    referrals = referrals_for(uow, actor, HeldReferrals(), action="portal-list", now=now, request_id=request_id)
    offers = uow.progress.open_offers([referral.id for referral in referrals])
    offered, waiting, active = [], [], []
    for referral in referrals:
        business = referral.task.business_status
        if business == BusinessStatus.OFFERED and referral.id in offers:
            offered.append(_row(uow, referral, now, respond_by=offers[referral.id].respond_by))
        elif business == BusinessStatus.WAITLISTED:
            waiting.append(_row(uow, referral, now, waiting_days=(now - referral.received_at).days))
        elif business != BusinessStatus.OFFERED:
            active.append(_row(uow, referral, now))
    offered.sort(key=lambda row: row.respond_by or now)
    return Caseload(offered, waiting, active)


def _missing(uow: UnitOfWork, referral: Referral) -> tuple[str, ...]:
    for event in reversed(uow.referrals.events(referral)):
        if event.event_type == EventType.TO_LINK_WORKER:
            missing = (event.detail or {}).get("missing")
            return tuple(str(item) for item in missing) if isinstance(missing, list) else ()
    return ()


def link_worker_queue(uow: UnitOfWork, actor: Actor, *, now: datetime, request_id: str | None) -> list[CaseRow]:
    """Referrals waiting for a person, most urgent first, then longest waiting."""
    queued = referrals_for(uow, actor, LinkWorkerQueue(), action="portal-list", now=now, request_id=request_id)
    return [
        _row(
            uow,
            referral,
            now,
            waiting_days=(now - referral.received_at).days,
            missing=_missing(uow, referral),
            answer=_answer(uow, referral),
        )
        for referral in sorted(queued, key=lambda r: (PRIORITY_RANK[r.priority], r.received_at, r.id))
    ]


def open_case(uow: UnitOfWork, referral_id: str, actor: Actor, *, now: datetime, request_id: str | None) -> CaseFile:
    """One referral in full, for the provider that holds it or a link worker while it is in the queue."""
    referral = referral_for(uow, actor, referral_id, action="portal-read", now=now, request_id=request_id)
    task = referral.task
    offer = uow.capacity.open_offer(referral.id)
    service = uow.directory.service_by_id(task.service_id)
    register = uow.progress.register(referral.id)
    state = (task.status, BusinessStatus(task.business_status or BusinessStatus.TRIAGE))
    case = CaseFile(
        row=_row(
            uow,
            referral,
            now,
            respond_by=offer.respond_by if offer else None,
            waiting_days=(now - referral.received_at).days,
            missing=_missing(uow, referral),
            answer=_answer(uow, referral),
        ),
        triage=referral.triage,
        risk_level=referral.risk_level.value if referral.risk_level else None,
        service_slug=service.slug if service else None,
        programme_sessions=service.programme_sessions if service else None,
        started=state in STARTED,
        offered=offer is not None and task.business_status == BusinessStatus.OFFERED,
        events=[
            CaseEvent(e.occurred_at, e.event_type, e.to_status, e.to_business_status, e.reason, e.detail)
            for e in uow.referrals.events(referral)
        ],
        contacts=[
            {
                "at": c.attempted_at,
                "recorded": c.recorded_at,
                "method": c.method.value,
                "outcome": c.outcome.value,
                "note": c.note,
            }
            for c in uow.progress.contacts(referral.id)
        ],
        register=register_lines(uow, referral),
        register_final=any(line.is_final for line in register),
        contact=contact_of(uow, referral),
        measures={
            (m.instrument, m.timepoint): {"on": m.measured_on, "items": m.items, "score": m.score}
            for m in uow.progress.measures(referral.id)
        },
        messages=[
            {"kind": m.message_type, "status": m.status.value, "queued": m.created_at, "delivered": m.delivered_at}
            for m in uow.outbox.for_referral(referral.id)
        ],
        open_beside=_open_beside(uow, referral, actor, now, request_id),
        bookings=booked_sessions(uow, referral, now),
        casework=case_extras(uow, referral, actor),
        self_referral=answers_in(referral.evidence or {}),
    )
    left_at = left_them_at(uow, referral, actor)
    return case if left_at is None else as_seen_by_former_holder(case, left_at)


def _open_beside(
    uow: UnitOfWork, referral: Referral, actor: Actor, now: datetime, request_id: str | None
) -> list[OtherOpenReferral]:
    rows = []
    for other in open_referrals_beside(uow, actor, referral, now=now, request_id=request_id):
        sender = uow.directory.organisation_by_id(other.sender_organisation_id)
        service = uow.directory.service_by_id(other.service_id)
        rows.append(
            OtherOpenReferral(
                other.referral_id,
                other.received_at,
                sender.name if sender else "unknown referrer",
                other.task_status.value,
                other.business_status,
                service.name if service else None,
            )
        )
    return rows
