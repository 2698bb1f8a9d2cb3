"""The batch writer: who is referred, where triage sends them, and the provider's answer; then the programme."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from referral_service.domain.directory import postcode_district
from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import Action
from referral_service.domain.referral import (
    OfferStatus,
    Priority,
    ReferralStatus,
    UnmetDemandReason,
    WaitlistStatus,
)
from referral_service.persistence.models import (
    ContactAttempt,
    Offer,
    OutboxMessage,
    OutcomeMeasure,
    Patient,
    Referral,
    ReferralEvent,
    ReferralPatientDetails,
    ReferralTask,
    SessionAttendance,
    UnmetDemand,
    WaitlistEntry,
)
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import ensure_referrer
from referral_service.services.reports import refresh_report_data
from referral_service.services.synthetic.journeys import (
    DECLINE_CODES,
    ETHNICITY_WEIGHTS,
    Journey,
    Person,
    Rows,
    ServiceRow,
    offer,
    programme,
    unmet,
)

MODELS: dict[str, Any] = {
    "patients": Patient,
    "referrals": Referral,
    "referral_tasks": ReferralTask,
    "referral_events": ReferralEvent,
    "offers": Offer,
    "waitlist_entries": WaitlistEntry,
    "contact_attempts": ContactAttempt,
    "session_attendance": SessionAttendance,
    "outcome_measures": OutcomeMeasure,
    "unmet_demand": UnmetDemand,
    "outbox_messages": OutboxMessage,
}
INSERT_ORDER = tuple(MODELS)
PATHWAYS = (("390893007", 70), ("871731000000106", 20), ("771491000000104", 8), ("837111000000105", 2))
SNOMED = "http://snomed.info/sct"
DEMO_PRACTICES = tuple(f"P880{n:02d}" for n in range(1, 13))
HISTORY_DAYS = 540
UNLISTED_DISTRICTS = ("SK1", "SK3", "SK4", "SK7", "SK9")


@dataclass(frozen=True)
class Catalogue:
    """What the generator draws from: practices, services by pathway, and postcodes with their deciles."""

    practices: tuple[int, ...]
    services: dict[str, tuple[ServiceRow, ...]]
    postcodes: tuple[tuple[str, int | None], ...]


def prepare_catalogue(uow: UnitOfWork) -> Catalogue:
    """The demo practices (created if missing), the loaded directory and deprivation lookup."""
    practices = tuple(ensure_referrer(uow, code, f"Demo practice {code}") for code in DEMO_PRACTICES)
    uow.referrals.flush()
    pools = uow.synthetic.first_pools()
    services: dict[str, list[ServiceRow]] = {}
    for service in uow.synthetic.listed_services():
        if service.id in pools:
            services.setdefault(service.pathway_code, []).append(
                ServiceRow(
                    service.id,
                    service.organisation_id,
                    service.pathway_system,
                    service.pathway_code,
                    service.programme_sessions,
                    service.programme_weeks,
                    pools[service.id],
                    frozenset(service.catchment_districts),
                    service.offer_response_days,
                )
            )
    postcodes = uow.synthetic.postcodes_with_deciles()
    spaced = tuple((f"{code[:-3]} {code[-3:]}", decile) for code, decile in postcodes)
    if not services:
        raise ValueError("load a provider directory first (flask providers load providers/demo)")
    return Catalogue(
        tuple(p.id for p in practices),
        {k: tuple(v) for k, v in services.items()},
        spaced or (("SK1 1AA", None), ("SK4 1AA", None), ("SK7 1AA", None)),
    )


def _weighted(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _referral(rows: Rows, rng: random.Random, catalogue: Catalogue, now: datetime, settled_days: int) -> None:
    received = now - timedelta(days=rng.uniform(settled_days, HISTORY_DAYS + settled_days))
    postcode, decile = rng.choice(catalogue.postcodes)
    if rng.random() < 0.08:  # a postcode the lookup does not know (new, or out of area): decile unknown
        postcode, decile = f"{rng.choice(UNLISTED_DISTRICTS)} 9ZZ", None
    district = postcode_district(postcode)
    age = max(18, min(95, round(rng.gauss(56, 16))))
    birth = date(received.year - age, rng.randint(1, 12), rng.randint(1, 28))
    verified = rng.random() < 0.93
    details = {
        "nhs_number": None,
        "nhs_number_verification": "01" if verified else "02",
        "birth_date": birth,
        "sex": rng.choices(("female", "male", None), (58, 41, 1))[0],
        "postcode": postcode,
        "postcode_district": district,
        "ethnicity_code": _weighted(rng, ETHNICITY_WEIGHTS) if rng.random() < 0.97 else None,
    }
    patient = rows.add(
        "patients",
        {
            "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            **details,
            "lsoa_code": None,
            "imd_decile": decile,
            "created_at": received,
            "updated_at": received,
        },
    )
    pathway = _weighted(rng, PATHWAYS)
    referral = rows.add(
        "referrals",
        {
            "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "patient_id": patient,
            "sender_organisation_id": rng.choice(catalogue.practices),
            "request_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "correlation_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "use_case": "active-pathway" if pathway == "390893007" else "social-prescribing",
            "pathway_system": SNOMED,
            "pathway_code": pathway,
            "priority": Priority.ROUTINE,
            "status": ReferralStatus.ACTIVE,
            "authored_at": received,
            "received_at": received,
            "evidence": {},
            "payload": b"{}",
            "payload_format": "synthetic",
            "updated_at": received,
        },
    )
    rows.add("referral_patient_details", {"referral_id": referral, **details}, with_id=False)
    journey = Journey(rows, rng, referral, now)
    rows.add(
        "referral_events",
        {
            "referral_id": referral,
            "event_type": EventType.RECEIVED,
            "occurred_at": received,
            "recorded_at": received,
            "actor_kind": "api-client",
            "actor_id": "synthetic",
            "to_status": "requested",
            "to_business_status": "triage",
        },
    )
    journey.at = received
    _route(journey, rows, rng, catalogue, Person(decile, age, district), (SNOMED, pathway))
    status, business = journey.state
    service = journey.service
    rows.add(
        "referral_tasks",
        {
            "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "referral_id": referral,
            "status": status,
            "business_status": business.value,
            "owner_organisation_id": service.organisation_id if service else None,
            "service_id": service.id if service else None,
            "authored_at": received,
            "last_modified": journey.at,
            "version": 1,
        },
    )


def _route(
    journey: Journey, rows: Rows, rng: random.Random, catalogue: Catalogue, person: Person, pathway: tuple[str, str]
) -> None:
    """Triage, the provider's answer (and a second offer after a decline or expiry), then the programme."""
    candidates = [s for s in catalogue.services.get(pathway[1], ()) if person.district in s.districts]
    roll = rng.random()
    if not candidates or roll < 0.04:
        journey.step(Action.TO_LINK_WORKER, EventType.TO_LINK_WORKER, journey.at, reason="no eligible service")
        unmet(rows, journey, UnmetDemandReason.NO_ELIGIBLE_SERVICE, pathway, person.district)
        return _link_worker(journey, rows, rng, candidates)
    if roll < 0.13:
        journey.step(Action.TO_LINK_WORKER, EventType.TO_LINK_WORKER, journey.at, reason="needs review")
        unmet(rows, journey, UnmetDemandReason.NEEDS_REVIEW, pathway, person.district)
        return _link_worker(journey, rows, rng, candidates)
    at = journey.at
    if roll < 0.20:
        journey.service = rng.choice(candidates)
        journey.step(Action.WAITLIST, EventType.WAITLISTED, at, reason="eligible, no place now")
        unmet(rows, journey, UnmetDemandReason.NO_CAPACITY, pathway, person.district)
        promoted = at + timedelta(days=rng.uniform(7, 70))
        entry = {
            "referral_id": journey.referral_id,
            "service_id": journey.service.id,
            "priority_rank": 1,
            "status": WaitlistStatus.WAITING,
            "joined_at": at,
            "left_at": None,
            "reason": None,
        }
        rows.add("waitlist_entries", entry)
        if promoted > journey.now:
            return
        entry.update(status=WaitlistStatus.PROMOTED, left_at=promoted, reason="offered a place")
        at = promoted
    for attempt, service in enumerate(rng.sample(candidates, min(2, len(candidates)))):
        offer_id = offer(journey, rows, service, at if attempt == 0 else journey.at)
        if offer_id is None:
            return
        row = rows.tables["offers"][-1]
        answer = journey.at + timedelta(days=min(service.response_days, rng.expovariate(1 / 1.8)))
        decision = rng.random()
        if decision < 0.86:
            if journey.step(Action.ACCEPT, EventType.ACCEPTED, answer):
                row.update(status=OfferStatus.ACCEPTED, responded_at=answer)
                programme(journey, person, rows, rng)
                row["place_released_at"] = (
                    journey.at if journey.state[0].value not in ("accepted", "in-progress") else None
                )
            return
        if decision < 0.95:
            code = rng.choice(DECLINE_CODES)
            if not journey.step(Action.RETRIAGE, EventType.DECLINED, answer, reason=code.replace("-", " ")):
                return
            row.update(
                status=OfferStatus.DECLINED, responded_at=answer, decline_reason_code=code, place_released_at=answer
            )
        else:
            expired = row["respond_by"]
            if not journey.step(
                Action.RETRIAGE, EventType.OFFER_EXPIRED, expired, reason="the provider did not answer"
            ):
                return
            row.update(status=OfferStatus.EXPIRED, place_released_at=expired)
    journey.service = None
    if journey.step(Action.TO_LINK_WORKER, EventType.TO_LINK_WORKER, journey.at, reason="no other eligible service"):
        unmet(rows, journey, UnmetDemandReason.NO_ELIGIBLE_SERVICE, pathway, person.district)
        _link_worker(journey, rows, rng, candidates)


def _link_worker(journey: Journey, rows: Rows, rng: random.Random, candidates: list[ServiceRow]) -> None:
    decided = journey.at + timedelta(days=rng.uniform(1, 15))
    if candidates and rng.random() < 0.35:
        if offer(journey, rows, rng.choice(candidates), decided, Action.PLACE) is not None:
            row = rows.tables["offers"][-1]
            answer = journey.at + timedelta(days=rng.uniform(0, 4))
            if journey.step(Action.ACCEPT, EventType.ACCEPTED, answer):
                row.update(status=OfferStatus.ACCEPTED, responded_at=answer)
                programme(journey, Person(None, 50, ""), rows, rng)
        return
    journey.step(Action.CLOSE, EventType.CLOSED, decided, reason="no suitable service; back to the GP")


def generate_batch(
    uow: UnitOfWork, catalogue: Catalogue, *, seed: int, batch: int, count: int, now: datetime, settled_days: int = 0
) -> int:
    """Write `count` referrals' histories (batch `batch` of a seeded run); returns events written.

    With `settled_days`, every referral arrived at least that long ago, so nearly every journey has
    ended by now and the demo's inboxes are left to the demo referrals."""
    next_ids = uow.synthetic.next_ids(MODELS)
    # The first free referral id is part of the seed: the same seed on the same database gives the same
    # history, and a second run on top of the first draws new ids (public ids, request ids) rather than
    # the first run's again.
    origin = next_ids["referrals"]
    rng = random.Random(f"{seed}:{batch}:{origin}")  # noqa: S311  (synthetic data, reproducible; not security)
    rows = Rows(next_ids)
    for _ in range(count):
        _referral(rows, rng, catalogue, now, settled_days)
    for table in INSERT_ORDER:
        uow.synthetic.insert(MODELS[table], rows.tables.get(table, []))
        if table == "referrals":  # keyed by its referral, so it has no id of its own to number
            uow.synthetic.insert(ReferralPatientDetails, rows.tables.get("referral_patient_details", []))
    return len(rows.tables.get("referral_events", ()))


def finish_generation(uow: UnitOfWork, *, now: datetime) -> int:
    """Move PostgreSQL's id sequences past the ids written, rebuild the reports' summary, and refresh
    the planner's statistics (after a bulk load they describe empty tables, and plans go wrong)."""
    uow.synthetic.after_bulk_load(INSERT_ORDER)  # the rebuild's plan needs fresh statistics
    summarised = refresh_report_data(uow, now=now, full=True)
    uow.synthetic.analyse()
    return summarised


def has_history(uow: UnitOfWork, *, at_least: int) -> bool:
    """Whether the database already holds `at_least` referrals (make run generates only once)."""
    return uow.synthetic.referral_count() >= at_least
