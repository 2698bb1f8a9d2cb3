"""Offers and places: accept, decline, expire, release and promote, so a place is never lost or doubled.

A place is held from the offer until the referral ends (declined, expired, cancelled, completed,
dropped out); every release promotes the head of that service's waiting list in the same
transaction, and a declined or expired referral is triaged again, never to the same service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import Action
from referral_service.domain.referral import OfferStatus, WaitlistStatus
from referral_service.persistence.models import Offer, Referral, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import SCHEDULER, ActorRef
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.transitions import transition
from referral_service.services.triage import make_offer, triage_referral

DECLINE_REASONS = {
    "no-capacity": "no capacity",
    "out-of-area": "out of area",
    "not-eligible": "not eligible",
    "missing-information": "missing information",
    "patient-declined": "patient declined",
    "uncontactable": "uncontactable",
    "other": "other",
}


@dataclass(frozen=True)
class Handled:
    referral_id: str
    outcome: str


def owned_referral(uow: UnitOfWork, referral_id: str, organisation_id: int | None) -> Referral:
    """A referral whose Task this provider owns; anyone else's answers NotFound (existence not leaked)."""
    referral = uow.referrals.by_public_id(referral_id)
    if referral is None or organisation_id is None or referral.task.owner_organisation_id != organisation_id:
        raise NotFound(f"no referral {referral_id} for this provider")
    return referral


def accept_offer(
    uow: UnitOfWork, referral_id: str, *, organisation_id: int | None, actor: ActorRef, now: datetime
) -> Handled:
    referral = owned_referral(uow, referral_id, organisation_id)
    offer = uow.capacity.open_offer(referral.id)
    if offer is None:
        raise Conflict("there is no open offer to accept")
    transition(uow, referral, Action.ACCEPT, actor=actor, now=now, status_reason=None, event_type=EventType.ACCEPTED)
    offer.status, offer.responded_at = OfferStatus.ACCEPTED, now
    return Handled(referral.public_id, "accepted")


def decline_offer(
    uow: UnitOfWork,
    referral_id: str,
    *,
    reason_code: str,
    reason_text: str | None,
    organisation_id: int | None,
    actor: ActorRef,
    now: datetime,
) -> Handled:
    """The provider says no, with a coded reason; the referral is triaged again elsewhere."""
    if reason_code not in DECLINE_REASONS:
        raise Invalid(f"decline reason must be one of {', '.join(DECLINE_REASONS)}", where="reason")
    if reason_code == "other" and not (reason_text and reason_text.strip()):
        raise Invalid("say why, when the reason is 'other'", where="reason")
    referral = owned_referral(uow, referral_id, organisation_id)
    offer = uow.capacity.open_offer(referral.id)
    if offer is None:
        raise Conflict("there is no open offer to decline")
    offer.status, offer.responded_at = OfferStatus.DECLINED, now
    offer.decline_reason_code, offer.decline_reason_text = reason_code, reason_text
    reason = DECLINE_REASONS[reason_code] + (f": {reason_text}" if reason_text else "")
    return _pass_over(uow, referral, offer, reason, EventType.DECLINED, actor=actor, now=now)


def expire_offer(uow: UnitOfWork, offer_id: int, *, now: datetime) -> Handled | None:
    """One overdue offer: claimed (skipped if another process has it), expired, released, re-triaged."""
    offer = uow.capacity.claim_due_offer(offer_id, now)
    if offer is None:
        return None
    referral = uow.session.get(Referral, offer.referral_id)
    assert referral is not None
    offer.status = OfferStatus.EXPIRED
    reason = f"the provider did not answer by {offer.respond_by.isoformat()}"
    return _pass_over(uow, referral, offer, reason, EventType.OFFER_EXPIRED, actor=SCHEDULER, now=now)


def _pass_over(
    uow: UnitOfWork, referral: Referral, offer: Offer, reason: str, event: EventType, *, actor: ActorRef, now: datetime
) -> Handled:
    transition(
        uow,
        referral,
        Action.RETRIAGE,
        actor=actor,
        now=now,
        reason=reason,
        owner_id=None,
        service_id=None,
        event_type=event,
    )
    release_place(uow, offer, actor=actor, now=now)
    decision = triage_referral(uow, referral, actor=actor, now=now)
    return Handled(referral.public_id, f"{event}; now {decision.route.value}")


def release_place(uow: UnitOfWork, offer: Offer, *, actor: ActorRef, now: datetime) -> None:
    """Give an offer's place back and offer it to the head of that service's waiting list."""
    if offer.place_released_at is not None:
        return
    offer.place_released_at = now
    uow.capacity.release(offer.capacity_pool_id)
    service = uow.session.get(Service, offer.service_id)
    if service is not None:
        promote_waiting(uow, service, actor=actor, now=now)


def promote_waiting(uow: UnitOfWork, service: Service, *, actor: ActorRef, now: datetime) -> list[str]:
    """Offer free places to waiting patients in order (priority, then arrival) until none is free."""
    promoted: list[str] = []
    while True:
        entry = uow.capacity.next_waiting(service.id)
        if entry is None:
            break
        referral = uow.session.get(Referral, entry.referral_id)
        assert referral is not None
        if not make_offer(
            uow,
            referral,
            service,
            None,
            actor=actor,
            now=now,
            reason="a place came free: promoted from the waiting list",
        ):
            break
        entry.status, entry.left_at, entry.reason = WaitlistStatus.PROMOTED, now, "offered a place"
        promoted.append(referral.public_id)
    return promoted


def withdraw_from_service(uow: UnitOfWork, referral: Referral, *, actor: ActorRef, now: datetime, reason: str) -> None:
    """A referral ends (cancelled, completed, dropped out): leave its queue, release its place."""
    entry = uow.capacity.waiting_entry(referral.id)
    if entry is not None:
        entry.status, entry.left_at, entry.reason = WaitlistStatus.REMOVED, now, reason
    held = uow.capacity.held_offer(referral.id)
    if held is None:
        return
    if held.status is OfferStatus.OFFERED:
        held.status, held.responded_at = OfferStatus.WITHDRAWN, now
    release_place(uow, held, actor=actor, now=now)


def promote_service(uow: UnitOfWork, service_id: int, *, actor: ActorRef, now: datetime) -> list[str]:
    service = uow.session.get(Service, service_id)
    return promote_waiting(uow, service, actor=actor, now=now) if service is not None else []
