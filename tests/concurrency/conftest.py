"""A committed PostgreSQL database of its own, with a one-service directory, for races between processes."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from referral_service.domain.access import Actor
from referral_service.persistence import migrations
from referral_service.persistence.engine import SessionFactory, make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.access import active_client
from referral_service.services.accounts import register_api_client
from referral_service.services.directory import load_directory
from referral_service.services.passwords import password_hasher

ONE_SERVICE = """\
organisation:
  id: race-leisure
  name: Race Leisure
  identifiers: [{system: https://fhir.nhs.uk/Id/ods-organization-code, value: XRL01}]
  contact: {email: referrals@example.org}
  accreditation: [{scheme: Local standard, level: 3, valid_until: 2030-03-31}]
services:
  - id: race-exercise
    name: Exercise referral
    pathway: http://snomed.info/sct|390893007
    category: physical-activity
    programme: {weeks: 12, sessions: 24}
    locations: [{name: Pool, postcode: SK1 3TA}]
    catchment: {postcode_districts: [SK4]}
    capacity: {model: rolling, places: 5, waitlist: true}
    offer_response_days: 5
    eligibility:
      all: [{age: {min: 16}}]
      risk_levels: [low, medium, high]
"""


@dataclass
class Committed:
    url: str
    engine: Engine
    session_factory: SessionFactory
    gp: Actor

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)


@pytest.fixture
def committed(fresh_database_url: str, tmp_path: Path) -> Iterator[Committed]:
    engine = make_engine(fresh_database_url, pool_size=20, max_overflow=40)
    migrations.upgrade(engine)
    session_factory = make_session_factory(engine)
    (tmp_path / "race-leisure.yaml").write_text(textwrap.dedent(ONE_SERVICE))
    with UnitOfWork(session_factory) as uow:
        load_directory(uow, read_directory(tmp_path).providers, complete=True)
        register_api_client(
            uow,
            client_id="gp-racer",
            name="GP",
            hasher=password_hasher("fast"),
            practices=("P88001",),
            secret="gp-secret",
        )
    with UnitOfWork(session_factory) as uow:
        gp = active_client(uow, "gp-racer")
    yield Committed(fresh_database_url, engine, session_factory, gp)
    engine.dispose()
