"""The link-worker queue: referrals a person must decide, placed by hand or closed with a reason."""

from __future__ import annotations

from datetime import datetime

from referral_service.domain.access import Actor
from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import Action
from referral_service.domain.placement import PlacementChoice, Standing, placement_choices
from referral_service.domain.referral import ReferralSource
from referral_service.persistence.models import Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Right, referral_for
from referral_service.services.candidates import listed_profiles
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.offers import Handled
from referral_service.services.transitions import note_event, transition
from referral_service.services.triage import facts_of, make_offer


def placement_choices_for(uow: UnitOfWork, referral_id: str, *, actor: Actor, now: datetime) -> list[PlacementChoice]:
    """Every listed service judged for this patient (result, room, catchment), for the link worker."""
    referral = referral_for(uow, actor, referral_id, right=Right.DECIDE, action="placement-choices", now=now)
    return _choices(uow, referral, now)


def place_by_hand(
    uow: UnitOfWork, referral_id: str, service_slug: str, *, override_reason: str, actor: Actor, now: datetime
) -> Handled:
    """A link worker offers a place at a service of their choosing, with their reason.

    Only a service whose accreditation is valid may be chosen, and never one whose clinical
    exclusion applies (that goes back to the referrer). Any other rule not met is overridden: the
    rules and the reason are the Task's statusReason, which the provider and the referrer see."""
    why = override_reason.strip()
    if not why:
        raise Invalid("placing a referral by hand needs the reason for overriding triage", where="override_reason")
    referral = referral_for(uow, actor, referral_id, right=Right.DECIDE, action="place", now=now)
    service = uow.directory.service_by_slug(service_slug)
    if service is None:
        raise NotFound(f"no service {service_slug}")
    choice = next((c for c in _choices(uow, referral, now) if c.slug == service.slug), None)
    if choice is None:
        raise Conflict(f"{service.name} is no longer listed in the directory, so it cannot be chosen", where="service")
    if choice.standing is Standing.BARRED:
        raise Conflict(f"{service.name} cannot be chosen. " + " ".join(choice.findings), where="service")
    if choice.standing is Standing.CLINICAL:
        raise Conflict(
            f"{service.name} cannot be chosen for this patient. {' '.join(choice.findings)} A clinical exclusion "
            "cannot be overridden: it goes back to the referrer. Close the referral with this reason, or ask the "
            "referrer for what would change it.",
            where="service",
        )
    told = f"Placed by a link worker: {why}"
    if choice.standing is Standing.OVERRIDE:
        told = f"Placed by a link worker, overriding: {' '.join(choice.findings)} Reason: {why}"
    placed = make_offer(
        uow, referral, service, None, actor=actor, now=now, action=Action.PLACE, reason=told, status_reason=told
    )
    if not placed:
        raise Conflict(f"{service.name} has no free place", where="service")
    return Handled(referral.public_id, "offered")


def _choices(uow: UnitOfWork, referral: Referral, now: datetime) -> list[PlacementChoice]:
    profiles, providers = listed_profiles(uow, now.date())
    passed_over = uow.capacity.passed_over(referral.id)
    return placement_choices(facts_of(referral), profiles, providers=providers, passed_over=passed_over)


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
    if referral.source is ReferralSource.SELF:
        raise Invalid(
            "the person referred themselves, so there is no referrer's system to ask: contact them directly",
            where="question",
        )
    queued = note_event(uow, referral, EventType.INFORMATION_REQUESTED, actor=actor, now=now, reason=text)
    return Handled(referral.public_id, "information-requested", queued)
