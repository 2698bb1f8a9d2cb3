"""A provider working a referral: contact, sessions attended or missed, completion or drop-out.

Each step is one lifecycle action with its event; the end of a programme releases the place.
The portal and provider systems (FHIR Task updates) call these same functions.
"""

from __future__ import annotations

from datetime import datetime

from referral_service.domain.access import Actor
from referral_service.domain.lifecycle import Action
from referral_service.persistence.models import Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Right, referral_for
from referral_service.services.offers import Handled, withdraw_from_service
from referral_service.services.transitions import transition


def record_step(
    uow: UnitOfWork,
    referral_id: str,
    action: Action,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    detail: dict[str, object] | None = None,
) -> Handled:
    """contact, attend, dna, complete or drop-out, by the provider that owns the referral."""
    if action not in {Action.CONTACT, Action.ATTEND, Action.DNA, Action.COMPLETE, Action.DROP_OUT}:
        raise ValueError(f"{action} is not a provider's progress step")
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action=action.value, now=now)
    status_reason = reason if action is Action.DROP_OUT else None
    transition(uow, referral, action, actor=actor, now=now, reason=reason, status_reason=status_reason, detail=detail)
    if action in {Action.COMPLETE, Action.DROP_OUT}:
        withdraw_from_service(uow, referral, actor=actor, now=now, reason=action.value)
    return Handled(referral.public_id, action.value)


def end_referral(
    uow: UnitOfWork, referral: Referral, *, reason: str, actor: Actor, now: datetime, event_type: str = "cancelled"
) -> None:
    """Cancellation (by the referrer, or a provider after the patient withdrew): leave queues, free places."""
    transition(
        uow, referral, Action.CANCEL, actor=actor, now=now, reason=reason, status_reason=reason, event_type=event_type
    )
    withdraw_from_service(uow, referral, actor=actor, now=now, reason="cancelled")
