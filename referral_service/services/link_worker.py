"""The link-worker queue: referrals a person must decide, placed by hand or closed with a reason."""

from __future__ import annotations

from datetime import datetime

from referral_service.domain.access import Actor
from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import Action
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Right, referral_for
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.offers import Handled
from referral_service.services.transitions import note_event, transition
from referral_service.services.triage import make_offer


def place_by_hand(
    uow: UnitOfWork, referral_id: str, service_slug: str, *, override_reason: str, actor: Actor, now: datetime
) -> Handled:
    """A link worker offers a place at a service of their choosing; the override reason is recorded."""
    if not override_reason.strip():
        raise Invalid("placing a referral by hand needs the reason for overriding triage", where="override_reason")
    referral = referral_for(uow, actor, referral_id, right=Right.DECIDE, action="place", now=now)
    service = uow.directory.service_by_slug(service_slug)
    if service is None or not service.is_listed:
        raise NotFound(f"no listed service {service_slug}")
    reason = f"placed by hand: {override_reason.strip()}"
    if not make_offer(uow, referral, service, None, actor=actor, now=now, action=Action.PLACE, reason=reason):
        raise Conflict(f"{service.name} has no free place")
    return Handled(referral.public_id, "offered")


def close_referral(uow: UnitOfWork, referral_id: str, *, reason: str, actor: Actor, now: datetime) -> Handled:
    """Nobody can take this referral: close it, with the reason the referrer will be told."""
    referral = referral_for(uow, actor, referral_id, right=Right.DECIDE, action="close", now=now)
    queued = transition(
        uow,
        referral,
        Action.CLOSE,
        actor=actor,
        now=now,
        reason=reason,
        status_reason=reason,
        event_type=EventType.CLOSED,
    )
    return Handled(referral.public_id, "closed", queued)


def ask_referrer(uow: UnitOfWork, referral_id: str, *, question: str, actor: Actor, now: datetime) -> Handled:
    """Ask the referrer for what triage lacked; the referral stays in the queue until a person acts.

    The question reaches the referrer's system through the outbox (a CommunicationRequest in the
    response message); their answer arrives as an `update` to the referral."""
    text = question.strip()
    if not text:
        raise Invalid("say what information you need", where="question")
    referral = referral_for(uow, actor, referral_id, right=Right.DECIDE, action="ask-referrer", now=now)
    queued = note_event(uow, referral, EventType.INFORMATION_REQUESTED, actor=actor, now=now, reason=text)
    return Handled(referral.public_id, "information-requested", queued)


def placeable_services(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(slug, "service — provider") for every listed service, for the link worker's choice."""
    return sorted(
        ((s.slug, f"{s.name} — {s.organisation.name}") for s in uow.directory.services(listed_only=True)),
        key=lambda pair: pair[1],
    )
