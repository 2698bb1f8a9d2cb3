"""A generated directory written in bulk, for the benchmarks: the rows `providers load` would write
for providers the database does not hold yet, as a few multi-row INSERTs per table.

`providers load` upserts provider by provider through the ORM (look-ups, flushes, about 15
statements per service): right for a real directory file, where each provider may already exist,
and about 13 minutes for the 10,000 generated services on this machine. A benchmark only ever
loads new generated providers into a fresh database, so it writes them like this instead (seconds),
with the same values, from the same service document and hash (`services.directory`'s own
`service_document`), so triage reads exactly what `providers load` would have stored.
`check` compares the two on a small directory; run it after changing either.

Run: .venv/bin/python bench/bulk_directory.py --check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

from referral_service.domain.directory import CapacityModel, OrganisationKind, ProviderDefinition
from referral_service.persistence.models import (
    Accreditation,
    CapacityPool,
    Organisation,
    OrganisationIdentifier,
    Service,
    ServiceDistrict,
    ServiceLocation,
)
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.directory import ODS_SYSTEM, service_document, service_values


def _grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the same keys, and None in the same ones, side by side (a stable sort): the ORM's
    bulk INSERT batches only such neighbours, so mixed rows went as thousands of small statements."""
    return sorted(rows, key=lambda row: tuple(sorted((key, row[key] is None) for key in row)))


def _ids(uow: UnitOfWork, model: type[Any], rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert `rows` (ORM bulk INSERT: column defaults apply) and return slug -> id."""
    if not rows:
        return {}
    statement = insert(model).returning(model.slug, model.id, sort_by_parameter_order=True)
    return {str(slug): int(row_id) for slug, row_id in uow.session.execute(statement, _grouped(rows))}


def _insert(uow: UnitOfWork, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert `rows`, many to a statement. RETURNING makes SQLAlchemy batch them ("insertmanyvalues");
    without it psycopg sent one INSERT per row, and each fired the directory stamp's statement
    trigger: 10,000 updates of one row in one transaction, most of a 40-second load."""
    if rows:
        uow.session.execute(insert(model).returning(*model.__table__.primary_key.columns), _grouped(rows)).all()


def settle(engine: Engine) -> None:
    """After a bulk load on PostgreSQL, what autovacuum does within a minute of one: the planner's
    statistics, and the visibility map that lets the narrowing read its covering indexes alone
    (about half its time at 10,000 services). Not timed by the benchmarks; nothing to do on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def bulk_load(uow: UnitOfWork, providers: Sequence[ProviderDefinition]) -> int:
    """Write every provider and service (all new to the database); returns the services written."""
    organisations = _ids(uow, Organisation, [_organisation(provider) for provider in providers])
    identifiers, accreditations, services = [], [], []
    for provider in providers:
        organisation_id = organisations[provider.slug]
        identifiers += [{"organisation_id": organisation_id, "system": i.system, "value": i.value}
                        for i in sorted(provider.identifiers, key=lambda i: (i.system, i.value))]  # fmt: skip
        accreditations += [
            {"organisation_id": organisation_id, "scheme": a.scheme, "level": a.level,
             "valid_from": a.valid_from, "valid_until": a.valid_until}
            for a in provider.accreditations
        ]  # fmt: skip
        services += [(organisation_id, definition) for definition in provider.services]
    _insert(uow, OrganisationIdentifier, identifiers)
    _insert(uow, Accreditation, accreditations)
    service_ids = _ids(
        uow, Service, [_service(organisation_id, definition) for organisation_id, definition in services]
    )
    districts, locations, pools = [], [], []
    for _, definition in services:
        service_id = service_ids[definition.slug]
        districts += [{"service_id": service_id, "district": d} for d in sorted(set(definition.catchment_districts))]
        locations += [
            {"service_id": service_id, "position": position, "name": loc.name, "address": loc.address,
             "town": loc.town, "postcode": loc.postcode}
            for position, loc in enumerate(definition.locations)
        ]  # fmt: skip
        plan = definition.capacity
        intakes: list[date | None] = [None] if plan.model is CapacityModel.ROLLING else [*sorted(set(plan.intakes))]
        pools += [{"service_id": service_id, "intake_on": day, "places": plan.places} for day in intakes]
    _insert(uow, ServiceDistrict, districts)
    _insert(uow, ServiceLocation, locations)
    _insert(uow, CapacityPool, pools)
    return len(services)


def _organisation(provider: ProviderDefinition) -> dict[str, Any]:
    return {
        "kind": OrganisationKind.PROVIDER,
        "slug": provider.slug,
        "name": provider.name,
        "description": provider.description,
        "ods_code": next((i.value.upper() for i in provider.identifiers if i.system == ODS_SYSTEM), None),
        "contact_email": provider.contact.email,
        "contact_phone": provider.contact.phone,
        "website": provider.contact.website,
        "endpoint": provider.endpoint,
        "is_listed": True,
    }


def _service(organisation_id: int, definition: Any) -> dict[str, Any]:
    """The same values `services.directory._upsert_service` stores for a new service."""
    document = service_document(definition)
    return {
        "slug": definition.slug,
        "organisation_id": organisation_id,
        **service_values(definition, document),
        "source_hash": hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest(),
    }


def _snapshot(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    """Every directory row by its natural key, without ids, public ids or timestamps."""
    slug_of = dict(uow.session.execute(select(Organisation.id, Organisation.slug)).all())
    service_of = dict(uow.session.execute(select(Service.id, Service.slug)).all())
    skip = {"id", "public_id", "created_at", "updated_at", "organisation_id", "service_id"}

    def rows(model: type[Any], owner: str | None, names: Mapping[int, str | None]) -> list[tuple[Any, ...]]:
        columns = [c for c in model.__table__.columns if c.name not in skip]
        found = []
        for row in uow.session.execute(select(model)).scalars():
            key = (names[getattr(row, owner)],) if owner else ()
            found.append(key + tuple(repr(getattr(row, c.key)) for c in columns))
        return sorted(found)

    return {
        "organisations": rows(Organisation, None, {}),
        "identifiers": rows(OrganisationIdentifier, "organisation_id", slug_of),
        "accreditations": rows(Accreditation, "organisation_id", slug_of),
        "services": rows(Service, "organisation_id", slug_of),
        "districts": rows(ServiceDistrict, "service_id", service_of),
        "locations": rows(ServiceLocation, "service_id", service_of),
        "pools": rows(CapacityPool, "service_id", service_of),
    }


def check(services: int) -> None:
    """Load the same generated directory both ways into two fresh SQLite files and compare the rows."""
    from regional_directory import write_region

    from referral_service.persistence import migrations
    from referral_service.persistence.engine import make_engine, make_session_factory
    from referral_service.schemas.directory import read_directory
    from referral_service.services.directory import load_directory

    with tempfile.TemporaryDirectory() as folder:
        write_region(Path(folder) / "region", services)
        providers = read_directory(Path(folder) / "region").providers
        snapshots, seconds = [], []
        for way in ("providers load", "bulk"):
            engine = make_engine(f"sqlite:///{folder}/{way.replace(' ', '_')}.sqlite3")
            migrations.upgrade(engine)
            factory = make_session_factory(engine)
            started = time.perf_counter()
            with UnitOfWork(factory) as uow:
                if way == "bulk":
                    bulk_load(uow, providers)
                else:
                    load_directory(uow, providers, complete=True)
            seconds.append(time.perf_counter() - started)
            with UnitOfWork(factory) as uow:
                snapshots.append(_snapshot(uow))
            engine.dispose()
    for table in snapshots[0]:
        if snapshots[0][table] != snapshots[1][table]:
            raise SystemExit(f"{table} differ: {snapshots[0][table][:2]} against {snapshots[1][table][:2]}")
    counts = ", ".join(f"{len(rows)} {table}" for table, rows in snapshots[0].items())
    print(f"same rows ({counts}); providers load {seconds[0]:.1f} s, bulk {seconds[1]:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with `providers load` on a small directory")
    parser.add_argument("--services", type=int, default=200)
    arguments = parser.parse_args()
    if arguments.check:
        check(arguments.services)


if __name__ == "__main__":
    main()
