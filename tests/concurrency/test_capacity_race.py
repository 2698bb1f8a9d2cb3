"""Fifty referrals race for five places on PostgreSQL: never overbooked, the rest queue in order."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from referral_service.domain.referral import OfferStatus, WaitlistStatus
from referral_service.persistence.models import CapacityPool, Offer, Referral, WaitlistEntry
from referral_service.services.intake import ReferralReceipt, receive_referral
from referral_service.services.offers import decline_offer
from tests.factories import incoming
from tests.fixtures.committed import Committed
from tests.fixtures.referrals import NOW, provider_of

pytestmark = pytest.mark.postgres

REFERRALS, PLACES = 50, 5


def test_fifty_concurrent_referrals_five_places(committed: Committed) -> None:
    barrier = threading.Barrier(REFERRALS)
    receipts: list[ReferralReceipt] = []
    errors: list[BaseException] = []

    def refer(n: int) -> None:
        referral = incoming(nhs_number=None)
        barrier.wait()
        try:
            with committed.uow() as uow:
                receipts.append(receive_referral(uow, referral, actor=committed.gp, now=NOW))
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=refer, args=(n,)) for n in range(REFERRALS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(receipts) == REFERRALS
    with committed.uow() as uow:
        offers = uow.session.scalars(select(Offer)).all()
        queue = uow.session.scalars(
            select(WaitlistEntry).order_by(WaitlistEntry.priority_rank, WaitlistEntry.joined_at, WaitlistEntry.id)
        ).all()
        [pool] = uow.session.scalars(select(CapacityPool)).all()
        assert len(offers) == PLACES
        assert len({o.referral_id for o in offers}) == PLACES
        assert (pool.places, pool.reserved) == (PLACES, PLACES)
        assert len(queue) == REFERRALS - PLACES
        assert len({e.referral_id for e in queue}) == REFERRALS - PLACES
        assert not {o.referral_id for o in offers} & {e.referral_id for e in queue}
        assert [e.joined_at for e in queue] == sorted(e.joined_at for e in queue)
        head = queue[0].referral_id
        declined = uow.session.get(Referral, offers[0].referral_id)
        assert declined is not None
        declined_id = declined.public_id

    staff = provider_of(committed.uow(), "race-exercise")
    with committed.uow() as uow:
        decline_offer(
            uow,
            declined_id,
            reason_code="no-capacity",
            reason_text=None,
            actor=staff,
            now=NOW,
        )

    with committed.uow() as uow:
        promoted = uow.session.scalar(
            select(Offer).where(Offer.referral_id == head, Offer.status == OfferStatus.OFFERED)
        )
        assert promoted is not None
        assert (
            uow.session.scalar(
                select(func.count()).select_from(WaitlistEntry).where(WaitlistEntry.status == WaitlistStatus.WAITING)
            )
            == REFERRALS - PLACES - 1
        )
        [pool] = uow.session.scalars(select(CapacityPool)).all()
        assert pool.reserved == PLACES
