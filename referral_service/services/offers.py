"""Offers and places: accept, decline, expire, release and promote, so a place is never lost or doubled.

A place is held from the offer until the referral ends (declined, expired, cancelled, completed,
dropped out); every release promotes the head of that service's waiting list in the same
transaction, and a declined or expired referral is triaged again, never to the same service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.access import SCHEDULER, Actor
from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import Action
from referral_service.domain.referral import OfferStatus, WaitlistStatus
from referral_service.persistence.models import Offer, Referral, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Right, referral_for
from referral_service.services.errors import Conflict, Invalid
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
    message_queued: bool = False  # a message to the referrer's system was queued (it has an endpoint)


def accept_offer(uow: UnitOfWork, referral_id: str, *, actor: Actor, now: datetime) -> Handled:
    """The provider holding the offer takes the referral on."""
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action="accept", now=now)
    offer = uow.capacity.open_offer(referral.id)
    if offer is None:
        raise Conflict("there is no open offer to accept")
    # statusReason is kept: on an offer it is a link worker's override, which the referrer is still told.
    queued = transition(uow, referral, Action.ACCEPT, actor=actor, now=now, event_type=EventType.ACCEPTED)
    offer.status, offer.responded_at = OfferStatus.ACCEPTED, now
    return Handled(referral.public_id, "accepted", queued)


def decline_offer(
    uow: UnitOfWork,
    referral_id: str,
    *,
    reason_code: str,
    reason_text: str | None,
    actor: Actor,
    now: datetime,
) -> Handled:
    """The provider says no, with a coded reason; the referral is triaged again elsewhere."""
    if reason_code not in DECLINE_REASONS:
        raise Invalid(f"decline reason must be one of {', '.join(DECLINE_REASONS)}", where="reason")
    if reason_code == "other" and not (reason_text and reason_text.strip()):
        raise Invalid("say why, when the reason is 'other'", where="reason")
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action="decline", now=now)
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
    referral = uow.referrals.by_id(offer.referral_id)
    offer.status = OfferStatus.EXPIRED
    reason = f"the provider did not answer by {offer.respond_by.isoformat()}"
    return _pass_over(uow, referral, offer, reason, EventType.OFFER_EXPIRED, actor=SCHEDULER, now=now)


def _pass_over(
    uow: UnitOfWork, referral: Referral, offer: Offer, reason: str, event: EventType, *, actor: Actor, now: datetime
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


def release_place(uow: UnitOfWork, offer: Offer, *, actor: Actor, now: datetime) -> None:
    """Give an offer's place back and offer it to the head of that service's waiting list."""
    if offer.place_released_at is not None:
        return
    offer.place_released_at = now
    uow.capacity.release(offer.capacity_pool_id)
    service = uow.directory.service_by_id(offer.service_id)
    if service is not None:
        promote_waiting(uow, service, actor=actor, now=now)


def promote_waiting(uow: UnitOfWork, service: Service, *, actor: Actor, now: datetime) -> list[str]:
    """Offer free places to waiting patients in order (priority, then arrival) until none is free."""
    promoted: list[str] = []
    while True:
        entry = uow.capacity.next_waiting(service.id)
        if entry is None:
            break
        referral = uow.referrals.by_id(entry.referral_id)
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


def withdraw_from_service(uow: UnitOfWork, referral: Referral, *, actor: Actor, now: datetime, reason: str) -> None:
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


def promote_service(uow: UnitOfWork, service_id: int, *, actor: Actor, now: datetime) -> list[str]:
    service = uow.directory.service_by_id(service_id)
    return promote_waiting(uow, service, actor=actor, now=now) if service is not None else []


def due_offers(uow: UnitOfWork, now: datetime, limit: int) -> list[int]:
    """The ids of offers past their deadline, for the scheduler to expire one by one."""
    return list(uow.capacity.due_offer_ids(now, limit))


def services_to_promote(uow: UnitOfWork, now: datetime) -> list[int]:
    """Services with a free place and someone waiting (places freed outside a release)."""
    return list(uow.capacity.services_with_room_and_queue(now.date()))
