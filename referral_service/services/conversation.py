"""The conversation with the referrer, their side: new facts in an `update`, and their answers to a
link worker's question. Both are stored with where and when they came from, and a referral waiting
in the link-worker queue is triaged again on them, through the same triage and lifecycle as intake.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from referral_service.domain.events import EventType
from referral_service.domain.intake import IncomingFacts
from referral_service.domain.lifecycle import Action, BusinessStatus, is_current
from referral_service.domain.referral import ReferralStatus
from referral_service.persistence.models import Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Actor, Right, referral_for, referral_sent, require_gp_system
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.intake import ANOTHER_OPEN_REFERRAL, ReferralReceipt, receipt_of, record_inbound
from referral_service.services.notifications import notify_referrer_answer
from referral_service.services.transitions import note_event, transition
from referral_service.services.triage import triage_referral

STALE = (
    "this {kind} was made at {sent}, before the newest message we hold from you about this referral ({held});"
    " read the referral again and send what is new"
)


def update_referral(uow: UnitOfWork, update: IncomingFacts, *, actor: Actor, now: datetime) -> ReferralReceipt:
    """A referrer's `update` with new facts (blood pressure, BMI, conditions): stored, and the referral
    triaged again when it waits in the link-worker queue. Stale updates are refused (409 conflict)."""
    return _apply(uow, update, EventType.UPDATED_BY_REFERRER, actor=actor, now=now)


def record_referrer_answer(uow: UnitOfWork, answer: IncomingFacts, *, actor: Actor, now: datetime) -> ReferralReceipt:
    """Where a referrer's answer to a link worker's question is recorded (the `answered-by-referrer`
    event, shown on the referral page and in the queue); facts it carries re-triage the referral.
    Only the practice system that sent the referral may answer, and only a question we asked."""
    if not (answer.answer or answer.measurements or answer.conditions):
        raise Invalid("an answer needs words (payload.contentString) or facts", where="Communication.payload")
    return _apply(uow, answer, EventType.ANSWERED_BY_REFERRER, actor=actor, now=now)


def _apply(
    uow: UnitOfWork, incoming: IncomingFacts, event_type: EventType, *, actor: Actor, now: datetime
) -> ReferralReceipt:
    require_gp_system(actor)
    referral = _their_referral(uow, incoming, actor, now)
    if incoming.nhs_number and referral.patient_details.nhs_number not in (None, incoming.nhs_number):
        raise Invalid(f"the {incoming.kind}'s NHS number is not the referral's patient", where="Patient.identifier")
    task = referral.task
    if referral.status is not ReferralStatus.ACTIVE or not is_current(task.status):
        raise Conflict(
            f"the referral is no longer current (its Task is {task.status.value}); it takes no {incoming.kind}"
        )
    if event_type is EventType.ANSWERED_BY_REFERRER and not _asked(uow, referral):
        raise Invalid("no question of ours is open on this referral", where="Communication.basedOn")
    _refuse_stale(referral, incoming)
    record_inbound(uow, actor, incoming.request_id, incoming.correlation_id, incoming.kind, referral)
    referral.evidence = _with_facts(referral, incoming, now)
    referral.updated_at = now
    detail: dict[str, object] = {
        "measurements": sorted({m.kind for m in incoming.measurements}),
        "conditions": sorted({c.code for c in incoming.conditions}),
        **({"answer": incoming.answer} if incoming.answer else {}),
        **({"question": incoming.question} if incoming.question else {}),
    }
    reason = incoming.answer or "the referrer sent new information"
    retriage = task.business_status == BusinessStatus.LINK_WORKER.value and bool(
        incoming.measurements or incoming.conditions
    )
    if retriage:
        transition(
            uow, referral, Action.REASSESS, actor=actor, now=now, reason=reason, detail=detail, event_type=event_type
        )
        uow.referrals.flush()
        already_open = uow.referrals.any_open_on_pathway(referral)
        triage_referral(uow, referral, actor=actor, now=now, hold=ANOTHER_OPEN_REFERRAL if already_open else None)
    else:
        note_event(uow, referral, event_type, actor=actor, now=now, reason=reason, detail=detail)
    if event_type is EventType.ANSWERED_BY_REFERRER:  # link workers hear of it, once per answer
        notify_referrer_answer(
            uow, referral, answer_key=incoming.request_id or f"{referral.id}:{now.isoformat()}", now=now
        )
    uow.referrals.flush()
    return receipt_of(referral, created=False)


def _their_referral(uow: UnitOfWork, incoming: IncomingFacts, actor: Actor, now: datetime) -> Referral:
    """Found by our id, else the sender's identifier, else the conversation's X-Correlation-Id; only for
    the client that sent it (REFER), audited; anyone else's looks unknown."""
    try:
        if incoming.referral_id:
            return referral_for(
                uow,
                actor,
                incoming.referral_id,
                right=Right.REFER,
                action=incoming.kind,
                resource_type="ServiceRequest",
                now=now,
            )
        return referral_sent(
            uow, actor, identifier=incoming.identifier, correlation_id=incoming.correlation_id, now=now
        )
    except NotFound:
        raise NotFound(f"no referral of yours matches this {incoming.kind}", where="ServiceRequest.id") from None


def _asked(uow: UnitOfWork, referral: Referral) -> bool:
    """Whether a link worker's question is waiting for an answer (asked, and not answered since)."""
    for event in reversed(uow.referrals.events(referral)):
        if event.event_type == EventType.ANSWERED_BY_REFERRER:
            return False
        if event.event_type == EventType.INFORMATION_REQUESTED:
            return True
    return False


def _held_since(referral: Referral) -> datetime:
    """When the newest message we hold from the referrer about this referral was made."""
    evidence: dict[str, Any] = referral.evidence or {}
    held = _utc(referral.authored_at)
    for message in evidence.get("messages", []):
        if message.get("sent_at"):
            held = max(held, datetime.fromisoformat(message["sent_at"]))
    return held


def _refuse_stale(referral: Referral, incoming: IncomingFacts) -> None:
    if incoming.sent_at is None:
        return
    held = _held_since(referral)
    if _utc(incoming.sent_at) < held:
        raise Conflict(
            STALE.format(kind=incoming.kind, sent=_utc(incoming.sent_at).isoformat(), held=held.isoformat()),
            where="Bundle.timestamp" if incoming.kind == "update" else "Communication.sent",
        )


def _with_facts(referral: Referral, incoming: IncomingFacts, now: datetime) -> dict[str, Any]:
    """The evidence with the new facts added, each with its source and when it came (a new dict, so
    the JSON column is written)."""
    evidence: dict[str, Any] = dict(referral.evidence or {})
    source = {"source": incoming.kind, "request_id": incoming.request_id, "received_at": now.isoformat()}
    evidence["conditions"] = [
        *evidence.get("conditions", []),
        *(
            {"code": c.code, "recorded_on": c.recorded_on.isoformat() if c.recorded_on else None, **source}
            for c in incoming.conditions
        ),
    ]
    evidence["measurements"] = [
        *evidence.get("measurements", []),
        *(
            {
                "kind": m.kind,
                "value": m.value,
                "second_value": m.second_value,
                "observed_on": m.observed_on.isoformat() if m.observed_on else None,
                **source,
            }
            for m in incoming.measurements
        ),
    ]
    sent = _utc(incoming.sent_at).isoformat() if incoming.sent_at else None
    evidence["messages"] = [*evidence.get("messages", []), {**source, "sent_at": sent}]
    return evidence


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
