"""`providers export --out DIR` writes files that `providers load DIR` reads back unchanged."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner
from sqlalchemy import select

from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence.models import CapacityPool, Organisation, Service, ServiceLocation
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.directory import load_directory
from referral_service.services.directory_export import export_directory
from tests.fixtures.committed import Committed

SERVICE_FIELDS = [c.key for c in Service.__table__.columns if c.key not in {"updated_at"}]
ORGANISATION_FIELDS = [c.key for c in Organisation.__table__.columns if c.key not in {"updated_at"}]


def stored(uow: UnitOfWork) -> dict[str, Any]:
    """Every stored field of every service, organisation, location and pool, by slug."""
    with uow:
        session = uow.session
        services = {s.slug: {k: getattr(s, k) for k in SERVICE_FIELDS} for s in session.scalars(select(Service))}
        organisations = {
            o.slug: {k: getattr(o, k) for k in ORGANISATION_FIELDS} for o in session.scalars(select(Organisation))
        }
        locations = sorted(
            (loc.service_id, loc.position, loc.name, loc.address, loc.town, loc.postcode, loc.public_id)
            for loc in session.scalars(select(ServiceLocation))
        )
        pools = sorted(
            (p.service_id, str(p.intake_on), p.places, p.reserved, p.is_open)
            for p in session.scalars(select(CapacityPool))
        )
    return {"services": services, "organisations": organisations, "locations": locations, "pools": pools}


def export(runner: FlaskCliRunner, out: Path) -> None:
    result = runner.invoke(args=["providers", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "10 provider files, 1 code sets" in result.output


def test_export_then_load_creates_updates_and_delists_nothing(
    runner: FlaskCliRunner, directory: None, uow: UnitOfWork, tmp_path: Path
) -> None:
    before = stored(uow)
    export(runner, tmp_path / "out")
    assert (tmp_path / "out" / "code_sets" / "coronary-heart-disease.txt").is_file()

    result = runner.invoke(args=["providers", "load", str(tmp_path / "out")])

    assert result.exit_code == 0, result.output
    assert "organisations: 0 created, 0 updated" in result.output
    assert re.search(r"services: 0 created, 0 updated, [1-9]\d* unchanged, 0 delisted", result.output), result.output
    assert stored(uow) == before


def test_an_export_reads_as_the_demo_files_and_loads_into_an_empty_database_as_the_original(
    runner: FlaskCliRunner,
    directory: None,
    uow: UnitOfWork,
    committed: Committed,
    demo_providers: tuple[ProviderDefinition, ...],
    tmp_path: Path,
) -> None:
    export(runner, tmp_path / "out")
    reading = read_directory(tmp_path / "out")
    assert reading.ok, reading.problems

    def by_slug(providers: tuple[ProviderDefinition, ...] | list[ProviderDefinition]) -> dict[str, Any]:
        return {
            p.slug: (
                p.name,
                p.description,
                set(p.identifiers),
                p.contact,
                set(p.accreditations),
                p.endpoint,
                p.area,
                {s.slug: s for s in p.services},
            )
            for p in providers
        }

    assert by_slug(reading.providers) == by_slug(demo_providers)
    assert {area.slug for area in reading.areas} == {"stockport-north", "stockport-south"}
    assert any(service.self_referral for provider in reading.providers for service in provider.services)
    empty = committed.uow()
    with empty:
        summary = load_directory(empty, reading.providers, complete=True, areas=reading.areas)
    assert summary.organisations_created == len(demo_providers)
    with uow:
        original = export_directory(uow)
    with committed.uow() as again:
        loaded = export_directory(again)
    assert loaded == original
