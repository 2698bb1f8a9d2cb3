"""Triage: match a referral to an accredited service with room, a waiting list, or a person.

The decision is the pure domain's (`domain.choice.decide`); this module gathers its inputs (facts
from what intake stored, the directory and its live capacity) and carries the decision out: a
place reserved atomically and an offer, a waiting-list entry, or the link-worker queue, always with
the event and, when nobody had room or could take the patient, the unmet-demand record.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from referral_service.domain.access import Actor
from referral_service.domain.capacity import PRIORITY_RANK, respond_by
from referral_service.domain.choice import Decision, Route, ServiceProfile, decide
from referral_service.domain.events import EventType
from referral_service.domain.facts import PatientFacts, conditions_by_code, latest_measurements
from referral_service.domain.intake import ConditionEvidence, Measurement
from referral_service.domain.lifecycle import Action
from referral_service.domain.referral import OfferStatus, ReferralSource, WaitlistStatus
from referral_service.persistence.models import Offer, Referral, Service, UnmetDemand, WaitlistEntry, new_public_id
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.calendar import bank_holidays
from referral_service.services.candidates import narrowed_profiles
from referral_service.services.transitions import transition

MAX_RESERVATION_ATTEMPTS = 5


def facts_of(referral: Referral) -> PatientFacts:
    """The facts triage reads, from this referral's own patient details and the evidence intake kept
    (never the payload, never another referral's details)."""
    pathway = f"{referral.pathway_system}|{referral.pathway_code}" if referral.pathway_code else None
    facts = facts_from(referral.evidence or {}, referral.patient_details, referral.authored_at, pathway)
    return replace(facts, self_referred=referral.source is ReferralSource.SELF)


def facts_from(evidence: dict[str, Any], patient: Any, authored_at: datetime, pathway: str | None) -> PatientFacts:
    """The facts from an evidence document (`intake.evidence_document`) and patient details (a stored
    referral's, or a `PatientDetails` not stored, for a triage check): one reading for both."""
    conditions = [
        ConditionEvidence(c["code"], date.fromisoformat(c["recorded_on"]) if c.get("recorded_on") else None)
        for c in evidence.get("conditions", [])
    ]
    measurements = [
        Measurement(
            m["kind"],
            m.get("value"),
            date.fromisoformat(m["observed_on"]) if m.get("observed_on") else None,
            m.get("second_value"),
        )
        for m in evidence.get("measurements", [])
    ]
    return PatientFacts(
        referral_date=authored_at.date(),
        birth_date=patient.birth_date,
        sex=patient.sex,
        postcode=patient.postcode,
        pathway=pathway,
        conditions=conditions_by_code(conditions),
        measurements=latest_measurements(measurements),
        preferences=frozenset(str(p).strip().lower() for p in evidence.get("preferences", [])),
    )


def triage_referral(
    uow: UnitOfWork,
    referral: Referral,
    *,
    actor: Actor,
    now: datetime,
    hold: str | None = None,
    new: bool = False,
) -> Decision:
    """Decide and act: offer (place reserved), waiting list, or link worker; record unmet demand.

    A reservation can lose a race for the last place; then the service counts as full and the
    choice is made again, so two referrals never hold one place. With `hold` (why a person must
    look first, e.g. another open referral for this person), nothing is offered or reserved: the
    referral goes to the link-worker queue with that reason and triage's findings beside it.
    `new`: the referral was created in this unit of work, so no service has passed it over yet.
    """
    facts = facts_of(referral)
    passed_over: list[str] = [] if new else uow.capacity.passed_over(referral.id)
    found = narrowed_profiles(uow, facts, now.date())
    profiles, services = found.profiles, found.ids
    decision = decide(facts, profiles, passed_over=passed_over, left_out=found.left_out)
    if hold is not None:
        decision = replace(decision, route=Route.LINK_WORKER, service=None, reasons=(hold,), unmet=None)
    for _ in range(MAX_RESERVATION_ATTEMPTS):
        if decision.route is not Route.OFFER or decision.service is None:
            break
        _keep_decision(referral, decision)  # before the offer's flush, which may be a new referral's INSERT
        if make_offer(uow, referral, _service(uow, services[decision.service]), decision, actor=actor, now=now):
            break
        profiles = [p if p.slug != decision.service else _full(p) for p in profiles]
        decision = decide(facts, profiles, passed_over=passed_over, left_out=found.left_out)
    _keep_decision(referral, decision)
    if decision.route is Route.WAITLIST and decision.service is not None:
        _join_waiting_list(uow, referral, _service(uow, services[decision.service]), decision, actor=actor, now=now)
    elif decision.route is Route.LINK_WORKER:
        transition(
            uow,
            referral,
            Action.TO_LINK_WORKER,
            actor=actor,
            now=now,
            reason=decision.summary(),
            status_reason="; ".join(decision.reasons),
            owner_id=None,
            service_id=None,
            detail={"missing": sorted(decision.missing)},
            event_type=EventType.TO_LINK_WORKER,
        )
    if decision.unmet is not None:
        _record_unmet(uow, referral, decision, facts, now)
    return decision


def _keep_decision(referral: Referral, decision: Decision) -> None:
    """The referral's stored explanation and risk. Set again unchanged, they write nothing more."""
    referral.triage = decision.to_document()
    referral.risk_level = decision.risk.level


def _service(uow: UnitOfWork, service_id: int) -> Service:
    service = uow.directory.service_by_id(service_id)
    assert service is not None
    return service


def _full(profile: ServiceProfile) -> ServiceProfile:
    return replace(profile, has_room=False)


def make_offer(
    uow: UnitOfWork,
    referral: Referral,
    service: Service,
    decision: Decision | None,
    *,
    actor: Actor,
    now: datetime,
    action: Action = Action.OFFER,
    reason: str | None = None,
    status_reason: str | None = None,
) -> bool:
    """Reserve a place and offer it to the provider, with its working-day deadline; False when full.
    `status_reason` is what the provider and the referrer are told with it (a person's override)."""
    pool = uow.capacity.reserve(service.id, now.date())
    if pool is None:
        return False
    offer = Offer(
        public_id=new_public_id(),  # named in the event's detail before the flush writes it
        referral=referral,  # a new referral is written with its offer, by the transition's flush
        service_id=service.id,
        capacity_pool_id=pool.id,
        status=OfferStatus.OFFERED,
        offered_at=now,
        respond_by=respond_by(now, service.offer_response_days, bank_holidays()),
    )
    uow.capacity.add(offer)
    summary = decision.summary() if decision else reason
    transition(
        uow,
        referral,
        action,
        actor=actor,
        now=now,
        reason=reason or summary,
        status_reason=status_reason,
        owner_id=service.organisation_id,
        service_id=service.id,
        detail={
            "offer": offer.public_id,
            "respond_by": offer.respond_by.isoformat(),
            "intake": pool.intake_on.isoformat() if pool.intake_on else None,
        },
        event_type=EventType.OFFERED,
    )
    return True


def _join_waiting_list(
    uow: UnitOfWork, referral: Referral, service: Service, decision: Decision, *, actor: Actor, now: datetime
) -> None:
    entry = WaitlistEntry(
        referral=referral,
        service_id=service.id,
        priority_rank=PRIORITY_RANK[referral.priority],
        status=WaitlistStatus.WAITING,
        joined_at=now,
    )
    uow.capacity.add(entry)
    uow.referrals.flush()  # the entry (and a new referral) written: its place is counted from the rows ahead
    position = uow.capacity.position(entry)
    transition(
        uow,
        referral,
        Action.WAITLIST,
        actor=actor,
        now=now,
        reason=decision.summary(),
        status_reason=f"waiting list position {position} at {service.name}",
        owner_id=service.organisation_id,
        service_id=service.id,
        detail={"position": position},
        event_type=EventType.WAITLISTED,
    )


def _record_unmet(uow: UnitOfWork, referral: Referral, decision: Decision, facts: PatientFacts, now: datetime) -> None:
    assert decision.unmet is not None
    uow.referrals.add(
        UnmetDemand(
            referral_id=referral.id,
            reason=decision.unmet,
            pathway_system=referral.pathway_system,
            pathway_code=referral.pathway_code,
            postcode_district=facts.district,
            detail={
                "reasons": list(decision.reasons),
                "missing": sorted(decision.missing),
                "service": decision.service,
            },
            recorded_at=now,
        )
    )
