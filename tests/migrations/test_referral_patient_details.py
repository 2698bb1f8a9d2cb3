"""Upgrading to per-referral patient details gives every existing referral its own copy of its
patient's details, and the schema goes down and up again with rows in place."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine

BEFORE = "3d308efb918d"
AT = "2026-11-20 09:00:00+00:00"


@pytest.fixture
def old_engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url)
    migrations.upgrade(engine, BEFORE)
    yield engine
    engine.dispose()


def _a_referral_before_the_change(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisations (id, public_id, kind, name, is_listed, created_at, updated_at) "
                "VALUES (1, 'org-1', 'referrer', 'Practice', true, :at, :at)"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO patients (id, public_id, nhs_number, given_name, family_name, phone, email, postcode,"
                " postcode_district, created_at, updated_at) VALUES (1, 'patient-1', '9449306613', 'Alice', 'Able',"
                " '0161 111 1111', 'alice@example.org', 'SK4 1AA', 'SK4', :at, :at)"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO referrals (id, public_id, patient_id, sender_organisation_id, request_id, correlation_id,"
                " priority, status, authored_at, received_at, payload, payload_format, updated_at)"
                " VALUES (1, 'referral-1', 1, 1, 'r', 'c', 'routine', 'active', :at, :at, :payload, 'x', :at)"
            ),
            {"at": AT, "payload": b"{}"},
        )


def test_existing_referrals_get_their_patients_details(old_engine: Engine) -> None:
    _a_referral_before_the_change(old_engine)
    migrations.upgrade(old_engine)
    with old_engine.connect() as connection:
        copied = connection.execute(
            text(
                "SELECT nhs_number, given_name, family_name, phone, email, postcode, postcode_district"
                " FROM referral_patient_details WHERE referral_id = 1"
            )
        ).one()
    assert tuple(copied) == ("9449306613", "Alice", "Able", "0161 111 1111", "alice@example.org", "SK4 1AA", "SK4")

    migrations.downgrade(old_engine, BEFORE)
    migrations.upgrade(old_engine)
    with old_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM referral_patient_details")).scalar_one() == 1
