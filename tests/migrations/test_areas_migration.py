"""The areas migration goes down with areas in use and up again, on SQLite and on PostgreSQL:
everything is back in no area, and loading the directory puts it in its areas again."""

from __future__ import annotations

import sqlalchemy as sa

from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import DirectoryReading
from referral_service.services.directory import load_directory

BEFORE = "7c3f9a1d2e58"  # the revision before areas
POINTING = ("organisations", "services", "portal_users", "report_journeys")


def _area_columns(engine: sa.Engine) -> set[str]:
    inspector = sa.inspect(engine)
    return {table for table in POINTING if "area_id" in {c["name"] for c in inspector.get_columns(table)}}


def _load(engine: sa.Engine, reading: DirectoryReading) -> None:
    with UnitOfWork(make_session_factory(engine)) as uow:
        load_directory(uow, reading.providers, complete=True, areas=reading.areas)


def test_down_with_areas_in_use_and_up_again(fresh_database_url: str, demo_reading: DirectoryReading) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrations.upgrade(engine)
        _load(engine, demo_reading)
        placed = sa.text("SELECT count(*) FROM organisations WHERE area_id IS NOT NULL")
        with engine.connect() as connection:
            assert connection.scalar(placed) == 10 + 12  # the demo providers and practices

        migrations.downgrade(engine, BEFORE)
        assert "areas" not in sa.inspect(engine).get_table_names()
        assert _area_columns(engine) == set()

        migrations.upgrade(engine)
        assert _area_columns(engine) == set(POINTING)
        with engine.connect() as connection:
            assert connection.scalar(placed) == 0
        _load(engine, demo_reading)
        with engine.connect() as connection:
            assert connection.scalar(placed) == 22
    finally:
        engine.dispose()
