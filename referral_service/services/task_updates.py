"""Providers' own systems moving their Tasks over FHIR: the same functions as the portal.

A session attended or missed (5.1.4, 5.1.2) is a line of the register, dated the day of the update,
so a programme ended over FHIR has the same register, finalised, as one ended in the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from referral_service.domain.access import ApiClientKind
from referral_service.domain.errors import InvalidTransition
from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import Action, provider_action
from referral_service.domain.progress import AttendanceStatus
from referral_service.domain.referral import TaskStatus
from referral_service.domain.schedule import uk_date
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Actor, Right, referral_for_task
from referral_service.services.casework import end_referral, record_session, record_step
from referral_service.services.errors import Forbidden, Invalid
from referral_service.services.offers import DECLINE_REASONS, accept_offer, decline_offer

SESSION_STEPS = frozenset({Action.ATTEND, Action.DNA})  # a line of the register, as the portal writes it
# the steps that keep a provider's Task.output just before them; the casework steps keep it with the
# step itself (one new version, and the message the step sends carries it)
OUTPUT_BEFORE = frozenset({Action.ACCEPT, Action.RETRIAGE, Action.CANCEL})


@dataclass(frozen=True)
class TaskChange:
    """The only things a provider may change on a Task: status, businessStatus, statusReason, output."""

    status: TaskStatus
    business_status: str | None
    reason_code: str | None
    reason_text: str | None
    output: list[dict[str, Any]] | None


def update_task(uow: UnitOfWork, task_id: str, change: TaskChange, *, actor: Actor, now: datetime) -> str:
    """Apply a provider system's Task update through the lifecycle; returns the referral's id.

    A decline (status rejected) offers the referral elsewhere at once, so the Task leaves this
    provider: it is rejected only from this provider's point of view. An `output` sent is kept on
    the Task as sent (replacing the provider's earlier one), for the referrer to read on the Task
    and in the messages from this step on.
    """
    if actor.client_kind is not ApiClientKind.PROVIDER_SYSTEM:
        raise Forbidden("only the provider's own system may update a referral's Task")
    referral = referral_for_task(uow, actor, task_id, right=Right.WORK, action="update", now=now)
    task, referral_id = referral.task, referral.public_id
    output = change.output if change.output is not None and change.output != (task.provider_output or []) else None
    if change.status is task.status and change.business_status == task.business_status:
        if output is not None:  # no step, only a new output: the Task changes all the same
            task.provider_output, task.last_modified = output or None, now
        return referral_id  # else nothing changes: an idempotent replay of the last update
    try:
        action = provider_action(change.status, change.business_status)
    except InvalidTransition as error:
        raise Invalid(error.message, where="Task.status") from None
    detail: dict[str, object] | None = {"output": change.output} if change.output else None
    if output is not None and action in OUTPUT_BEFORE:
        task.provider_output = output or None  # kept before an accept, decline or cancel
    if action is Action.ACCEPT:
        accept_offer(uow, referral_id, actor=actor, now=now)
    elif action is Action.RETRIAGE:
        code = change.reason_code if change.reason_code in DECLINE_REASONS else "other"
        decline_offer(
            uow,
            referral_id,
            reason_code=code,
            reason_text=change.reason_text,
            actor=actor,
            now=now,
        )
    elif action is Action.CANCEL:
        if not change.reason_text:
            raise Invalid("a cancelled Task needs statusReason.text", where="Task.statusReason")
        end_referral(
            uow, referral, reason=change.reason_text, actor=actor, now=now, event_type=EventType.CANCELLED_BY_PROVIDER
        )
    elif action in SESSION_STEPS:
        status = AttendanceStatus.ATTENDED if action is Action.ATTEND else AttendanceStatus.DNA
        record_session(
            uow, referral_id, session_on=uk_date(now), status=status, actor=actor, now=now, detail=detail, output=output
        )
    else:
        record_step(
            uow,
            referral_id,
            action,
            actor=actor,
            now=now,
            reason=change.reason_text,
            detail=detail,
            output=output,
        )
    return referral_id
