"""Reading referrals and their Tasks back: only a client's own, and every read audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from referral_service.domain.explanation import explain, sentence
from referral_service.domain.lifecycle import BusinessStatus
from referral_service.domain.referral import ReferralSource, ReferralStatus, TaskStatus
from referral_service.persistence.models import Referral, ReferralTask
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


@dataclass(frozen=True)
class _Page:
    """What the views of a page of referrals read beyond the rows themselves, each read once for the
    whole page (it was read per referral: a poll of 100 Tasks cost hundreds of statements)."""

    organisations: dict[int, tuple[str | None, str]]  # (ODS code, name) by id: owners and senders
    names: dict[str, str]  # by slug, every service the page's triage assessed
    waiting: dict[int, int]  # by referral id, the place in its queue of each waiting one
    services: dict[int, str]  # by id, the names of the services the waiting ones wait for
    overrides: dict[int, str]  # by referral id, a link worker's last placing by hand


def _assessed(referral: Referral) -> set[str]:
    assessments: list[dict[str, Any]] = list((referral.triage or {}).get("assessments") or [])  # type: ignore[call-overload]
    return {str(a.get("service")) for a in assessments}


def _page(uow: UnitOfWork, referrals: Sequence[Referral]) -> _Page:
    waiting = [r for r in referrals if r.task.business_status == BusinessStatus.WAITLISTED]
    explained = [r.id for r in referrals if r.task.business_status in EXPLAINED]
    organisations = [r.task.owner_organisation_id for r in referrals] + [r.sender_organisation_id for r in referrals]
    placings = uow.referrals.hand_placings(explained)
    return _Page(
        organisations=uow.directory.organisation_names(organisations),
        names=uow.directory.service_names(set().union(*(_assessed(r) for r in referrals))),
        waiting=uow.capacity.waiting_positions([r.id for r in waiting]),
        services=uow.directory.service_names_by_id([r.task.service_id for r in waiting]),
        overrides={
            referral_id: f"Triage was overridden by link worker {event.actor_id}: {event.reason}"
            for referral_id, event in placings.items()
        },
    )


def _status_reason(page: _Page, referral: Referral, task: ReferralTask) -> str | None:
    """For a waiting referral, its place in the queue now (it moves as others are offered places)."""
    if task.business_status == BusinessStatus.WAITLISTED:
        position = page.waiting.get(referral.id)
        service = page.services.get(task.service_id) if task.service_id is not None else None
        if position is not None and service is not None:
            return f"waiting list position {position} at {service}"
    return task.status_reason


def _task_view(page: _Page, referral: Referral) -> TaskView:
    task = referral.task
    names = {slug: page.names[slug] for slug in _assessed(referral) if slug in page.names}
    owner = page.organisations.get(task.owner_organisation_id) if task.owner_organisation_id is not None else None
    sender = page.organisations.get(referral.sender_organisation_id)
    return TaskView(
        id=task.public_id,
        referral_id=referral.public_id,
        status=task.status,
        business_status=task.business_status,
        status_reason=sentence(_status_reason(page, referral, task), names),
        owner_ods=owner[0] if owner else None,
        owner_name=owner[1] if owner else None,
        # a self-referral's practice is the person's own, not its requester
        requester_ods=sender[0] if sender and referral.source is ReferralSource.GP else None,
        nhs_number=referral.patient_details.nhs_number,
        authored_at=task.authored_at,
        last_modified=task.last_modified,
        version=task.version,
        output=list(task.provider_output or []),
        explanation=tuple(explain(referral.triage, names, page.overrides.get(referral.id)))
        if task.business_status in EXPLAINED
        else (),
    )


def _task_views(uow: UnitOfWork, referrals: Sequence[Referral]) -> list[TaskView]:
    """The Tasks of a page of referrals, in its order, with a constant number of statements."""
    page = _page(uow, referrals)
    return [_task_view(page, referral) for referral in referrals]


EXPLAINED = {BusinessStatus.OFFERED, BusinessStatus.WAITLISTED, BusinessStatus.LINK_WORKER}


def service_names(uow: UnitOfWork, referral: Referral) -> dict[str, str]:
    """The services triage considered, by slug, with the names people know them by."""
    return uow.directory.service_names(_assessed(referral))


def _view(referral: Referral, task: TaskView) -> ReferralView:
    return ReferralView(
        id=referral.public_id,
        status=referral.status,
        payload=referral.payload,
        payload_format=referral.payload_format,
        updated_at=max(referral.updated_at, referral.task.last_modified),
        task=task,
    )


def _views(uow: UnitOfWork, referrals: Sequence[Referral]) -> list[ReferralView]:
    return [_view(referral, task) for referral, task in zip(referrals, _task_views(uow, referrals), strict=True)]


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
    return _views(uow, [referral])[0]


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
    return _views(uow, found)


def read_task(uow: UnitOfWork, public_id: str, *, actor: Actor, now: datetime, request_id: str | None) -> TaskView:
    try:
        referral = referral_for_task(uow, actor, public_id, action="read", now=now, request_id=request_id)
    except NotFound:
        raise NotFound(f"no Task {public_id}") from None
    return _task_views(uow, [referral])[0]


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
    views = _task_views(uow, found)
    included = [_view(referral, view) for referral, view in zip(found, views, strict=True)] if include_focus else []
    return views, included
