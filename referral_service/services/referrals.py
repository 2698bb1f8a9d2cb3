"""Reading referrals and their Tasks back: only a client's own, and every read audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from referral_service.domain.explanation import explain, sentence
from referral_service.domain.lifecycle import BusinessStatus
from referral_service.domain.referral import ReferralSource, ReferralStatus, TaskStatus
from referral_service.persistence.models import Organisation, Referral, ReferralTask
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import (
    Actor,
    SentReferrals,
    TaskFilter,
    referral_for,
    referral_for_task,
    referrals_for,
)
from referral_service.services.errors import NotFound


@dataclass(frozen=True)
class TaskView:
    id: str
    referral_id: str
    status: TaskStatus
    business_status: str | None
    status_reason: str | None
    owner_ods: str | None
    owner_name: str | None
    requester_ods: str | None
    nhs_number: str | None
    authored_at: datetime
    last_modified: datetime
    version: int
    output: list[dict[str, Any]] = field(default_factory=list)  # what the provider's system sent, as sent
    explanation: tuple[str, ...] = ()  # why it is where it is, in sentences (before acceptance)


@dataclass(frozen=True)
class ReferralView:
    id: str
    status: ReferralStatus
    payload: bytes
    payload_format: str
    updated_at: datetime
    task: TaskView


def _organisation(uow: UnitOfWork, organisation_id: int | None) -> Organisation | None:
    return uow.directory.organisation_by_id(organisation_id)


def _status_reason(uow: UnitOfWork, referral: Referral, task: ReferralTask) -> str | None:
    """For a waiting referral, its place in the queue now (it moves as others are offered places)."""
    if task.business_status == BusinessStatus.WAITLISTED:
        entry = uow.capacity.waiting_entry(referral.id)
        service = uow.directory.service_by_id(task.service_id)
        if entry is not None and service is not None:
            return f"waiting list position {uow.capacity.position(entry)} at {service.name}"
    return task.status_reason


def _task_view(uow: UnitOfWork, referral: Referral, task: ReferralTask) -> TaskView:
    names = service_names(uow, referral)
    owner = _organisation(uow, task.owner_organisation_id)
    sender = _organisation(uow, referral.sender_organisation_id)
    return TaskView(
        id=task.public_id,
        referral_id=referral.public_id,
        status=task.status,
        business_status=task.business_status,
        status_reason=sentence(_status_reason(uow, referral, task), names),
        owner_ods=owner.ods_code if owner else None,
        owner_name=owner.name if owner else None,
        # a self-referral's practice is the person's own, not its requester
        requester_ods=sender.ods_code if sender and referral.source is ReferralSource.GP else None,
        nhs_number=referral.patient_details.nhs_number,
        authored_at=task.authored_at,
        last_modified=task.last_modified,
        version=task.version,
        output=list(task.provider_output or []),
        explanation=tuple(explain(referral.triage, names, _override(uow, referral)))
        if task.business_status in EXPLAINED
        else (),
    )


EXPLAINED = {BusinessStatus.OFFERED, BusinessStatus.WAITLISTED, BusinessStatus.LINK_WORKER}


def service_names(uow: UnitOfWork, referral: Referral) -> dict[str, str]:
    """The services triage considered, by slug, with the names people know them by."""
    assessments: list[dict[str, Any]] = list((referral.triage or {}).get("assessments") or [])  # type: ignore[call-overload]
    return uow.directory.service_names({str(a.get("service")) for a in assessments})


def _override(uow: UnitOfWork, referral: Referral) -> str | None:
    """A link worker's placing by hand, with their reason and who they are."""
    placed = [
        e
        for e in uow.referrals.events(referral)
        if e.from_business_status == BusinessStatus.LINK_WORKER and e.to_business_status == BusinessStatus.OFFERED
    ]
    if not placed:
        return None
    last = placed[-1]
    return f"Triage was overridden by link worker {last.actor_id}: {last.reason}"


def _view(uow: UnitOfWork, referral: Referral) -> ReferralView:
    return ReferralView(
        id=referral.public_id,
        status=referral.status,
        payload=referral.payload,
        payload_format=referral.payload_format,
        updated_at=max(referral.updated_at, referral.task.last_modified),
        task=_task_view(uow, referral, referral.task),
    )


def read_referral(
    uow: UnitOfWork, public_id: str, *, actor: Actor, now: datetime, request_id: str | None
) -> ReferralView:
    """One referral by our id; another client's referral answers NotFound, so its existence does not leak."""
    try:
        referral = referral_for(
            uow, actor, public_id, resource_type="ServiceRequest", action="read", now=now, request_id=request_id
        )
    except NotFound:
        raise NotFound(f"no ServiceRequest {public_id}") from None
    return _view(uow, referral)


def search_referrals(
    uow: UnitOfWork,
    *,
    actor: Actor,
    identifier: tuple[str | None, str] | None,
    nhs_number: str | None,
    now: datetime,
    request_id: str | None,
) -> list[ReferralView]:
    found = referrals_for(
        uow,
        actor,
        SentReferrals(identifier=identifier, nhs_number=nhs_number),
        action="search",
        resource_type="ServiceRequest",
        request_id=request_id,
        now=now,
    )
    return [_view(uow, referral) for referral in found]


def read_task(uow: UnitOfWork, public_id: str, *, actor: Actor, now: datetime, request_id: str | None) -> TaskView:
    try:
        referral = referral_for_task(uow, actor, public_id, action="read", now=now, request_id=request_id)
    except NotFound:
        raise NotFound(f"no Task {public_id}") from None
    return _task_view(uow, referral, referral.task)


def search_tasks(
    uow: UnitOfWork,
    criteria: TaskFilter,
    *,
    actor: Actor,
    include_focus: bool,
    now: datetime,
    request_id: str | None,
) -> tuple[list[TaskView], list[ReferralView]]:
    """A client's Tasks by focus and last-modified time (the polling channel), optionally with their
    ServiceRequests (`_include=Task:focus`)."""
    found = referrals_for(
        uow,
        actor,
        criteria,
        action="search",
        resource_type="Task",
        request_id=request_id,
        now=now,
    )
    views = [_task_view(uow, referral, referral.task) for referral in found]
    included = [_view(uow, referral) for referral in found] if include_focus else []
    return views, included
