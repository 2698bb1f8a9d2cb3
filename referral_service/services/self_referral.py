"""People referring themselves on the public form: the same intake, triage, places and lifecycle as
a GP referral (`intake.admit_referral`), with `source` self, their consent per channel, their
readiness answers, and a receipt saying what happens next.

A self-referral has no API client behind it: nothing goes to an outbox (there is no referrer's
system to tell), and no GP system can read it. The practice the person names is the referral's
sender organisation, so reports by practice count it. Whether the GP should be told is kept with
the answers and shown to the provider and the link worker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from referral_service.domain.access import SELF_REFERRER
from referral_service.domain.directory import OrganisationKind, ServiceCategory
from referral_service.domain.intake import Coding
from referral_service.domain.lifecycle import BusinessStatus
from referral_service.domain.notifications import Channel, NotificationKind
from referral_service.domain.referral import ReferralSource
from referral_service.domain.self_referral import (
    SelfReferral,
    asks_readiness,
    clearance_reason,
    incoming_referral,
)
from referral_service.persistence.models import Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.consent import store_per_channel
from referral_service.services.errors import Invalid
from referral_service.services.intake import admit_referral
from referral_service.services.notifications import queue_patient_message
from referral_service.services.throttles import count_request

THROTTLE_SCOPE = "self-referral"
SUBMITS_PER_HOUR = 5  # per client address: a household may refer two or three people, a script more
LINK_WORKER_CONTACT_DAYS = 3
FROM_FORM = "from the self-referral form"


@dataclass(frozen=True)
class ServiceChoice:
    slug: str
    name: str
    organisation: str
    description: str | None
    category: ServiceCategory

    @property
    def asks_readiness(self) -> bool:
        return asks_readiness(self.category)


@dataclass(frozen=True)
class PracticeChoice:
    ods_code: str
    name: str


@dataclass(frozen=True)
class Choices:
    services: tuple[ServiceChoice, ...]
    practices: tuple[PracticeChoice, ...]

    def service(self, slug: str | None) -> ServiceChoice | None:
        return next((s for s in self.services if s.slug == slug), None)


@dataclass(frozen=True)
class SelfReferralReceipt:
    """What the person is told: their reference and what happens next."""

    reference: str
    next_step: str  # a sentence for the page and the email
    next_short: str  # the same, short enough for a text
    offered_at: str | None  # the service offered, when there is a place now
    messages_queued: tuple[Channel, ...]
    tell_gp: bool  # the person asked that their GP practice be told: whoever helps them does so


def choices(uow: UnitOfWork) -> Choices:
    """The services taking self-referral and the practices the service knows, for the form."""
    return Choices(
        services=tuple(
            ServiceChoice(s.slug, s.name, s.organisation.name, s.description, s.category)
            for s in uow.directory.self_referral_services()
        ),
        practices=tuple(PracticeChoice(p.ods_code or "", p.name) for p in uow.directory.practices() if p.ods_code),
    )


def throttled(uow: UnitOfWork, remote_address: str | None, *, now: datetime) -> int:
    """Count one submit from this address: 0 while within the limit, else the seconds to wait."""
    key = remote_address or "unknown"
    return count_request(uow, THROTTLE_SCOPE, key, limit=SUBMITS_PER_HOUR, window=timedelta(hours=1), now=now)


def submit_self_referral(uow: UnitOfWork, answers: SelfReferral, *, now: datetime) -> SelfReferralReceipt:
    """Store and triage the person's referral; queue their receipt on the channels they allowed.

    A "yes" on a PAR-Q+ question (asked for services that get people moving) holds the referral
    for a link worker, with the answers in words, before any place is offered."""
    service = uow.directory.service_by_slug(answers.service_slug)
    if service is None or not service.is_listed or not service.self_referral:
        raise Invalid("choose a service that takes self-referrals", where="service")
    practice = uow.directory.organisation_by_ods_code(answers.practice_ods)
    if practice is None or practice.kind is not OrganisationKind.REFERRER:
        raise Invalid("choose your GP practice from the list", where="practice")
    readiness = dict(answers.readiness) if asks_readiness(service.category) else {}
    incoming = incoming_referral(
        answers,
        pathway=Coding(service.pathway_system, service.pathway_code),
        now=now,
        request_id=str(uuid.uuid4()),
        correlation_id=str(uuid.uuid4()),
    )
    referral, _ = admit_referral(
        uow,
        incoming,
        sender=practice,
        actor=SELF_REFERRER,
        now=now,
        source=ReferralSource.SELF,
        hold=clearance_reason(readiness),
        evidence={"self_referral": {"readiness": readiness, "tell_gp": answers.tell_gp, "chose": service.slug}},
    )
    store_per_channel(
        uow,
        referral,
        {Channel.EMAIL: answers.email_consent, Channel.SMS: answers.sms_consent},
        source=FROM_FORM,
        now=now,
    )
    return _receipt(uow, referral, now, tell_gp=answers.tell_gp)


def _receipt(uow: UnitOfWork, referral: Referral, now: datetime, *, tell_gp: bool) -> SelfReferralReceipt:
    reference = referral.public_id[:8].upper()
    task = referral.task
    service = uow.directory.service_by_id(task.service_id)
    offered_at = None
    if task.business_status == BusinessStatus.OFFERED and service is not None:
        offered_at = f"{service.name} ({service.organisation.name})"
        days = service.offer_response_days
        next_step = f"You are offered a place at {offered_at}. They will contact you within {days} working days."
        next_short = f"You are offered a place. {service.organisation.name[:40]} will contact you."
    elif task.business_status == BusinessStatus.WAITLISTED and service is not None:
        next_step = f"You are on the waiting list for {service.name}. We will tell you when a place is free."
        next_short = "You are on a waiting list. We will tell you when a place is free."
    else:
        days = LINK_WORKER_CONTACT_DAYS
        next_step = f"A link worker will contact you within {days} working days to talk about what would help."
        next_short = f"A link worker will contact you within {days} working days."
    queued = queue_patient_message(
        uow,
        referral,
        NotificationKind.SELF_REFERRAL,
        dedupe_key=f"self-referral:{referral.public_id}",
        now=now,
        details={"reference": reference, "next": next_step, "next_short": next_short},
    )
    return SelfReferralReceipt(
        reference=reference,
        next_step=next_step,
        next_short=next_short,
        offered_at=offered_at,
        messages_queued=tuple(n.channel for n in queued if n.recipient),
        tell_gp=tell_gp,
    )
