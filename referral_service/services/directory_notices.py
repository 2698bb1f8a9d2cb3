"""Telling people about listing changes: the commissioners who may approve one are told it waits,
and the provider's team is told what became of it. No patient data is in either."""

from __future__ import annotations

from datetime import datetime

from referral_service.domain.directory_changes import ProposalStatus
from referral_service.domain.notifications import NotificationKind
from referral_service.persistence.models import DirectoryProposal, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.notifications import queue_staff_notice


def tell_deciders(
    uow: UnitOfWork, proposal: DirectoryProposal, service: Service, changes: list[str], now: datetime
) -> int:
    """Each commissioner of the service's area (or of every area) is told a change waits: how many."""
    values = {
        "provider": service.organisation.name,
        "service": service.name,
        "changes": "\n".join(f"- {change}" for change in changes),
        "link": "{base_url}/portal/approvals/" + proposal.public_id,
    }
    people = uow.notifications.commissioners(service.area_id)
    for user in people:
        key = f"listing-proposed:{proposal.public_id}:{user.id}"
        queue_staff_notice(uow, user, NotificationKind.LISTING_PROPOSED, values, dedupe_key=key, now=now)
    return len(people)


def tell_provider(uow: UnitOfWork, proposal: DirectoryProposal, service: Service, now: datetime) -> int:
    """The provider's team is told the change was approved (and is in use) or rejected, with why."""
    approved = proposal.status is ProposalStatus.APPROVED
    values = {
        "service": service.name,
        "decision": "approved: triage uses it from now on" if approved else "rejected",
        "reason": "" if approved or not proposal.reason else f"\n\nThe reason given: {proposal.reason}",
        "link": "{base_url}/portal/listing",
    }
    people = uow.notifications.team(service.organisation_id)
    for user in people:
        key = f"listing-decided:{proposal.public_id}:{user.id}"
        queue_staff_notice(uow, user, NotificationKind.LISTING_DECIDED, values, dedupe_key=key, now=now)
    return len(people)
