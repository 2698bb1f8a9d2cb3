"""The narrowing migration fills the indexed catchment rows and the age limits from what services
already store, the same as `providers load` writes them, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.directory import load_directory

BEFORE = "a6728e75355c"  # the revision before triage narrowing
DISTRICTS = sa.text("SELECT s.slug, d.district FROM service_districts d JOIN services s ON s.id = d.service_id")
AGES = sa.text("SELECT slug, min_age, max_age FROM services")


def _narrowing(connection: sa.Connection) -> tuple[set[tuple[str, str]], set[tuple[str, float | None, float | None]]]:
    return {tuple(row) for row in connection.execute(DISTRICTS)}, {tuple(row) for row in connection.execute(AGES)}  # type: ignore[misc]


def test_existing_services_get_their_districts_and_age_limits(
    fresh_database_url: str, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrations.upgrade(engine)
        with UnitOfWork(make_session_factory(engine)) as uow:
            load_directory(uow, demo_providers, complete=True)
        with engine.connect() as connection:
            loaded = _narrowing(connection)
        assert ("mvl-exercise-referral", "SK4") in loaded[0]
        assert any(low is not None for _, low, _ in loaded[1])  # the demo has services for adults only

        migrations.downgrade(engine, BEFORE)
        migrations.upgrade(engine)

        with engine.connect() as connection:
            assert _narrowing(connection) == loaded
    finally:
        engine.dispose()
