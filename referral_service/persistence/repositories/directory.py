"""Queries over the provider directory tables."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Session

from referral_service.domain.directory import OrganisationKind, ServiceCategory
from referral_service.domain.left_out import Standing, left_out_by_reason
from referral_service.persistence.models import (
    CapacityPool,
    DirectoryStamp,
    Organisation,
    Service,
    ServiceDistrict,
    ServiceLocation,
)
from referral_service.persistence.repositories.kept import keep
from referral_service.persistence.repositories.narrowing import (
    accredited_on,
    candidate_rows,
    narrowing,
    standing_statements,
)


@dataclass(frozen=True)
class NarrowedCandidates:
    """A pathway's services split in SQL before any rule runs: those a patient could qualify for,
    a few of the others (the nearest alternatives, fully assessed for the explanation), and how many
    more were left out for each reason."""

    candidates: Sequence[Any]
    alternatives: Sequence[Any]
    left_out: dict[str, int]


_ORGANISATION_KEY = inspect(Organisation)  # its identity keys: an organisation already loaded is not read again
_ORGANISATION_BY_ODS_CODE = select(Organisation).where(Organisation.ods_code == bindparam("ods_code"))
SERVICE_NAMES = "service names read"  # session.info: names by slug this unit of work has read


def _remember_names(session: Session, names: dict[str, str]) -> None:
    """Triage's rows carry each service's name; the answer's explanation names the same services, so
    `service_names` need not read them again in this transaction."""
    session.info.setdefault(SERVICE_NAMES, {}).update(names)


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def organisation_by_slug(self, slug: str) -> Organisation | None:
        return self.session.scalar(select(Organisation).where(Organisation.slug == slug))

    def organisation_by_ods_code(self, ods_code: str) -> Organisation | None:
        """Held for the unit of work (the sender practice: intake's answer reads it again by id)."""
        return keep(self.session, self.session.scalar(_ORGANISATION_BY_ODS_CODE, {"ods_code": ods_code}))

    def providers(self, *, listed_only: bool = False) -> Sequence[Organisation]:
        query = select(Organisation).where(Organisation.kind == OrganisationKind.PROVIDER)
        if listed_only:
            query = query.where(Organisation.is_listed.is_(True))
        return self.session.scalars(query.order_by(Organisation.slug)).all()

    def practices(self) -> Sequence[Organisation]:
        """The GP practices the service knows (referrers), by name: a self-referrer chooses theirs."""
        query = select(Organisation).where(Organisation.kind == OrganisationKind.REFERRER)
        return self.session.scalars(query.order_by(Organisation.name, Organisation.ods_code)).all()

    def self_referral_services(self) -> Sequence[Service]:
        """Listed services that take self-referrals, by name."""
        query = select(Service).where(Service.is_listed.is_(True), Service.self_referral.is_(True))
        return self.session.scalars(query.order_by(Service.name)).all()

    def services(self, *, listed_only: bool = False) -> Sequence[Service]:
        query = select(Service)
        if listed_only:
            query = query.where(Service.is_listed.is_(True))
        return self.session.scalars(query.order_by(Service.slug)).all()

    def services_of(self, organisation: Organisation) -> Sequence[Service]:
        return self.session.scalars(
            select(Service).where(Service.organisation_id == organisation.id).order_by(Service.slug)
        ).all()

    def service_by_id(self, service_id: int | None) -> Service | None:
        return self.session.get(Service, service_id) if service_id is not None else None

    def organisation_by_id(self, organisation_id: int | None) -> Organisation | None:
        return self.session.get(Organisation, organisation_id) if organisation_id is not None else None

    def organisation_names(self, organisation_ids: Collection[int | None]) -> dict[int, tuple[str | None, str]]:
        """(ODS code, name) of each of these organisations in one statement (no Organisation rows)."""
        names: dict[int, tuple[str | None, str]] = {}
        wanted = []
        for organisation_id in sorted({i for i in organisation_ids if i is not None}):
            held = self.session.identity_map.get(_ORGANISATION_KEY.identity_key_from_primary_key((organisation_id,)))
            if isinstance(held, Organisation) and "name" in held.__dict__:  # loaded in this unit of work
                names[organisation_id] = (held.ods_code, held.name)
            else:
                wanted.append(organisation_id)
        if wanted:
            rows = self.session.execute(
                select(Organisation.id, Organisation.ods_code, Organisation.name).where(Organisation.id.in_(wanted))
            )
            names.update({row[0]: (row[1], row[2]) for row in rows})
        return names

    def service_names_by_id(self, service_ids: Collection[int | None]) -> dict[int, str]:
        """Services' names by id in one statement (no Service rows, so none of their eager collections)."""
        wanted = sorted({i for i in service_ids if i is not None})
        if not wanted:
            return {}
        rows = self.session.execute(select(Service.id, Service.name).where(Service.id.in_(wanted)))
        return {row[0]: row[1] for row in rows}

    def capacity_pool(self, pool_id: int) -> CapacityPool | None:
        return self.session.get(CapacityPool, pool_id)

    def flush(self) -> None:
        self.session.flush()

    def service_by_public_id(self, public_id: str) -> Service | None:
        return self.session.scalar(select(Service).where(Service.public_id == public_id))

    def organisation_by_public_id(self, public_id: str) -> Organisation | None:
        return self.session.scalar(select(Organisation).where(Organisation.public_id == public_id))

    def location_by_public_id(self, public_id: str) -> ServiceLocation | None:
        return self.session.scalar(select(ServiceLocation).where(ServiceLocation.public_id == public_id))

    def service_by_slug(self, slug: str) -> Service | None:
        return self.session.scalar(select(Service).where(Service.slug == slug))

    def note_service_names(self, names: dict[str, str]) -> None:
        """Names the caller read earlier under the directory stamp (triage's kept narrowing), so
        `service_names` need not read them again in this unit of work."""
        _remember_names(self.session, names)

    def service_names(self, slugs: Collection[str]) -> dict[str, str]:
        """Names by slug in one statement (no Service rows, so none of their eager collections)."""
        if not slugs:
            return {}
        known: dict[str, str] = self.session.info.get(SERVICE_NAMES, {})
        names = {slug: known[slug] for slug in slugs if slug in known}
        missing = sorted(set(slugs) - set(names))
        if missing:
            rows = self.session.execute(select(Service.slug, Service.name).where(Service.slug.in_(missing)))
            names.update({row[0]: row[1] for row in rows})
        return names

    def capacity_pools(self, service: Service) -> Sequence[CapacityPool]:
        return self.session.scalars(
            select(CapacityPool).where(CapacityPool.service_id == service.id).order_by(CapacityPool.intake_on)
        ).all()

    def add(self, row: Organisation | Service | CapacityPool) -> None:
        self.session.add(row)
        self.session.flush()

    def candidates(self, pathway_system: str | None, pathway_code: str | None, on: date) -> Sequence[Any]:
        """Listed services answering a pathway (every listed service when it is None), as light rows
        (no ORM objects): triage reads these for every referral, so they must stay cheap with
        thousands of services."""
        query = candidate_rows(on)
        if pathway_system is not None and pathway_code is not None:
            query = query.where(Service.pathway_system == pathway_system, Service.pathway_code == pathway_code)
        return self.session.execute(query).all()

    def narrowed_candidates(
        self,
        pathway_system: str,
        pathway_code: str,
        on: date,
        *,
        district: str | None,
        age: int | None,
        alternatives: int,
        standing: Callable[[], Sequence[Standing]] | None = None,
    ) -> NarrowedCandidates:
        """A pathway's listed services narrowed by accreditation on the day, the patient's catchment
        district and the inclusion rule's age limits (each only when known), through indexes, so
        triage's work follows the services that could take the patient, not the directory's size.
        Others fill up to `alternatives` rows in all, by slug; the rest are counted by reason, from
        the pathway's standing on the day (`standing` gives it when the caller keeps it; else read)."""
        statements = narrowing(district is not None, age is not None)
        values = {"system": pathway_system, "code": pathway_code, "on": on, "district": district, "age": age}
        candidates = self.session.execute(statements.candidates, values).all()
        room = max(0, alternatives - len(candidates))
        others = self.session.execute(statements.others, {**values, "room": room}).all() if room else []
        _remember_names(self.session, {row.slug: row.name for row in [*candidates, *others]})
        left_out: dict[str, int] = {}
        if len(others) == room:  # more may be left out than were shown
            rest = standing() if standing is not None else self.pathway_standing(pathway_system, pathway_code, on)
            shown = [row.id for row in others]
            left_out = left_out_by_reason(rest, district=district, age=age, shown=shown)
        return NarrowedCandidates(candidates, others, left_out)

    def pathway_standing(self, pathway_system: str, pathway_code: str, on: date) -> list[Standing]:
        """Every listed service on the pathway with what the reasons for leaving it out test on the
        day: the same for every patient, so triage reads it once per pathway and day (two statements)
        and counts each referral's left-out services from it, instead of a statement per referral."""
        services, districts = standing_statements()
        values = {"system": pathway_system, "code": pathway_code, "on": on}
        covered: dict[int, set[str]] = {}
        for service_id, district in self.session.execute(districts, values):
            covered.setdefault(service_id, set()).add(district)
        return [
            Standing(service_id, bool(accredited), frozenset(covered.get(service_id, ())), min_age, max_age)
            for service_id, accredited, min_age, max_age in self.session.execute(services, values)
        ]

    def stamp(self) -> str:
        """What the directory stamp says now: it changes with every change to a row that
        `narrowed_candidates` reads (database triggers), so it keys what a process keeps of them."""
        return str(self.session.execute(_STAMP).scalar_one())

    def set_districts(self, service_id: int, districts: Collection[str]) -> None:
        """Keep the indexed catchment rows equal to the service's catchment."""
        current = set(
            self.session.scalars(select(ServiceDistrict.district).where(ServiceDistrict.service_id == service_id))
        )
        wanted = set(districts)
        if current - wanted:
            self.session.execute(
                delete(ServiceDistrict).where(
                    ServiceDistrict.service_id == service_id, ServiceDistrict.district.in_(current - wanted)
                )
            )
        for district in sorted(wanted - current):
            self.session.add(ServiceDistrict(service_id=service_id, district=district))

    def eligibility_documents(self, service_ids: Sequence[int]) -> dict[int, dict[str, object]]:
        rows = self.session.execute(select(Service.id, Service.eligibility).where(Service.id.in_(service_ids)))
        return {int(row[0]): row[1] for row in rows}

    def find_services(
        self,
        *,
        on: date,
        public_ids: Collection[str] | None = None,
        organisation_public_id: str | None = None,
        category: ServiceCategory | None = None,
        active: bool | None = None,
        postcode: str | None = None,
    ) -> Sequence[Service]:
        """Listed services narrowed by what their own rows say, by slug. `active`: the provider is
        listed and accredited `on` that day. `postcode`: a district (SK1) or a whole postcode."""
        query = select(Service).join(Organisation, Organisation.id == Service.organisation_id)
        query = query.where(Service.is_listed.is_(True))
        if public_ids is not None:
            query = query.where(Service.public_id.in_(public_ids))
        if organisation_public_id is not None:
            query = query.where(Organisation.public_id == organisation_public_id)
        if category is not None:
            query = query.where(Service.category == category)
        if active is not None:
            provider_active = and_(Organisation.is_listed.is_(True), accredited_on(on))
            query = query.where(provider_active if active else ~provider_active)
        if postcode is not None:
            query = query.where(_has_location_in(postcode))
        return self.session.scalars(query.order_by(Service.slug)).all()


_STAMP = select(DirectoryStamp.stamp).where(DirectoryStamp.id == 1)


def _has_location_in(postcode: str) -> ColumnElement[bool]:
    """A location whose whole postcode or district (domain.directory.postcode_district) is this one."""
    wanted = postcode.replace(" ", "").upper()
    compact = func.upper(func.replace(ServiceLocation.postcode, " ", ""))
    district = case((func.length(compact) <= 4, compact), else_=func.substr(compact, 1, func.length(compact) - 3))
    return exists().where(ServiceLocation.service_id == Service.id, or_(compact == wanted, district == wanted))
