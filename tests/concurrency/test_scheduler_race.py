"""Two scheduler processes against one PostgreSQL: every due expiry is handled exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from referral_service.domain.referral import OfferStatus
from referral_service.persistence.models import CapacityPool, Offer, ReferralEvent
from referral_service.services.intake import receive_referral
from tests.factories import incoming
from tests.fixtures.committed import Committed
from tests.fixtures.live import jobs_run_once
from tests.fixtures.referrals import NOW

pytestmark = pytest.mark.postgres

PLACES, REFERRALS = 30, 40


def test_two_scheduler_processes_expire_each_offer_once(committed: Committed, tmp_path: Path) -> None:
    with committed.uow() as uow:
        uow.session.execute(update(CapacityPool).values(places=PLACES))
    for _ in range(REFERRALS):
        with committed.uow() as uow:
            receive_referral(uow, incoming(), actor=committed.gp, now=NOW)
    with committed.uow() as uow:  # every offer made is now past its deadline
        uow.session.execute(update(Offer).values(respond_by=NOW - timedelta(days=1)))
        due = set(uow.session.scalars(select(Offer.referral_id)))
    assert len(due) == PLACES

    processes = [jobs_run_once(committed.url, tmp_path / f"instance-{n}") for n in range(2)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0], outputs
    handled = [
        int(line.split(":")[1].split()[0])
        for out in outputs
        for line in out.splitlines()
        if line.startswith("expire-offers")
    ]
    assert sum(handled) == PLACES, outputs
    with committed.uow() as uow:
        expiries = Counter(
            uow.session.scalars(select(ReferralEvent.referral_id).where(ReferralEvent.event_type == "offer-expired"))
        )
        assert set(expiries) == due
        assert set(expiries.values()) == {1}
        expired = uow.session.scalars(select(Offer).where(Offer.status == OfferStatus.EXPIRED)).all()
        assert len(expired) == PLACES
        promoted = uow.session.scalars(select(Offer).where(Offer.status == OfferStatus.OFFERED)).all()
        assert len(promoted) == REFERRALS - PLACES  # the waiting list took the freed places
        [pool] = uow.session.scalars(select(CapacityPool)).all()
        assert pool.reserved == REFERRALS - PLACES
