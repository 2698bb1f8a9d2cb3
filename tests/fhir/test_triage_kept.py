"""Triage keeps what it narrowed from the directory per process, under the directory stamp the
database changes with every change to a provider, accreditation, service or catchment: a change
made any way is seen by the very next referral (a service kept after it lost its accreditation,
its catchment or its age range would be offered unsafely), and a change rolled back leaves nothing
behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from referral_service.domain.directory import ProviderDefinition
from referral_service.domain.facts import PatientFacts
from referral_service.domain.rules import AgeRule, AllOf, Range
from referral_service.persistence.models import Accreditation, Organisation, Service, ServiceDistrict
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.candidates import narrowed_profiles
from referral_service.services.directory import load_directory
from tests.fhir.test_triage_check import triage_of
from tests.fixtures.fhir import SECOND_NHS_NUMBER, VALID_NHS_NUMBER, headers, plain_referral

pytestmark = pytest.mark.usefixtures("directory")
CHOSEN = "mvl-exercise-referral"  # where the plain referral (SK4, aged 65) is offered a place
EXERCISE = "http://snomed.info/sct|390893007"


def refer(client: FlaskClient, gp_token: str, uow: UnitOfWork, nhs_number: str) -> dict[str, Any]:
    """A 65-year-old in SK4 (two people, so that neither is held for an open referral of their own)."""
    body = json.dumps(plain_referral(nhs_number=nhs_number))
    response = client.post("/fhir/ServiceRequest", data=body, headers=headers(gp_token))
    assert response.status_code == 201, response.get_json()
    return triage_of(uow, response.get_json()["id"])


def mersey_vale(demo: tuple[ProviderDefinition, ...], change: str) -> ProviderDefinition:
    provider = next(p for p in demo if p.slug == "mersey-vale-leisure")
    if change == "accreditation lapsed":
        return replace(
            provider, accreditations=tuple(replace(a, valid_until=date(2020, 1, 31)) for a in provider.accreditations)
        )
    service = next(s for s in provider.services if s.slug == CHOSEN)
    if change == "catchment moved":
        service = replace(service, catchment_districts=frozenset({"M20"}))
    else:  # "only for over-80s": a narrower age range, so the age limits in SQL move too
        include = AllOf((AgeRule(Range(80, None)), service.eligibility.include))
        service = replace(service, eligibility=replace(service.eligibility, include=include))
    return replace(provider, services=tuple(service if s.slug == CHOSEN else s for s in provider.services))


@pytest.mark.parametrize("change", ["accreditation lapsed", "catchment moved", "only for over-80s"])
def test_a_directory_change_is_seen_by_the_next_referral_though_the_same_narrowing_was_kept(
    client: FlaskClient, gp_token: str, uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...], change: str
) -> None:
    assert refer(client, gp_token, uow, VALID_NHS_NUMBER)["service"] == CHOSEN  # the narrowing kept

    with uow:
        load_directory(uow, [mersey_vale(demo_providers, change)], complete=False)
    after = refer(client, gp_token, uow, SECOND_NHS_NUMBER)

    assert after["route"] != "link-worker" or after["unmet"] != "needs-review" or after["service"] is None
    assert after["service"] != CHOSEN
    verdicts = {a["service"]: a["verdict"] for a in after["assessments"]}
    assert verdicts.get(CHOSEN, "ineligible") == "ineligible"


MERSEY_VALE = select(Organisation.id).where(Organisation.slug == "mersey-vale-leisure").scalar_subquery()
SERVICE = select(Service.id).where(Service.slug == CHOSEN).scalar_subquery()
WRITES: dict[str, Callable[[UnitOfWork], object]] = {
    "provider unlisted": lambda uow: uow.session.execute(
        update(Organisation).where(Organisation.id == MERSEY_VALE).values(is_listed=False)
    ),
    "accreditations deleted": lambda uow: uow.session.execute(
        delete(Accreditation).where(Accreditation.organisation_id == MERSEY_VALE)
    ),
    "service unlisted": lambda uow: uow.session.execute(
        update(Service).where(Service.id == SERVICE).values(is_listed=False)
    ),
    "district deleted": lambda uow: uow.session.execute(
        delete(ServiceDistrict).where(ServiceDistrict.service_id == SERVICE, ServiceDistrict.district == "SK4")
    ),
}


def kept_and_read(uow: UnitOfWork) -> tuple[object, object]:
    """What triage uses for a 65-year-old in SK4 today (kept when the stamp has not moved), and what
    the directory query says now, each as (service ids with their accreditation, counts left out)."""
    today = datetime.now(UTC).date()
    born = date(today.year - 65, 1, 1)
    facts = PatientFacts(referral_date=today, birth_date=born, postcode="SK4 1AA", pathway=EXERCISE)
    kept = narrowed_profiles(uow, facts, today)
    system, _, code = EXERCISE.partition("|")
    read = uow.directory.narrowed_candidates(system, code, today, district="SK4", age=facts.age, alternatives=11)
    return (
        ({kept.ids[p.slug]: p.accredited for p in kept.profiles}, kept.left_out),
        ({row.id: bool(row.accredited) for row in [*read.candidates, *read.alternatives]}, read.left_out),
    )


class RolledBack(Exception):
    pass


def written_and_rolled_back(uow: UnitOfWork, write: str, stamp: str) -> list[bool]:
    """Inside a unit of work that is then rolled back: did the stamp move, and does triage use what
    the directory query says after the write?"""
    seen: list[bool] = []
    try:
        with uow:
            WRITES[write](uow)  # no ORM object, no loader: the database stamps it
            changed, read_now = kept_and_read(uow)
            seen += [uow.directory.stamp() != stamp, changed == read_now]
            raise RolledBack
    except RolledBack:
        pass
    return seen


@pytest.mark.parametrize("write", list(WRITES))
def test_any_write_to_the_directory_even_in_plain_sql_and_rolled_back_is_seen_by_the_next_triage(
    uow: UnitOfWork, write: str
) -> None:
    with uow:
        kept, read = kept_and_read(uow)
        assert kept == read and kept_and_read(uow) == (kept, read)  # the second from what was kept
        stamp = uow.directory.stamp()
    assert written_and_rolled_back(uow, write, stamp) == [True, True]

    with uow:
        assert uow.directory.stamp() == stamp
        assert kept_and_read(uow) == (kept, read)
