"""Who is calling, and the one way to reach a referral: scoped to the caller, and audited.

Every door (FHIR, the portal, the CLI, the jobs) reaches a referral for a caller through
`referral_for`, `referral_for_task`, `referral_sent` or `referrals_for`. Each checks the caller
against the domain's one rule (`may_reach`), answers NotFound to anyone without the right (so a
referral's existence never leaks), and writes the audit row in the caller's transaction before
the referral leaves the service layer. An architecture test keeps every other module from
looking referrals up for a caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from referral_service.domain.access import SCHEDULER, Actor, ApiClientKind, ReferralScope, Right, UserRole, may_reach
from referral_service.domain.lifecycle import TERMINAL, BusinessStatus
from referral_service.domain.referral import TaskStatus
from referral_service.persistence.models import AuditEvent, Referral
from referral_service.persistence.repositories.casework import SearchTerms
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.callers import active_client, authenticate_client, require_gp_system
from referral_service.services.errors import NotFound

__all__ = [
    "SCHEDULER",
    "Actor",
    "Following",
    "HeldReferrals",
    "LinkWorkerQueue",
    "MyFollowUps",
    "OpenBeside",
    "PortalSearch",
    "Right",
    "SearchTerms",
    "SentReferrals",
    "TaskFilter",
    "WaitingList",
    "active_client",
    "authenticate_client",
    "open_referrals_beside",
    "referral_for",
    "referral_for_task",
    "referral_sent",
    "referrals_for",
    "require_gp_system",
    "rights_on",
]

SEARCH_LIMIT = 100


def scope_of(uow: UnitOfWork, referral: Referral, actor: Actor) -> ReferralScope:
    """The facts `may_reach` needs about a referral for this caller. Who held it before is asked
    only for a provider that does not hold it now, and who follows it only for a link worker, so
    the API's lists cost no more than they did."""
    task = referral.task
    provider = actor.provider_organisation
    held_before = provider is not None and task.owner_organisation_id != provider
    return ReferralScope(
        sent_by_client=referral.api_client_id,
        owner_organisation_id=task.owner_organisation_id,
        in_link_worker_queue=task.business_status == BusinessStatus.LINK_WORKER,
        held_before_by=uow.casework.holders(referral.id) if held_before else frozenset(),
        followed_by=uow.casework.followers(referral.id) if actor.role is UserRole.LINK_WORKER else frozenset(),
        closed=task.status in TERMINAL,
    )


def rights_on(uow: UnitOfWork, actor: Actor, referral: Referral) -> frozenset[Right]:
    """What the caller may do with a referral it has already reached (the portal shows only those actions)."""
    scope = scope_of(uow, referral, actor)
    return frozenset(right for right in Right if may_reach(actor, scope, right))


@dataclass(frozen=True)
class Audit:
    """What the audit row says of one reach: the action, what was shown, the request it came in."""

    action: str
    resource_type: str
    request_id: str | None
    now: datetime


def _audit_columns(actor: Actor, referral: Referral, audit: Audit) -> dict[str, Any]:
    """The audit row of one referral reached: who, when, what was shown, through which request."""
    return {
        "occurred_at": audit.now,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "action": audit.action,
        "resource_type": audit.resource_type,
        "resource_id": referral.public_id,
        "referral_id": referral.id,
        "patient_id": referral.patient_id,
        "request_id": audit.request_id,
    }


def _record(uow: UnitOfWork, actor: Actor, referral: Referral, audit: Audit) -> None:
    uow.referrals.add(AuditEvent(**_audit_columns(actor, referral, audit)))


def record_check(
    uow: UnitOfWork, actor: Actor, *, action: str, nhs_number: str | None, now: datetime, request_id: str | None
) -> None:
    """The audit row for patient data read without a referral to reach (a triage check before referring):
    who, what, and the patient when we know them."""
    patient = uow.referrals.patient_by_nhs_number(nhs_number) if nhs_number else None
    uow.referrals.add(
        AuditEvent(
            occurred_at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            action=action,
            resource_type="ServiceRequest",
            patient_id=patient.id if patient is not None else None,
            request_id=request_id,
        )
    )


def _checked(
    uow: UnitOfWork, actor: Actor, referral: Referral | None, right: Right, audit: Audit, missing: str
) -> Referral:
    if referral is None or not may_reach(actor, scope_of(uow, referral, actor), right):
        raise NotFound(missing)
    _record(uow, actor, referral, audit)
    return referral


def referral_for(
    uow: UnitOfWork,
    actor: Actor,
    referral_id: str,
    *,
    now: datetime,
    right: Right = Right.READ,
    action: str | None = None,
    resource_type: str = "Referral",
    request_id: str | None = None,
) -> Referral:
    """The referral with this id, if `actor` holds `right` on it; NotFound otherwise. Audited."""
    audit = Audit(action or right.value, resource_type, request_id, now)
    found = uow.referrals.by_public_id(referral_id)
    return _checked(uow, actor, found, right, audit, f"no {resource_type} {referral_id} for you")


def referral_for_task(
    uow: UnitOfWork,
    actor: Actor,
    task_id: str,
    *,
    now: datetime,
    right: Right = Right.READ,
    action: str | None = None,
    request_id: str | None = None,
) -> Referral:
    """The referral whose Task has this id, on the same terms as `referral_for`."""
    audit = Audit(action or right.value, "Task", request_id, now)
    task = uow.referrals.task_by_public_id(task_id)
    return _checked(uow, actor, task.referral if task else None, right, audit, f"no Task {task_id} for you")


def referral_sent(
    uow: UnitOfWork,
    actor: Actor,
    *,
    identifier: tuple[str | None, str] | None,
    correlation_id: str,
    now: datetime,
    right: Right = Right.REFER,
    request_id: str | None = None,
) -> Referral:
    """A referral its sender names by its own identifier, else by the conversation's X-Correlation-Id."""
    audit = Audit(right.value, "ServiceRequest", request_id, now)
    found: Referral | None = None
    if actor.client_pk is not None:
        if identifier is not None:
            matches = uow.referrals.search(api_client_id=actor.client_pk, identifier=identifier, limit=1)
            found = matches[0] if matches else None
        else:
            found = uow.referrals.latest_by_correlation_id(actor.client_pk, correlation_id)
    return _checked(uow, actor, found, right, audit, "no referral of yours matches")


@dataclass(frozen=True)
class SentReferrals:
    """ServiceRequests the calling referrer sent, by its identifier or the patient's NHS number."""

    identifier: tuple[str | None, str] | None = None
    nhs_number: str | None = None


@dataclass(frozen=True)
class TaskFilter:
    """The polling channel: a caller's Tasks by id, focus and last-modified time."""

    task_id: str | None = None
    focus: str | None = None
    modified_after: datetime | None = None
    modified_from: datetime | None = None
    modified_before: datetime | None = None
    modified_until: datetime | None = None


@dataclass(frozen=True)
class HeldReferrals:
    """The referrals a provider holds now: offered, waiting, accepted or in progress."""


@dataclass(frozen=True)
class LinkWorkerQueue:
    """The referrals waiting for a person to decide."""


@dataclass(frozen=True)
class WaitingList:
    """One service's waiting list, in order."""

    service_id: int


@dataclass(frozen=True)
class PortalSearch:
    """A person's search in the portal: a provider across every referral its organisation holds or
    held (finished, declined and expired ones too); a link worker across the queue and their caseload."""

    terms: SearchTerms


@dataclass(frozen=True)
class Following:
    """A link worker's caseload: the people they placed, closed or asked about, or follow up."""


@dataclass(frozen=True)
class MyFollowUps:
    """The referrals with a follow-up the caller owns and has not done."""


Listing = (
    SentReferrals | TaskFilter | HeldReferrals | LinkWorkerQueue | WaitingList | PortalSearch | Following | MyFollowUps
)


def _listed(uow: UnitOfWork, actor: Actor, listing: Listing) -> Sequence[Referral]:
    provider = actor.provider_organisation
    match listing:
        case SentReferrals(identifier, nhs_number):
            if actor.client_pk is None:
                return []
            return uow.referrals.search(
                api_client_id=actor.client_pk, identifier=identifier, nhs_number=nhs_number, limit=SEARCH_LIMIT
            )
        case TaskFilter():
            by_owner = actor.client_kind is ApiClientKind.PROVIDER_SYSTEM
            return uow.referrals.search_tasks(
                api_client_id=None if by_owner else actor.client_pk,
                owner_id=provider if by_owner else None,
                public_id=listing.task_id,
                focus_public_id=listing.focus,
                modified_after=listing.modified_after,
                modified_from=listing.modified_from,
                modified_before=listing.modified_before,
                modified_until=listing.modified_until,
                limit=SEARCH_LIMIT,
            )
        case HeldReferrals():
            if provider is None:
                raise NotFound("no caseload for you")
            return uow.progress.caseload(provider)
        case LinkWorkerQueue():
            if not may_reach(actor, ReferralScope(None, None, in_link_worker_queue=True), Right.DECIDE):
                raise NotFound("no queue for you")
            return uow.progress.link_worker_queue()
        case WaitingList(service_id):
            if provider is None:
                raise NotFound("no waiting list for you")
            return [uow.referrals.by_id(entry.referral_id) for entry in uow.progress.waiting_list(service_id)]
        case PortalSearch(terms):
            if provider is not None and actor.user_id is not None:
                return uow.casework.search_held(provider, terms)
            if actor.role is UserRole.LINK_WORKER and actor.user_id is not None:
                return uow.casework.search_for_link_worker(actor.user_id, terms)
            raise NotFound("no search for you")
        case Following():
            if actor.role is not UserRole.LINK_WORKER or actor.user_id is None:
                raise NotFound("no caseload for you")
            return uow.casework.followed_by(actor.user_id)
        case MyFollowUps():
            if actor.user_id is None:
                raise NotFound("no follow-ups for you")
            return uow.casework.with_follow_ups_of(actor.user_id)


def referrals_for(
    uow: UnitOfWork,
    actor: Actor,
    listing: Listing,
    *,
    now: datetime,
    action: str,
    resource_type: str = "Referral",
    request_id: str | None = None,
) -> list[Referral]:
    """The referrals a listing names that `actor` may read, in the listing's order, each audited.

    The listing's own query is already scoped to the caller; the rule is applied again to every row,
    so a query that went wrong shows nobody's patient to the wrong person."""
    audit = Audit(action, resource_type, request_id, now)
    listed = _listed(uow, actor, listing)
    shown = [referral for referral in listed if may_reach(actor, scope_of(uow, referral, actor), Right.READ)]
    uow.referrals.add_audit_events([_audit_columns(actor, referral, audit) for referral in shown])  # one INSERT
    if isinstance(listing, PortalSearch):
        _record_search(uow, actor, listing.terms, len(shown), audit)
    return shown


def _record_search(uow: UnitOfWork, actor: Actor, terms: SearchTerms, found: int, audit: Audit) -> None:
    """The search itself is audited too, even when it finds nobody: which fields were searched by,
    never what was typed (that is patient data)."""
    by = [name for name in ("name", "nhs_number", "birth_date", "reference") if getattr(terms, name)]
    uow.referrals.add(
        AuditEvent(
            occurred_at=audit.now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            action="search",
            resource_type="Search",
            request_id=audit.request_id,
            detail={"by": by, "found": found},
        )
    )


@dataclass(frozen=True)
class OpenBeside:
    """Another open referral of the same person on the same pathway, as whoever decides one sees it:
    when it came, who sent it, where it stands and with which service; never its patient's details."""

    referral_id: str | None  # only when the caller may open that referral too
    received_at: datetime
    sender_organisation_id: int
    task_status: TaskStatus
    business_status: str | None
    service_id: int | None


def open_referrals_beside(
    uow: UnitOfWork, actor: Actor, referral: Referral, *, now: datetime, request_id: str | None = None
) -> list[OpenBeside]:
    """The person's other open referrals on this referral's pathway, so a link worker deciding it sees
    them side by side. Only for a caller who may decide `referral` (anyone else gets none); each
    one shown is audited."""
    if not may_reach(actor, scope_of(uow, referral, actor), Right.DECIDE):
        return []
    audit = Audit("list-open-beside", "Referral", request_id, now)
    beside = []
    for other in uow.referrals.open_on_pathway(referral):
        _record(uow, actor, other, audit)
        beside.append(
            OpenBeside(
                other.public_id if may_reach(actor, scope_of(uow, other, actor), Right.READ) else None,
                other.received_at,
                other.sender_organisation_id,
                other.task.status,
                other.task.business_status,
                other.task.service_id,
            )
        )
    return beside
