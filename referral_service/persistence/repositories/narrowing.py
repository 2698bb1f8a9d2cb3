"""Triage's narrowing statements: a pathway's services split in SQL, before any rule runs, into
those a patient could qualify for and the nearest others; the rest are counted by reason from the
pathway's standing on the day (what each reason tests, the same for every patient, read once).

Built once per shape (with or without a district, with or without an age) with bound parameters,
and written for PostgreSQL's planner as much as for SQLite's: the docstrings say which form each
test takes, and why."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)

from referral_service.domain.left_out import NOT_ACCREDITED, OUTSIDE_AGE, OUTSIDE_CATCHMENT
from referral_service.persistence.models import Accreditation, Organisation, Service, ServiceDistrict


@dataclass(frozen=True)
class Narrowing:
    candidates: Select[*tuple[Any, ...]]
    others: Select[*tuple[Any, ...]]


def _on_pathway() -> ColumnElement[bool]:
    """A listed service on the pathway the statement's `system` and `code` name."""
    return and_(
        Service.is_listed.is_(True),
        Service.pathway_system == bindparam("system", type_=String()),
        Service.pathway_code == bindparam("code", type_=String()),
    )


@functools.cache
def narrowing(by_district: bool, by_age: bool) -> Narrowing:
    """The three narrowing statements, built once per shape with bound parameters (building them is
    most of a small query's cost in Python; the compiled form is then cached by SQLAlchemy)."""
    on = bindparam("on", type_=Date())
    on_pathway = _on_pathway()
    # What a candidate must be, said positively: as NOT (any reason below), PostgreSQL hashed every
    # valid accreditation of the region for each referral (20 ms at 10,000 services, against 4).
    kept: list[ColumnElement[bool]] = [Organisation.is_listed.is_(True), accredited_on(on)]
    # Why a service is not one, in the order assess() finds it (accreditation, catchment, then age);
    # accreditation by probes per service, as inside an OR or a CASE an EXISTS was hashed.
    reasons: list[tuple[str, ColumnElement[bool]]] = [(NOT_ACCREDITED, ~_standing_accredited(on))]
    if by_district:
        district = bindparam("district", type_=String())
        # Not correlated: SQLite reads the district's services once (a covering index range) and
        # tests each service against that list, instead of one index search per service.
        in_district = select(ServiceDistrict.service_id).where(ServiceDistrict.district == district)
        covered = Service.id.in_(in_district)
        reasons.append((OUTSIDE_CATCHMENT, ~covered))
        kept.append(covered)
    if by_age:
        age = bindparam("age", type_=Float())  # never NULL here: the shape without age has no age test
        too_young = and_(Service.min_age.is_not(None), Service.min_age > age)
        too_old = and_(Service.max_age.is_not(None), Service.max_age < age)
        reasons.append((OUTSIDE_AGE, or_(too_young, too_old)))
        kept.append(or_(Service.min_age.is_(None), Service.min_age <= age))
        kept.append(or_(Service.max_age.is_(None), Service.max_age >= age))
    return Narrowing(
        candidates=candidate_rows(on).where(on_pathway, *kept),
        others=candidate_rows(on)
        .where(on_pathway, or_(*(condition for _, condition in reasons)))
        .limit(bindparam("room", type_=Integer())),
    )


def _standing_accredited(on: date | BindParameter[date]) -> ColumnElement[bool]:
    """Not left out as "not accredited": the provider listed, and accredited on the day, each by a
    probe per service (inside an OR or a CASE, PostgreSQL hashed every accreditation for an EXISTS)."""
    return and_(_listed_probe().is_(True), _accredited_probe(on))


@functools.cache
def standing_statements() -> tuple[Select[*tuple[Any, ...]], Select[*tuple[Any, ...]]]:
    """A pathway's listed services with what each reason tests on a day (`domain.left_out.Standing`),
    and their catchment rows."""
    on_pathway = _on_pathway()
    services = select(
        Service.id, _standing_accredited(bindparam("on", type_=Date())), Service.min_age, Service.max_age
    ).where(on_pathway)
    districts = (
        select(ServiceDistrict.service_id, ServiceDistrict.district)
        .join(Service, Service.id == ServiceDistrict.service_id)
        .where(on_pathway)
    )
    return services, districts


def candidate_rows(on: date | BindParameter[date]) -> Select[*tuple[Any, ...]]:
    """What triage reads of a service: light rows, no ORM objects, in slug order."""
    return (
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
            Service.self_referral,
            Organisation.name.label("provider"),
            and_(Organisation.is_listed, _accredited_probe(on)).label("accredited"),
        )
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(Service.is_listed.is_(True))
        .order_by(Service.slug)
    )


def accredited_on(on: date | BindParameter[date]) -> ColumnElement[bool]:
    """The service's provider holds an accreditation valid on that day."""
    return exists().where(
        Accreditation.organisation_id == Service.organisation_id,
        Accreditation.valid_until >= on,
        or_(Accreditation.valid_from.is_(None), Accreditation.valid_from <= on),
    )


def _accredited_probe(on: date | BindParameter[date]) -> ColumnElement[bool]:
    """`accredited_on`, as one index probe per service: the latest end of the provider's
    accreditations begun by that day is that day or later. Where PostgreSQL cannot turn an EXISTS
    into a join (a select list, an OR, a CASE) it hashes every valid accreditation in the region
    for it, for each referral; a scalar subquery it probes, row by row."""
    latest_end = (
        select(func.max(Accreditation.valid_until))
        .where(
            Accreditation.organisation_id == Service.organisation_id,
            or_(Accreditation.valid_from.is_(None), Accreditation.valid_from <= on),
        )
        .scalar_subquery()
    )
    return func.coalesce(latest_end >= on, False)


def _listed_probe() -> ColumnElement[Any]:
    """The service's provider's `is_listed`, by its primary key: no join to the organisations needed."""
    listed = select(Organisation.is_listed).where(Organisation.id == Service.organisation_id)
    return listed.correlate_except(Organisation).scalar_subquery()  # its own look-up, where the query joins them too
