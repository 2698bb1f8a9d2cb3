"""Queries over the provider directory tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from referral_service.domain.directory import OrganisationKind, ServiceCategory
from referral_service.persistence.models import Accreditation, CapacityPool, Organisation, Service, ServiceLocation


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def organisation_by_slug(self, slug: str) -> Organisation | None:
        return self.session.scalar(select(Organisation).where(Organisation.slug == slug))

    def organisation_by_ods_code(self, ods_code: str) -> Organisation | None:
        return self.session.scalar(select(Organisation).where(Organisation.ods_code == ods_code))

    def providers(self, *, listed_only: bool = False) -> Sequence[Organisation]:
        query = select(Organisation).where(Organisation.kind == OrganisationKind.PROVIDER)
        if listed_only:
            query = query.where(Organisation.is_listed.is_(True))
        return self.session.scalars(query.order_by(Organisation.slug)).all()

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

    def service_names(self, slugs: Collection[str]) -> dict[str, str]:
        """Names by slug in one statement (no Service rows, so none of their eager collections)."""
        if not slugs:
            return {}
        rows = self.session.execute(select(Service.slug, Service.name).where(Service.slug.in_(sorted(slugs))))
        return {row[0]: row[1] for row in rows}

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
        accredited = _accredited_on(on)
        query = (
            select(
                Service.id,
                Service.public_id,
                Service.slug,
                Service.name,
                Service.pathway_system,
                Service.pathway_code,
                Service.catchment_districts,
                Service.waitlist_enabled,
                Service.source_hash,
                Organisation.name.label("provider"),
                and_(Organisation.is_listed, accredited).label("accredited"),
            )
            .join(Organisation, Organisation.id == Service.organisation_id)
            .where(Service.is_listed.is_(True))
            .order_by(Service.slug)
        )
        if pathway_system is not None and pathway_code is not None:
            query = query.where(Service.pathway_system == pathway_system, Service.pathway_code == pathway_code)
        return self.session.execute(query).all()

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
            provider_active = and_(Organisation.is_listed.is_(True), _accredited_on(on))
            query = query.where(provider_active if active else ~provider_active)
        if postcode is not None:
            query = query.where(_has_location_in(postcode))
        return self.session.scalars(query.order_by(Service.slug)).all()


def _accredited_on(on: date) -> ColumnElement[bool]:
    """The service's provider holds an accreditation valid on that day."""
    return exists().where(
        Accreditation.organisation_id == Service.organisation_id,
        Accreditation.valid_until >= on,
        or_(Accreditation.valid_from.is_(None), Accreditation.valid_from <= on),
    )


def _has_location_in(postcode: str) -> ColumnElement[bool]:
    """A location whose whole postcode or district (domain.directory.postcode_district) is this one."""
    wanted = postcode.replace(" ", "").upper()
    compact = func.upper(func.replace(ServiceLocation.postcode, " ", ""))
    district = case((func.length(compact) <= 4, compact), else_=func.substr(compact, 1, func.length(compact) - 3))
    return exists().where(ServiceLocation.service_id == Service.id, or_(compact == wanted, district == wanted))
