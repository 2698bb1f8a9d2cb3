"""A provider's places and waiting lists, and changing how many places it has.

Raising places promotes waiting patients at once, in the waiting list's order (priority, then
arrival), through the same promotion the scheduler's catch-up tick uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from referral_service.domain.access import Actor, UserRole
from referral_service.persistence.models import Organisation, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import WaitingList, referrals_for
from referral_service.services.errors import Invalid, NotFound
from referral_service.services.offers import promote_service


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


def _organisation(uow: UnitOfWork, actor: Actor) -> Organisation:
    organisation = uow.directory.organisation_by_id(actor.provider_organisation)
    if actor.role is not UserRole.PROVIDER or organisation is None:
        raise NotFound("no places for you")
    return organisation


def _waiting(
    uow: UnitOfWork, actor: Actor, service: Service, now: datetime, request_id: str | None
) -> list[WaitingPatient]:
    joined = {entry.referral_id: entry.joined_at for entry in uow.progress.waiting_list(service.id)}
    listed = referrals_for(uow, actor, WaitingList(service.id), action="portal-list", now=now, request_id=request_id)
    return [
        WaitingPatient(
            position,
            referral.public_id,
            referral.patient_details.name,
            referral.priority.value,
            joined[referral.id],
            (now - joined[referral.id]).days,
        )
        for position, referral in enumerate(listed, start=1)
    ]


def provider_places(uow: UnitOfWork, actor: Actor, *, now: datetime, request_id: str | None) -> list[ServicePlaces]:
    result = []
    for service in uow.directory.services_of(_organisation(uow, actor)):
        waiting = _waiting(uow, actor, service, now, request_id)
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


def change_places(uow: UnitOfWork, pool_id: int, places: int, *, actor: Actor, now: datetime) -> list[str]:
    """Set a pool's places (never below those taken); returns the referrals promoted into new room.

    From now on the provider owns this pool's places: `providers load` keeps them (services/directory.py).
    """
    pool = uow.directory.capacity_pool(pool_id)
    service = uow.directory.service_by_id(pool.service_id) if pool is not None else None
    if pool is None or service is None or service.organisation_id != _organisation(uow, actor).id:
        raise NotFound(f"no places {pool_id} for this provider")
    if places < pool.reserved:
        raise Invalid(
            f"{pool.reserved} places are taken, so there cannot be fewer than {pool.reserved}", where="places"
        )
    pool.places, pool.places_set_in_portal_at = places, now
    uow.directory.flush()
    return promote_service(uow, service.id, actor=actor, now=now)
