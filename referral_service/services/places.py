"""A provider's places and waiting lists, and changing how many places it has.

Raising places promotes waiting patients at once, in the waiting list's order (priority, then
arrival), through the same promotion the scheduler's catch-up tick uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from referral_service.domain.access import UserRole
from referral_service.persistence.models import CapacityPool, Organisation, Referral, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.caseload import audit, patient_name
from referral_service.services.errors import Invalid, NotFound
from referral_service.services.offers import promote_service
from referral_service.services.sessions import SignedInUser


@dataclass(frozen=True)
class Pool:
    id: int
    intake_on: date | None
    places: int
    taken: int
    is_open: bool


@dataclass(frozen=True)
class WaitingPatient:
    position: int
    referral_id: str
    name: str
    priority: str
    joined_at: datetime
    waited_days: int


@dataclass(frozen=True)
class ServicePlaces:
    slug: str
    name: str
    capacity_model: str
    waitlist_enabled: bool
    is_listed: bool
    pools: list[Pool]
    waiting: list[WaitingPatient]


def _organisation(user: SignedInUser) -> int:
    if user.role is not UserRole.PROVIDER or user.organisation_id is None:
        raise NotFound("no places for this user")
    return user.organisation_id


def provider_places(
    uow: UnitOfWork, user: SignedInUser, *, now: datetime, request_id: str | None
) -> list[ServicePlaces]:
    organisation = uow.session.get_one(Organisation, _organisation(user))
    result = []
    for service in uow.directory.services_of(organisation):
        waiting = []
        for position, entry in enumerate(uow.progress.waiting_list(service.id), start=1):
            referral = uow.session.get_one(Referral, entry.referral_id)
            patient = referral.patient
            waiting.append(
                WaitingPatient(
                    position,
                    referral.public_id,
                    patient_name(patient),
                    referral.priority.value,
                    entry.joined_at,
                    (now - entry.joined_at).days,
                )
            )
            audit(uow, user, referral, "portal-list", request_id, now)
        result.append(
            ServicePlaces(
                service.slug,
                service.name,
                service.capacity_model.value,
                service.waitlist_enabled,
                service.is_listed,
                [
                    Pool(pool.id, pool.intake_on, pool.places, pool.reserved, pool.is_open)
                    for pool in uow.directory.capacity_pools(service)
                ],
                waiting,
            )
        )
    return result


def change_places(uow: UnitOfWork, pool_id: int, places: int, *, user: SignedInUser, now: datetime) -> list[str]:
    """Set a pool's places (never below those taken); returns the referrals promoted into new room."""
    pool = uow.session.get(CapacityPool, pool_id)
    service = uow.session.get(Service, pool.service_id) if pool is not None else None
    if pool is None or service is None or service.organisation_id != _organisation(user):
        raise NotFound(f"no places {pool_id} for this provider")
    if places < pool.reserved:
        raise Invalid(
            f"{pool.reserved} places are taken, so there cannot be fewer than {pool.reserved}", where="places"
        )
    pool.places = places
    uow.session.flush()
    return promote_service(uow, service.id, actor=user.actor, now=now)
