"""Ask before referring: what triage would do with a referral if it were sent now.

The same reading of the facts (`triage.facts_from`), the same candidates with their live capacity
(`triage.narrowed_profiles`) and the same decision (`domain.choice.decide`) as intake's triage, and each
service on the pathway judged as a link worker sees it (`domain.placement.placement_choices`).
Nothing is stored and nothing reserved; only the audit row of the patient data read is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.access import Actor
from referral_service.domain.choice import Decision, decide
from referral_service.domain.intake import IncomingReferral
from referral_service.domain.placement import PlacementChoice, placement_choices
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import record_check, require_gp_system
from referral_service.services.candidates import narrowed_profiles
from referral_service.services.errors import Forbidden
from referral_service.services.intake import evidence_document
from referral_service.services.triage import facts_from


@dataclass(frozen=True)
class TriageCheck:
    """The decision triage would make now, and every service on the pathway with its verdict and room."""

    decision: Decision
    services: tuple[PlacementChoice, ...]


def check_triage(
    uow: UnitOfWork, incoming: IncomingReferral, *, actor: Actor, now: datetime, request_id: str | None
) -> TriageCheck:
    """What would happen to this referral now; the caller must be a GP system referring for the practice."""
    require_gp_system(actor)
    if incoming.sender_ods is not None and incoming.sender_ods not in actor.practices:
        raise Forbidden(f"this client is not registered to refer for practice {incoming.sender_ods}")
    pathway = incoming.pathway.token if incoming.pathway else None
    facts = facts_from(evidence_document(incoming), incoming.patient, incoming.authored_at, pathway)
    found = narrowed_profiles(uow, facts, now.date())
    profiles = found.profiles
    decision = decide(facts, profiles, passed_over=(), left_out=found.left_out)
    services = placement_choices(facts, profiles, providers=found.providers)
    record_check(
        uow, actor, action="triage-check", nhs_number=incoming.patient.nhs_number, now=now, request_id=request_id
    )
    return TriageCheck(decision, tuple(services))
