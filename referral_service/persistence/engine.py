"""Engines and session factories, set up the same way in production, the CLI and the tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]


def make_engine(url: str, **options: Any) -> Engine:
    """An engine with the per-dialect settings the service relies on.

    SQLite: foreign keys on, a busy timeout, and the documented fix for Python's sqlite3 legacy
    transaction mode (it would otherwise defer BEGIN, so SAVEPOINTs and SELECT-then-UPDATE
    sequences would not be atomic). PostgreSQL: pre-ping, so a restarted server costs one retry,
    not an error page. Every engine hides bound parameters from its errors and its SQL echo: they
    are patient data, and a log carries statements, never values.
    """
    options = {**options, "hide_parameters": True}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        _configure_sqlite(engine)
        return engine
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **options)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at the start, so two writers queue instead of one failing
        # half-way with "database is locked" after reading stale data.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(bind=engine, expire_on_commit=False)
