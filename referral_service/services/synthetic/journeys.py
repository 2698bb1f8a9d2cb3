"""One synthetic referral's life, decided by a seeded random generator, as the rows the services would write.

Uptake, attendance, completion and outcomes depend on deprivation (IMD quintile) and age, in the
directions the literature reports (Pavey et al. 2012; the Wales NERS evaluation): the most deprived
start and finish less and improve a little less; older people start and adhere more.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from referral_service.domain.access import ActorKind
from referral_service.domain.events import EVENTS, EventType, MessageKind
from referral_service.domain.lifecycle import Action, BusinessStatus, State, next_state
from referral_service.domain.outcomes import ONS4_ITEMS, SWEMWBS_ITEMS, score_measure
from referral_service.domain.progress import (
    AttendanceStatus,
    ContactMethod,
    ContactOutcome,
    OutcomeInstrument,
    OutcomeTimepoint,
)
from referral_service.domain.referral import OfferStatus, TaskStatus, UnmetDemandReason

ETHNICITY_WEIGHTS = (
    ("A", 78),
    ("B", 1),
    ("C", 4),
    ("D", 0.5),
    ("E", 0.5),
    ("F", 0.5),
    ("G", 0.5),
    ("H", 2.5),
    ("J", 2),
    ("K", 1),
    ("L", 1),
    ("M", 1),
    ("N", 1),
    ("P", 0.5),
    ("R", 0.5),
    ("S", 1),
    ("Z", 5),
)
REFUSED = "HTTP 400: the practice's system refused the message (synthetic history; nothing to send again)"
DECLINE_CODES = ("patient-declined", "no-capacity", "not-eligible", "out-of-area", "missing-information")


@dataclass(frozen=True)
class ServiceRow:
    id: int
    organisation_id: int
    pathway_system: str
    pathway_code: str
    sessions: int
    weeks: int
    pool_id: int
    districts: frozenset[str]
    response_days: int


@dataclass
class Rows:
    """Rows for one batch, by table, with the next id of each table."""

    next_ids: dict[str, int]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any], *, with_id: bool = True) -> int:
        if with_id:
            row["id"] = self.next_ids[table]
            self.next_ids[table] += 1
        self.tables.setdefault(table, []).append(row)
        return int(row.get("id", 0))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class Journey:
    """Writes one referral's Task changes as events, each step checked by the domain's lifecycle."""

    def __init__(self, rows: Rows, rng: random.Random, referral_id: int, now: datetime) -> None:
        self.rows, self.rng, self.referral_id, self.now = rows, rng, referral_id, now
        self.state: State = (TaskStatus.REQUESTED, BusinessStatus.TRIAGE)
        self.service: ServiceRow | None = None
        self.owner: int | None = None
        self.at = now
        self.open = True

    def step(
        self, action: Action, event_type: EventType, at: datetime, *, reason: str | None = None, **detail: Any
    ) -> bool:
        """Apply one action at `at`; False (and the journey stops) when `at` is still in the future."""
        if not self.open or at > self.now:
            self.open = False
            return False
        before, self.state = self.state, next_state(self.state, action, reason or "synthetic")
        actor = ActorKind.SCHEDULER if EVENTS[event_type].automatic else ActorKind.PORTAL_USER
        self.rows.add(
            "referral_events",
            {
                "referral_id": self.referral_id,
                "event_type": event_type,
                "occurred_at": at,
                "recorded_at": at,
                "actor_kind": actor,
                "actor_id": "synthetic",
                "from_status": before[0].value,
                "to_status": self.state[0].value,
                "from_business_status": before[1].value,
                "to_business_status": self.state[1].value,
                "service_id": self.service.id if self.service else None,
                "reason": reason,
                "detail": detail or None,
            },
        )
        self.at = at
        return True


@dataclass(frozen=True)
class Person:
    decile: int | None
    age: int
    district: str

    @property
    def quintile(self) -> int:
        return (self.decile + 1) // 2 if self.decile else 3


def _days(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


def _measures(
    rows: Rows, rng: random.Random, referral_id: int, on: date, timepoint: OutcomeTimepoint, base: dict[str, float]
) -> None:
    raw = max(7, min(35, round(base["swemwbs"])))
    items = [1] * 7
    for _ in range(raw - 7):
        choices = [i for i in range(7) if items[i] < 5]
        items[rng.choice(choices)] += 1
    answers = {
        OutcomeInstrument.SWEMWBS: {name: items[i] for i, (name, _) in enumerate(SWEMWBS_ITEMS)},
        OutcomeInstrument.ONS4: {name: max(0, min(10, round(base[name]))) for name, _ in ONS4_ITEMS},
        OutcomeInstrument.ACTIVITY_MINUTES: {"minutes": max(0, round(base["minutes"]))},
    }
    for instrument, given in answers.items():
        scored = score_measure(instrument, given)
        rows.add(
            "outcome_measures",
            {
                "referral_id": referral_id,
                "instrument": instrument,
                "timepoint": timepoint,
                "measured_on": on,
                "items": scored.items,
                "score": scored.score,
                "recorded_at": datetime.combine(on, datetime.min.time(), tzinfo=UTC),
            },
        )


def programme(journey: Journey, person: Person, rows: Rows, rng: random.Random) -> None:
    """From acceptance: contact, sessions attended or missed, drop-out or completion, outcome measures."""
    service = journey.service
    assert service is not None
    q, older = person.quintile, person.age >= 60
    attempts_at = journey.at + _days(rng, 1, 8)
    for _ in range(rng.choice((0, 0, 1, 2))):
        rows.add(
            "contact_attempts",
            {
                "referral_id": journey.referral_id,
                "attempted_at": attempts_at,
                "method": ContactMethod.PHONE,
                "outcome": ContactOutcome.NO_ANSWER,
                "recorded_at": attempts_at,
            },
        )
        attempts_at += _days(rng, 1, 3)
    if attempts_at > journey.now:
        return
    declines = rng.random() < 0.05
    rows.add(
        "contact_attempts",
        {
            "referral_id": journey.referral_id,
            "attempted_at": attempts_at,
            "method": ContactMethod.PHONE,
            "outcome": ContactOutcome.DECLINED if declines else ContactOutcome.REACHED,
            "recorded_at": attempts_at,
        },
    )
    if declines:
        journey.step(
            Action.CANCEL, EventType.CANCELLED_BY_PROVIDER, attempts_at, reason="the patient declined the programme"
        )
        return
    if not journey.step(Action.CONTACT, EventType.CONTACT, attempts_at):
        return
    starts = rng.random() < 0.58 + 0.045 * (q - 1) + (0.06 if older else 0)
    first = journey.at + _days(rng, 3, 18)
    if not starts:
        journey.step(Action.DROP_OUT, EventType.DROP_OUT, first + _days(rng, 7, 21), reason="did not start")
        return
    wellbeing = {
        "swemwbs": rng.gauss(20.5 + 0.5 * q, 3.5),
        "life_satisfaction": rng.gauss(5.6 + 0.2 * q, 1.6),
        "worthwhile": rng.gauss(6.1 + 0.15 * q, 1.5),
        "happiness": rng.gauss(5.7 + 0.2 * q, 1.8),
        "anxiety": rng.gauss(4.6 - 0.2 * q, 2.2),
        "minutes": abs(rng.gauss(35, 30)),
    }
    _measures(rows, rng, journey.referral_id, first.date(), OutcomeTimepoint.START, wellbeing)
    interval = timedelta(days=service.weeks * 7 / service.sessions)
    attend_p = 0.78 + 0.025 * (q - 3) + (0.04 if older else 0)
    drop_p = 0.034 - 0.005 * (q - 3) - (0.01 if older else 0)
    at = first
    for number in range(1, service.sessions + 1):
        attended = number == 1 or rng.random() < attend_p
        status = AttendanceStatus.ATTENDED if attended else AttendanceStatus.DNA
        if not journey.step(
            Action.ATTEND if attended else Action.DNA,
            EventType.ATTEND if attended else EventType.DNA,
            at,
            session=number,
        ):
            return
        rows.add(
            "session_attendance",
            {
                "referral_id": journey.referral_id,
                "service_id": service.id,
                "session_number": number,
                "session_on": at.date(),
                "status": status,
                "is_final": False,
                "recorded_at": at,
            },
        )
        if number > 1 and rng.random() < drop_p:
            journey.step(Action.DROP_OUT, EventType.DROP_OUT, at + _days(rng, 7, 14), reason="stopped coming")
            return
        at += interval
    if not journey.step(Action.COMPLETE, EventType.COMPLETE, at):
        return
    if rng.random() < 0.9:
        gain = 2.2 + 0.35 * (q - 3) + (0.5 if older else 0)
        end = {
            "swemwbs": wellbeing["swemwbs"] + rng.gauss(gain, 3.0),
            **{
                name: wellbeing[name] + rng.gauss(0.7, 1.2) for name in ("life_satisfaction", "worthwhile", "happiness")
            },
            "anxiety": wellbeing["anxiety"] - rng.gauss(0.7, 1.5),
            "minutes": wellbeing["minutes"] + rng.gauss(75 + 8 * (q - 3), 50),
        }
        _measures(rows, rng, journey.referral_id, at.date(), OutcomeTimepoint.END, end)
    # History is settled: none of it is pending, since nothing could deliver it (the endpoint is
    # made up, and the snapshot is not kept). Most completions reached the practice; a few were refused.
    delivered = rng.random() < 0.96
    rows.add(
        "outbox_messages",
        {
            "public_id": _uuid(rng),
            "referral_id": journey.referral_id,
            "ordering_key": str(journey.referral_id),
            "destination": "https://gp.example.org/synthetic",
            "message_type": MessageKind.COMPLETED,
            "request_id": _uuid(rng),
            "correlation_id": _uuid(rng),
            "payload": b"{}",
            "status": "delivered" if delivered else "parked",
            "attempts": 1,
            "next_attempt_at": at,
            "last_attempt_at": at,
            "last_status_code": None if delivered else 400,
            "last_error": None if delivered else REFUSED,
            "delivered_at": at if delivered else None,
            "created_at": at,
        },
    )


def offer(journey: Journey, rows: Rows, service: ServiceRow, at: datetime, action: Action = Action.OFFER) -> int | None:
    journey.service = service
    if not journey.step(action, EventType.OFFERED, at, reason=f"offer {service.id}"):
        return None
    return rows.add(
        "offers",
        {
            "public_id": _uuid(journey.rng),
            "referral_id": journey.referral_id,
            "service_id": service.id,
            "capacity_pool_id": service.pool_id,
            "status": OfferStatus.OFFERED,
            "offered_at": at,
            "respond_by": at + timedelta(days=service.response_days + 2),
            "responded_at": None,
            "decline_reason_code": None,
            "decline_reason_text": None,
            "place_released_at": None,
        },
    )


def unmet(rows: Rows, journey: Journey, reason: UnmetDemandReason, pathway: tuple[str, str], district: str) -> None:
    rows.add(
        "unmet_demand",
        {
            "referral_id": journey.referral_id,
            "reason": reason,
            "pathway_system": pathway[0],
            "pathway_code": pathway[1],
            "postcode_district": district,
            "detail": None,
            "recorded_at": journey.at,
        },
    )
