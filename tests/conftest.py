"""Fixtures: one migrated database per run (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
and one transaction per test, rolled back at the end (SQLAlchemy's external-transaction recipe)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import sessionmaker

from referral_service.app import create_app
from referral_service.config import PROJECT_ROOT, Settings
from referral_service.persistence import migrations
from referral_service.persistence.engine import SessionFactory, make_engine
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.passwords import password_hasher

DEMO_DIRECTORY = PROJECT_ROOT / "providers" / "demo"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if is_postgres(os.environ.get("TEST_DATABASE_URL", "")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with TEST_DATABASE_URL, as make test does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if is_postgres(database_url):
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


@contextmanager
def throwaway_database(database_url: str, folder: Path) -> Iterator[str]:
    """An empty database of the suite's kind, for tests that must really commit (races, servers):
    a new SQLite file in `folder`, or a new PostgreSQL database dropped afterwards."""
    if not is_postgres(database_url):
        yield f"sqlite:///{folder / 'fresh.sqlite3'}"
        return
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    with throwaway_database(database_url, tmp_path) as url:
        yield url


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[SessionFactory]:
    """Every unit of work in the test runs in a SAVEPOINT inside one outer transaction, undone at the end."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        outer.rollback()


@pytest.fixture
def uow(session_factory: SessionFactory) -> UnitOfWork:
    return UnitOfWork(session_factory)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.for_tests(database_url, instance_dir=tmp_path / "instance")


@pytest.fixture
def app(settings: Settings, session_factory: SessionFactory) -> Flask:
    return create_app(settings, session_factory=session_factory)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def hasher():  # type: ignore[no-untyped-def]
    return password_hasher("fast")


def jobs_run_once(url: str, instance: Path) -> subprocess.Popen[str]:
    """`flask --app wsgi jobs run-once` as a real process against `url` (output captured)."""
    environment = {**os.environ, "DATABASE_URL": url, "REFERRAL_SERVICE_INSTANCE_DIR": str(instance)}
    environment.pop("TEST_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run-once"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
