"""What the database itself guarantees, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from referral_service.domain.access import ActorKind
from referral_service.persistence.models import Patient, Referral, ReferralEvent
from referral_service.persistence.uow import UnitOfWork
from tests.factories import make_referral


def test_timestamps_come_back_as_aware_utc(uow: UnitOfWork) -> None:
    authored = datetime(2026, 11, 26, 11, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    with uow:
        referral_id = make_referral(uow.session, at=authored).id
    with uow:
        stored = uow.session.get(Referral, referral_id)
        assert stored is not None
        assert stored.authored_at == authored
        assert stored.authored_at.tzinfo is UTC
        assert stored.authored_at.hour == 9


def test_naive_timestamps_are_refused(uow: UnitOfWork) -> None:
    with pytest.raises(StatementError, match="naive datetime"), uow:
        make_referral(uow.session, at=datetime(2026, 11, 26, 9, 30))  # noqa: DTZ001


def test_one_patient_row_per_nhs_number(uow: UnitOfWork) -> None:
    with uow:
        make_referral(uow.session, nhs_number="9000000009")
        make_referral(uow.session, nhs_number=None)
        make_referral(uow.session, nhs_number=None)  # unknown NHS numbers do not collide
    with pytest.raises(IntegrityError), uow:  # noqa: PT012  (the unit of work must see the error and roll back)
        uow.session.add(Patient(nhs_number="9000000009"))
        uow.session.flush()


def test_the_referral_history_is_append_only(uow: UnitOfWork) -> None:
    with uow:
        referral = make_referral(uow.session)
        uow.session.add(
            ReferralEvent(
                referral_id=referral.id,
                event_type="received",
                occurred_at=datetime.now(UTC),
                actor_kind=ActorKind.API_CLIENT,
                actor_id="demo-gp",
                to_status="requested",
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), uow:
        uow.session.execute(update(ReferralEvent).values(reason="rewritten"))
    with pytest.raises(DBAPIError, match="append-only"), uow:
        uow.session.execute(delete(ReferralEvent))
    with uow:
        [event] = uow.session.scalars(select(ReferralEvent)).all()
        assert event.reason is None
