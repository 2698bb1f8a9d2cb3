"""Referrals in from GP systems: store them exactly as received, once, and start their Task."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.directory import postcode_district
from referral_service.domain.events import EventType
from referral_service.domain.intake import Coding, IncomingCancellation, IncomingReferral, PatientDetails
from referral_service.domain.lifecycle import BusinessStatus, is_current
from referral_service.domain.referral import ReferralSource, ReferralStatus, TaskStatus
from referral_service.persistence.models import (
    InboundMessage,
    Organisation,
    Patient,
    Referral,
    ReferralEvent,
    ReferralPatientDetails,
    ReferralTask,
)
from referral_service.persistence.repositories.referrals import DuplicateRequest
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Actor, Right, referral_for, referral_sent, require_gp_system
from referral_service.services.accounts import ensure_referrer
from referral_service.services.casework import end_referral
from referral_service.services.consent import store_from_referral
from referral_service.services.errors import Conflict, Duplicate, Forbidden, Invalid, NotFound
from referral_service.services.triage import triage_referral

ANOTHER_OPEN_REFERRAL = "another open referral for this person on this pathway"
ANOTHER_OPEN_WARNING = (
    "This person already has an open referral on this pathway. This referral has been received, but no"
    " second place is held: a link worker will look at both referrals and decide what happens."
)


@dataclass(frozen=True)
class ReferralReceipt:
    """What the sender gets back: our ids, and whether this call created the referral."""

    referral_id: str
    task_id: str
    patient_id: str
    created: bool
    status: ReferralStatus
    task_status: TaskStatus
    business_status: str | None
    status_reason: str | None
    last_modified: datetime
    task_version: int
    warnings: tuple[str, ...] = ()  # for the sender, beside what reading its message found


def receipt_of(referral: Referral, *, created: bool, warnings: tuple[str, ...] = ()) -> ReferralReceipt:
    return ReferralReceipt(
        referral_id=referral.public_id,
        task_id=referral.task.public_id,
        patient_id=referral.patient.public_id,
        created=created,
        status=referral.status,
        task_status=referral.task.status,
        business_status=referral.task.business_status,
        status_reason=referral.task.status_reason,
        last_modified=referral.task.last_modified,
        task_version=referral.task.version,
        warnings=warnings,
    )


def receive_referral(uow: UnitOfWork, incoming: IncomingReferral, *, actor: Actor, now: datetime) -> ReferralReceipt:
    """Store a new referral and open its Task (status `requested`, business status `triage`).

    Never creates a referral twice: a replayed X-Request-Id is refused (409 duplicate, atomic on
    the unique key), and the same ServiceRequest.identifier, or the same BaRS Bundle id, from the
    same practice returns the first referral instead. The payload is kept as the bytes received.

    A referral for someone with another open referral on the same pathway is still received (the
    GP may mean it), but triage holds no second place: it waits for a link worker, who sees both,
    and the sender is warned.
    """
    require_gp_system(actor)
    sender = _sender(uow, actor, incoming.sender_ods)
    record_inbound(uow, actor, incoming.request_id, incoming.correlation_id, "referral")
    existing = _existing(uow, sender, incoming)
    if existing is not None:
        return receipt_of(existing, created=False)
    referral, already_open = admit_referral(uow, incoming, sender=sender, actor=actor, now=now)
    return receipt_of(referral, created=True, warnings=(ANOTHER_OPEN_WARNING,) if already_open else ())


def admit_referral(
    uow: UnitOfWork,
    incoming: IncomingReferral,
    *,
    sender: Organisation,
    actor: Actor,
    now: datetime,
    source: ReferralSource = ReferralSource.GP,
    hold: str | None = None,
    evidence: Mapping[str, object] | None = None,
) -> tuple[Referral, bool]:
    """Store a new referral, its first event and consent, and triage it: the one way in, whoever
    asked (a GP system's message, or the person on the self-referral form, with `source`). `hold`
    sends it to a link worker with that reason; `evidence` is kept beside what intake read. Also
    says whether the person already had an open referral on this pathway (then it is held too)."""
    patient, open_before = _patient(uow, incoming.patient, pathway=incoming.pathway, now=now)
    referral = Referral(
        patient=patient,
        patient_details=ReferralPatientDetails(
            nhs_number=incoming.patient.nhs_number, **_details_as_sent(incoming.patient)
        ),
        sender_organisation_id=sender.id,
        api_client_id=actor.client_pk,
        identifier_system=incoming.identifier[0] if incoming.identifier else None,
        identifier_value=incoming.identifier[1] if incoming.identifier else None,
        source_bundle_id=incoming.bundle_id,
        source_endpoint=incoming.source_endpoint,
        request_id=incoming.request_id,
        correlation_id=incoming.correlation_id,
        use_case=incoming.use_case,
        pathway_system=incoming.pathway.system if incoming.pathway else None,
        pathway_code=incoming.pathway.code if incoming.pathway else None,
        priority=incoming.priority,
        status=ReferralStatus.ACTIVE,
        authored_at=incoming.authored_at,
        received_at=now,
        payload=incoming.payload,
        payload_format=incoming.payload_format,
        evidence={**evidence_document(incoming), **(evidence or {})},
        source=source,
        updated_at=now,
    )
    referral.task = ReferralTask(
        status=TaskStatus.REQUESTED,
        business_status=BusinessStatus.TRIAGE.value,
        authored_at=now,
        last_modified=now,
    )
    uow.referrals.add(referral)
    uow.referrals.add(
        ReferralEvent(
            referral=referral,
            event_type=EventType.RECEIVED,
            occurred_at=now,
            recorded_at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            to_status=TaskStatus.REQUESTED.value,
            to_business_status=BusinessStatus.TRIAGE.value,
            detail={"warnings": list(incoming.warnings)} if incoming.warnings else None,
        )
    )
    # Nothing is written until triage's step flushes: the referral, its Task in its final state,
    # its details, permissions, events and offer then go in one flush, with no UPDATE after.
    with uow.writes_held():
        store_from_referral(uow, referral, incoming.contact_consent, now=now, new=True)
        already_open = uow.referrals.any_open_on_pathway(referral) if open_before is None else open_before
        hold = ANOTHER_OPEN_REFERRAL if already_open else hold
        triage_referral(uow, referral, actor=actor, now=now, hold=hold, new=True)
    uow.referrals.flush()  # every route has flushed once already; this writes what came after (unmet demand)
    return referral, already_open


def evidence_document(incoming: IncomingReferral) -> dict[str, object]:
    """What intake read, as JSON: triage reads this, never the payload again."""
    return {
        "conditions": [
            {"code": c.code, "recorded_on": c.recorded_on.isoformat() if c.recorded_on else None}
            for c in incoming.conditions
        ],
        "measurements": [
            {
                "kind": m.kind,
                "value": m.value,
                "second_value": m.second_value,
                "observed_on": m.observed_on.isoformat() if m.observed_on else None,
            }
            for m in incoming.measurements
        ],
        "preferences": list(incoming.preferences),
        "warnings": list(incoming.warnings),
    }


def cancel_referral(
    uow: UnitOfWork, cancellation: IncomingCancellation, *, actor: Actor, now: datetime
) -> ReferralReceipt:
    """Withdraw a referral at its sender's request; refused once it is no longer current.

    Finds the referral by our id, else by the sender's identifier, else by the conversation's
    X-Correlation-Id (BaRS keeps it across a referral's updates). Only the client that sent it can
    cancel it; for anyone else it does not exist.
    """
    require_gp_system(actor)
    referral = _referral_to_cancel(uow, cancellation, actor, now)
    if cancellation.nhs_number and referral.patient_details.nhs_number not in (None, cancellation.nhs_number):
        raise Invalid("the cancellation's NHS number is not the referral's patient", where="Patient.identifier")
    task = referral.task
    if referral.status is not ReferralStatus.ACTIVE or not is_current(task.status):
        raise Conflict(f"the referral is no longer current (its Task is {task.status.value}); it cannot be cancelled")
    reason = cancellation.reason or (
        "sent in error" if cancellation.status == "entered-in-error" else "cancelled by the referrer"
    )
    record_inbound(uow, actor, cancellation.request_id, cancellation.correlation_id, "cancellation", referral)
    referral.status = ReferralStatus(cancellation.status)
    end_referral(uow, referral, reason=reason, actor=actor, now=now, event_type=EventType.CANCELLED_BY_REFERRER)
    uow.referrals.flush()
    return receipt_of(referral, created=False)


def _sender(uow: UnitOfWork, actor: Actor, sender_ods: str | None) -> Organisation:
    """The referring practice: the one the message names, which must be one this client refers for."""
    if sender_ods is None:
        if len(actor.practices) != 1:
            raise Invalid(
                "say which practice is referring: a requester Organization with its ODS code",
                where="ServiceRequest.requester",
            )
        sender_ods = next(iter(actor.practices))
    if sender_ods not in actor.practices:
        raise Forbidden(f"this client is not registered to refer for practice {sender_ods}")
    return ensure_referrer(uow, sender_ods)


def _existing(uow: UnitOfWork, sender: Organisation, incoming: IncomingReferral) -> Referral | None:
    if incoming.identifier is not None:
        found = uow.referrals.by_identifier(sender.id, *incoming.identifier)
        if found is not None:
            return found
    if incoming.bundle_id is not None:
        return uow.referrals.by_bundle_id(sender.id, incoming.bundle_id)
    return None


def record_inbound(
    uow: UnitOfWork,
    actor: Actor,
    request_id: str,
    correlation_id: str,
    interaction: str,
    referral: Referral | None = None,
) -> None:
    message = InboundMessage(
        request_id=request_id,
        correlation_id=correlation_id,
        api_client_id=actor.client_pk,
        interaction=interaction,
        referral_id=referral.id if referral is not None else None,
    )
    try:
        uow.referrals.record_inbound(message)
    except DuplicateRequest:
        raise Duplicate("the message has been identified as having already been processed.") from None


def _details_as_sent(details: PatientDetails) -> dict[str, object]:
    return {
        "nhs_number_verification": details.nhs_number_verification,
        "given_name": details.given_name,
        "family_name": details.family_name,
        "birth_date": details.birth_date,
        "sex": details.sex,
        "postcode": details.postcode,
        "postcode_district": postcode_district(details.postcode) if details.postcode else None,
        "ethnicity_code": details.ethnicity_code,
        "phone": details.phone,
        "email": details.email,
    }


def _patient(
    uow: UnitOfWork, details: PatientDetails, *, pathway: Coding | None, now: datetime
) -> tuple[Patient, bool | None]:
    """The person, one row per NHS number: created with the first referral's details, never
    overwritten; and whether they already have an open referral on `pathway` (None: not known, when
    another request created the person a moment ago).

    A later referral's details are its own (`ReferralPatientDetails`); they change nothing that
    another referral, from this practice or another, shows.
    """
    patient, open_before = None, False
    if details.nhs_number and pathway is not None:
        patient, open_before = uow.referrals.patient_with_open_on_pathway(
            details.nhs_number, pathway.system, pathway.code
        )
    elif details.nhs_number:
        patient = uow.referrals.patient_by_nhs_number(details.nhs_number)
    if patient is not None:
        return patient, open_before
    patient, inserted = uow.referrals.add_patient(
        Patient(nhs_number=details.nhs_number, created_at=now, **_details_as_sent(details))
    )
    return patient, False if inserted else None  # someone else's row: their referral may be open


def _referral_to_cancel(uow: UnitOfWork, cancellation: IncomingCancellation, actor: Actor, now: datetime) -> Referral:
    try:
        if cancellation.referral_id:
            return referral_for(
                uow, actor, cancellation.referral_id, right=Right.REFER, resource_type="ServiceRequest", now=now
            )
        return referral_sent(
            uow, actor, identifier=cancellation.identifier, correlation_id=cancellation.correlation_id, now=now
        )
    except NotFound:
        raise NotFound("no referral of yours matches this cancellation", where="ServiceRequest.id") from None
