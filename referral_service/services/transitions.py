"""Moving a referral's Task through the lifecycle, with its event, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referral_service.domain.access import Actor
from referral_service.domain.errors import InvalidTransition
from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import Action, BusinessStatus, next_state
from referral_service.persistence.models import Referral, ReferralEvent
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Conflict
from referral_service.services.notifications import notify_for_event
from referral_service.services.outbox import queue_for_event

KEEP = object()  # leave a Task field as it is


def transition(
    uow: UnitOfWork,
    referral: Referral,
    action: Action,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    status_reason: str | object | None = KEEP,
    owner_id: int | object | None = KEEP,
    service_id: int | object | None = KEEP,
    detail: dict[str, object] | None = None,
    event_type: EventType | None = None,
    output: list[dict[str, Any]] | object | None = KEEP,
) -> bool:
    """Apply `action` to the referral's Task (refused with Conflict when the lifecycle forbids it),
    append the event (who, when, from, to, why) and, for a material change, queue the referrer's
    message: all three land in the caller's transaction, or none does. True when a message to the
    referrer's system was queued (the portal says so only then)."""
    task = referral.task
    current = (task.status, BusinessStatus(task.business_status or BusinessStatus.TRIAGE))
    try:
        status, business = next_state(current, action, reason)
    except InvalidTransition as error:
        raise Conflict(error.message) from None
    task.status, task.business_status, task.last_modified = status, business.value, now
    if status_reason is not KEEP:
        task.status_reason = status_reason  # type: ignore[assignment]
    if owner_id is not KEEP:
        if owner_id != task.owner_organisation_id and task.provider_output:
            # a provider's output is for its referrer, not for the next provider: kept in the history
            detail = {**(detail or {}), "previous_owner_output": task.provider_output}
            task.provider_output = None
        task.owner_organisation_id = owner_id  # type: ignore[assignment]
    if service_id is not KEEP:
        task.service_id = service_id  # type: ignore[assignment]
    if output is not KEEP:  # a provider system's Task.output, changed with the step: one new version
        task.provider_output = output or None  # type: ignore[assignment]
    referral.updated_at = now
    return _record(
        uow,
        referral,
        event_type or EventType(action.value),
        (current[0].value, current[1].value),
        actor=actor,
        now=now,
        reason=reason,
        detail=detail,
    )


def note_event(
    uow: UnitOfWork,
    referral: Referral,
    event_type: EventType,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    detail: dict[str, object] | None = None,
) -> bool:
    """A step in the referral's life that leaves its Task where it is (a contact attempt that did not
    reach the patient, a measure recorded, a question to the referrer): recorded all the same, and
    the referrer told when it is material."""
    task = referral.task
    return _record(
        uow,
        referral,
        event_type,
        (task.status.value, task.business_status),
        actor=actor,
        now=now,
        reason=reason,
        detail=detail,
    )


def _record(
    uow: UnitOfWork,
    referral: Referral,
    event_type: EventType,
    before: tuple[str, str | None],
    *,
    actor: Actor,
    now: datetime,
    reason: str | None,
    detail: dict[str, object] | None,
) -> bool:
    """Append the event (from `before` to where the Task is now) and queue the referrer's message."""
    task = referral.task
    event = ReferralEvent(
        referral=referral,  # a new referral is written by this flush, with its events, in order
        event_type=event_type,
        occurred_at=now,
        recorded_at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        from_status=before[0],
        to_status=task.status.value,
        from_business_status=before[1],
        to_business_status=task.business_status,
        service_id=task.service_id,
        reason=reason,
        detail=detail,
    )
    uow.referrals.add(event)
    uow.referrals.flush()
    notify_for_event(uow, referral, event, now=now)
    return queue_for_event(uow, referral, event_type, now=now) is not None
