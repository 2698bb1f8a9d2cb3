"""Reading referrals and their Tasks back: only a client's own, and every read audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.access import ApiClientKind
from referral_service.domain.lifecycle import BusinessStatus
from referral_service.domain.referral import ReferralStatus, TaskStatus
from referral_service.persistence.models import Organisation, Referral, ReferralTask, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import ClientActor, record_access
from referral_service.services.errors import NotFound

SEARCH_LIMIT = 100


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


@dataclass(frozen=True)
class ReferralView:
    id: str
    status: ReferralStatus
    payload: bytes
    payload_format: str
    updated_at: datetime
    task: TaskView


def _organisation(uow: UnitOfWork, organisation_id: int | None) -> Organisation | None:
    return uow.session.get(Organisation, organisation_id) if organisation_id is not None else None


def _status_reason(uow: UnitOfWork, referral: Referral, task: ReferralTask) -> str | None:
    """For a waiting referral, its place in the queue now (it moves as others are offered places)."""
    if task.business_status == BusinessStatus.WAITLISTED:
        entry = uow.capacity.waiting_entry(referral.id)
        service = uow.session.get(Service, task.service_id) if task.service_id else None
        if entry is not None and service is not None:
            return f"waiting list position {uow.capacity.position(entry)} at {service.name}"
    return task.status_reason


def _task_view(uow: UnitOfWork, referral: Referral, task: ReferralTask) -> TaskView:
    owner = _organisation(uow, task.owner_organisation_id)
    sender = _organisation(uow, referral.sender_organisation_id)
    return TaskView(
        id=task.public_id,
        referral_id=referral.public_id,
        status=task.status,
        business_status=task.business_status,
        status_reason=_status_reason(uow, referral, task),
        owner_ods=owner.ods_code if owner else None,
        owner_name=owner.name if owner else None,
        requester_ods=sender.ods_code if sender else None,
        nhs_number=referral.patient.nhs_number,
        authored_at=task.authored_at,
        last_modified=task.last_modified,
        version=task.version,
    )


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
    uow: UnitOfWork, public_id: str, *, actor: ClientActor, now: datetime, request_id: str | None
) -> ReferralView:
    """One referral by our id; another client's referral answers NotFound, so its existence does not leak."""
    referral = uow.referrals.by_public_id(public_id)
    if referral is None or not may_see(actor, referral):
        raise NotFound(f"no ServiceRequest {public_id}")
    record_access(
        uow, actor.ref, action="read", resource_type="ServiceRequest", referral=referral, request_id=request_id, now=now
    )
    return _view(uow, referral)


def search_referrals(
    uow: UnitOfWork,
    *,
    actor: ClientActor,
    identifier: tuple[str | None, str] | None,
    nhs_number: str | None,
    now: datetime,
    request_id: str | None,
) -> list[ReferralView]:
    found = uow.referrals.search(
        api_client_id=actor.pk, identifier=identifier, nhs_number=nhs_number, limit=SEARCH_LIMIT
    )
    for referral in found:
        record_access(
            uow,
            actor.ref,
            action="search",
            resource_type="ServiceRequest",
            referral=referral,
            request_id=request_id,
            now=now,
        )
    return [_view(uow, referral) for referral in found]


def may_see(actor: ClientActor, referral: Referral) -> bool:
    """A GP system sees the referrals it sent; a provider's system, the Tasks its organisation owns."""
    if actor.kind is ApiClientKind.PROVIDER_SYSTEM:
        return actor.organisation_id is not None and referral.task.owner_organisation_id == actor.organisation_id
    return referral.api_client_id == actor.pk


def read_task(
    uow: UnitOfWork, public_id: str, *, actor: ClientActor, now: datetime, request_id: str | None
) -> TaskView:
    task = uow.referrals.task_by_public_id(public_id)
    if task is None or not may_see(actor, task.referral):
        raise NotFound(f"no Task {public_id}")
    record_access(
        uow, actor.ref, action="read", resource_type="Task", referral=task.referral, request_id=request_id, now=now
    )
    return _task_view(uow, task.referral, task)


@dataclass(frozen=True)
class TaskSearch:
    focus: str | None = None
    modified_after: datetime | None = None
    modified_from: datetime | None = None
    modified_before: datetime | None = None
    modified_until: datetime | None = None
    task_id: str | None = None


def search_tasks(
    uow: UnitOfWork,
    criteria: TaskSearch,
    *,
    actor: ClientActor,
    include_focus: bool,
    now: datetime,
    request_id: str | None,
) -> tuple[list[TaskView], list[ReferralView]]:
    """A client's Tasks by focus and last-modified time (the polling channel), optionally with their
    ServiceRequests (`_include=Task:focus`)."""
    provider = actor.kind is ApiClientKind.PROVIDER_SYSTEM
    tasks: Sequence[ReferralTask] = uow.referrals.search_tasks(
        api_client_id=None if provider else actor.pk,
        owner_id=actor.organisation_id if provider else None,
        public_id=criteria.task_id,
        focus_public_id=criteria.focus,
        modified_after=criteria.modified_after,
        modified_from=criteria.modified_from,
        modified_before=criteria.modified_before,
        modified_until=criteria.modified_until,
        limit=SEARCH_LIMIT,
    )
    for task in tasks:
        record_access(
            uow,
            actor.ref,
            action="search",
            resource_type="Task",
            referral=task.referral,
            request_id=request_id,
            now=now,
        )
    views = [_task_view(uow, task.referral, task) for task in tasks]
    included = [_view(uow, task.referral) for task in tasks] if include_focus else []
    return views, included
