"""Engines and session factories, set up the same way in production, the CLI and the tests."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]

# A pooled PostgreSQL connection idle for longer than this is pinged before it is used again.
PING_AFTER_IDLE_SECONDS = 1.0


def make_engine(url: str, **options: Any) -> Engine:
    """An engine with the per-dialect settings the service relies on.

    SQLite: foreign keys on, a busy timeout, and the documented fix for Python's sqlite3 legacy
    transaction mode (it would otherwise defer BEGIN, so SAVEPOINTs and SELECT-then-UPDATE
    sequences would not be atomic). PostgreSQL: a connection left idle is pinged before use, so a
    restarted server costs one retry, not an error page. Every engine hides bound parameters from
    its errors and its SQL echo: they are patient data, and a log carries statements, never values.
    """
    options = {**options, "hide_parameters": True}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        _configure_sqlite(engine)
        return engine
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    engine = create_engine(url, connect_args=connect_args, **options)
    _ping_connections_left_idle(engine)
    return engine


def _ping_connections_left_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has been idle for a while.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: one more round trip on each request, which
    under load (one of about seventeen per referral) costs more than its CPU. A restart, a failover or
    a proxy's idle timeout ends connections that sit unused, and those are still pinged; one in
    steady use is trusted, and if the server went away mid-stream the statement's disconnect error
    invalidates the pool and the request is answered 503 with Retry-After, as during any outage.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)  # a new connection has none: it needs no ping
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                # SQLAlchemy replaces this connection, and every other one pooled before now
                raise exc.InvalidatePoolError("the database ended an idle connection") from error
            raise


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
