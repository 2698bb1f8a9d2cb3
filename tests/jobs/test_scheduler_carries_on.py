"""A scheduler tick that meets the database away logs one line and returns; a bug still raises."""

from __future__ import annotations

import pytest
from sqlalchemy import exc
from sqlalchemy.orm import sessionmaker

from referral_service.jobs.scheduler import carrying_on
from referral_service.jobs.tasks import TickReport
from referral_service.persistence.engine import SessionFactory


def _database_away(_session_factory: SessionFactory) -> TickReport:
    raise exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def _a_bug(_session_factory: SessionFactory) -> TickReport:
    raise KeyError("referral")


def test_a_tick_that_meets_the_database_away_warns_and_returns(caplog: pytest.LogCaptureFixture) -> None:
    assert carrying_on("deliver-outbox", _database_away)(sessionmaker()) is None
    [record] = [r for r in caplog.records if r.name == "referral_service.jobs.scheduler"]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage() == (
        "deliver-outbox: the database is unavailable (OperationalError); the next tick tries again"
    )


def test_any_other_error_in_a_tick_is_still_raised_for_apscheduler_to_log() -> None:
    with pytest.raises(KeyError):
        carrying_on("deliver-outbox", _a_bug)(sessionmaker())
