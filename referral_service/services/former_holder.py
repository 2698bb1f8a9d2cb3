"""What a provider that held a referral before may still read: what was recorded while it was
with them, never what the service it moved on to has recorded since (another provider's work)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from referral_service.domain.access import Actor
from referral_service.domain.events import EventType
from referral_service.persistence.models import Referral
from referral_service.persistence.uow import UnitOfWork

if TYPE_CHECKING:
    from referral_service.services.caseload import CaseFile

# the steps by which a referral leaves a provider for triage again, and so for another service
LEFT_BY = frozenset({EventType.DECLINED, EventType.OFFER_EXPIRED, EventType.CANCELLED_BY_PROVIDER})


def left_them_at(uow: UnitOfWork, referral: Referral, actor: Actor) -> datetime | None:
    """When the referral left this provider, if the caller is a provider that no longer holds it."""
    provider = actor.provider_organisation
    if provider is None or referral.task.owner_organisation_id == provider:
        return None
    left = [e.occurred_at for e in uow.referrals.events(referral) if e.event_type in LEFT_BY]
    return max(left) if left else referral.received_at


def as_seen_by_former_holder(case: CaseFile, left_at: datetime) -> CaseFile:
    """The case file up to the moment it left them: later steps, sessions, measures, messages, notes
    and contact details belong to whoever holds it now."""
    casework = case.casework
    if casework is not None:
        casework = replace(
            casework,
            history=[line for line in casework.history if _not_after(line[0], left_at)],
            notes=[note for note in casework.notes if _not_after(note.written_at, left_at)],
            flags=[flag for flag in casework.flags if _not_after(flag.raised_at, left_at)],
            follow_ups=[],
        )
    return replace(
        case,
        events=[event for event in case.events if _not_after(event.occurred_at, left_at)],
        # by when it was recorded, not the (backdatable) time of the attempt
        contacts=[contact for contact in case.contacts if _not_after(contact["recorded"], left_at)],  # type: ignore[arg-type]
        register=[],
        measures={},
        messages=[],
        bookings=[],
        contact=None,
        casework=casework,
    )


def _not_after(moment: datetime, limit: datetime) -> bool:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones."""
    if (moment.tzinfo is None) != (limit.tzinfo is None):
        moment, limit = moment.replace(tzinfo=None), limit.replace(tzinfo=None)
    return moment <= limit
