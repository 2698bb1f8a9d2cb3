"""PostgreSQL connections are pinged before use only after sitting idle, on a real server.

A ping on every checkout (SQLAlchemy's `pool_pre_ping`) was one round trip more on every request.
A connection whose server session has ended while it sat in the pool must still be replaced
without an error; one ended while in steady use fails once, and the pool starts afresh.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from referral_service.persistence import engine as engine_module
from referral_service.persistence.engine import make_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def pinged(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, list[Any]]]:
    """An engine as the service makes it, and the connections its dialect pinged."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    pings: list[Any] = []
    real_ping = engine.dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return bool(real_ping(dbapi_connection))

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    yield engine, pings
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _end_session(database_url: str, pid: int) -> None:
    """What a restart or a proxy's idle timeout does to one connection: the server ends it."""
    admin = make_engine(database_url)
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()
    time.sleep(0.1)  # the backend exits


def test_a_connection_in_steady_use_is_not_pinged(pinged: tuple[Engine, list[Any]]) -> None:
    engine, pings = pinged
    first = _backend_pid(engine)
    assert [_backend_pid(engine) for _ in range(5)] == [first] * 5  # the same pooled connection each time
    assert pings == [], "a connection used a moment ago was pinged again before each use"


def test_an_idle_connection_the_server_ended_is_replaced_without_an_error(
    pinged: tuple[Engine, list[Any]], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, pings = pinged
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.05)
    ended = _backend_pid(engine)
    _end_session(database_url, ended)
    time.sleep(0.1)  # idle for longer than the threshold

    replacement = _backend_pid(engine)  # no error: the ping found the connection gone

    assert replacement != ended
    assert len(pings) == 1


def test_a_connection_ended_while_in_steady_use_fails_once_and_the_pool_starts_afresh(
    pinged: tuple[Engine, list[Any]], database_url: str
) -> None:
    engine, pings = pinged
    ended = _backend_pid(engine)
    _end_session(database_url, ended)  # within the threshold: trusted, not pinged

    with pytest.raises(OperationalError) as failure, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert failure.value.connection_invalidated  # a disconnect: the web layer's 503, never a 500

    assert _backend_pid(engine) != ended
    assert pings == []
