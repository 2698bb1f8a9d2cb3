"""Places are never lost or doubled: accept, decline, expire, cancel, complete, and the waiting list moves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.domain.intake import IncomingCancellation
from referral_service.domain.lifecycle import Action
from referral_service.domain.referral import OfferStatus
from referral_service.jobs.tasks import expire_overdue_offers, promote_waiting_lists
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import CapacityPool, Offer
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.casework import record_step
from referral_service.services.errors import Conflict, Invalid, NotFound
from referral_service.services.intake import ReferralReceipt, cancel_referral
from referral_service.services.link_worker import close_referral, place_by_hand
from referral_service.services.offers import accept_offer, decline_offer
from tests.factories import incoming
from tests.fixtures.referrals import NOW, provider_of, task_of

Refer = Callable[..., ReferralReceipt]
SERVICE = "mvl-exercise-referral"


def reserved(uow: UnitOfWork) -> int:
    with uow:
        service = uow.directory.service_by_slug(SERVICE)
        assert service is not None
        return sum(
            p.reserved for p in uow.session.scalars(select(CapacityPool).where(CapacityPool.service_id == service.id))
        )


@pytest.fixture
def one_place(set_places: Callable[[str, int], None]) -> None:
    set_places(SERVICE, 1)


def test_declining_frees_the_place_for_the_first_in_the_queue(refer: Refer, uow: UnitOfWork, one_place: None) -> None:
    first, second, third = (refer(incoming()) for _ in range(3))
    staff = provider_of(uow, SERVICE)

    with uow:
        decline_offer(
            uow,
            first.referral_id,
            reason_code="patient-declined",
            reason_text=None,
            actor=staff,
            now=NOW,
        )

    declined, promoted, still_waiting = (task_of(uow, r.referral_id) for r in (first, second, third))
    assert promoted["business"] == "offered"
    assert promoted["events"][-1] == "offered"
    assert promoted["event_reasons"][-1] == "a place came free: promoted from the waiting list"
    assert still_waiting["business"] == "waitlisted"
    assert declined["events"][-2:] == ["declined", "to-link-worker"]  # no other service for SK4: a person decides
    assert reserved(uow) == 1


def test_a_provider_can_only_answer_its_own_offers(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming())
    other_staff = provider_of(uow, "gva-exercise-referral")
    with pytest.raises(NotFound), uow:
        accept_offer(uow, receipt.referral_id, actor=other_staff, now=NOW)


def test_decline_needs_a_known_reason(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming())
    staff = provider_of(uow, SERVICE)
    with pytest.raises(Invalid), uow:
        decline_offer(
            uow,
            receipt.referral_id,
            reason_code="busy",
            reason_text=None,
            actor=staff,
            now=NOW,
        )
    with pytest.raises(Invalid), uow:
        decline_offer(
            uow,
            receipt.referral_id,
            reason_code="other",
            reason_text=" ",
            actor=staff,
            now=NOW,
        )


def test_the_whole_programme_then_completion_frees_the_place(refer: Refer, uow: UnitOfWork, one_place: None) -> None:
    patient, waiting = refer(incoming()), refer(incoming())
    staff = provider_of(uow, SERVICE)
    with uow:
        accept_offer(uow, patient.referral_id, actor=staff, now=NOW)
    for step in (Action.CONTACT, Action.ATTEND, Action.DNA, Action.ATTEND):
        with uow:
            record_step(uow, patient.referral_id, step, actor=staff, now=NOW)
    assert task_of(uow, waiting.referral_id)["business"] == "waitlisted"  # the place is still held

    with uow:
        record_step(uow, patient.referral_id, Action.COMPLETE, actor=staff, now=NOW)

    done = task_of(uow, patient.referral_id)
    assert (done["status"], done["business"]) == ("completed", "7.0")
    assert done["events"] == ["received", "offered", "accepted", "contact", "attend", "dna", "attend", "complete"]
    assert task_of(uow, waiting.referral_id)["business"] == "offered"
    with pytest.raises(Conflict, match="cannot attend"), uow:
        record_step(uow, patient.referral_id, Action.ATTEND, actor=staff, now=NOW)


def test_dropping_out_needs_a_reason_and_frees_the_place(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming())
    staff = provider_of(uow, SERVICE)
    with uow:
        accept_offer(uow, receipt.referral_id, actor=staff, now=NOW)
    with pytest.raises(Conflict, match="needs a reason"), uow:
        record_step(uow, receipt.referral_id, Action.DROP_OUT, actor=staff, now=NOW)
    with uow:
        record_step(
            uow,
            receipt.referral_id,
            Action.DROP_OUT,
            actor=staff,
            now=NOW,
            reason="moved away",
        )
    task = task_of(uow, receipt.referral_id)
    assert (task["status"], task["business"], task["reason"]) == ("failed", "dropped-out", "moved away")
    assert reserved(uow) == 0


def test_cancelling_a_waiting_or_offered_referral_frees_its_place(
    refer: Refer, uow: UnitOfWork, gp: Actor, one_place: None
) -> None:
    offered, waiting = refer(incoming()), refer(incoming())
    with uow:
        cancel_referral(
            uow,
            IncomingCancellation("revoked", offered.referral_id, None, "patient moved", "r1" * 18, "c1" * 18, None),
            actor=gp,
            now=NOW,
        )
    assert task_of(uow, offered.referral_id)["status"] == "cancelled"
    assert task_of(uow, waiting.referral_id)["business"] == "offered"
    with uow:
        statuses = sorted(o.status.value for o in uow.session.scalars(select(Offer)))
        assert statuses == ["offered", "withdrawn"]


def test_unanswered_offers_expire_and_are_retriaged(
    refer: Refer, uow: UnitOfWork, session_factory: SessionFactory, one_place: None
) -> None:
    expiring, waiting = refer(incoming()), refer(incoming())
    later = NOW + timedelta(days=8)

    report = expire_overdue_offers(session_factory, now=lambda: later)

    assert report.handled == [expiring.referral_id]
    assert task_of(uow, expiring.referral_id)["events"][-2:] == ["offer-expired", "to-link-worker"]
    assert task_of(uow, waiting.referral_id)["business"] == "offered"
    assert expire_overdue_offers(session_factory, now=lambda: later).handled == []  # the new offer is not due yet
    with uow:
        assert [o.status for o in uow.session.scalars(select(Offer).order_by(Offer.id))] == [
            OfferStatus.EXPIRED,
            OfferStatus.OFFERED,
        ]


def test_raising_capacity_promotes_waiting_patients(
    refer: Refer,
    uow: UnitOfWork,
    session_factory: SessionFactory,
    set_places: Callable[[str, int], None],
    one_place: None,
) -> None:
    refer(incoming())
    waiting = [refer(incoming()) for _ in range(2)]
    set_places(SERVICE, 3)

    report = promote_waiting_lists(session_factory, now=lambda: NOW)

    assert report.handled == [w.referral_id for w in waiting]
    assert [task_of(uow, w.referral_id)["business"] for w in waiting] == ["offered", "offered"]


def test_the_link_worker_places_by_hand_or_closes(refer: Refer, uow: UnitOfWork) -> None:
    needs_person, cannot_place = refer(incoming(bp=None)), refer(incoming(bp=None))
    link_worker = Actor(ActorKind.PORTAL_USER, "link-worker-1", role=UserRole.LINK_WORKER)
    with pytest.raises(Invalid), uow:
        place_by_hand(uow, needs_person.referral_id, SERVICE, override_reason=" ", actor=link_worker, now=NOW)
    with uow:
        place_by_hand(
            uow,
            needs_person.referral_id,
            SERVICE,
            override_reason="BP 132/84 on the phone today",
            actor=link_worker,
            now=NOW,
        )
        close_referral(
            uow, cannot_place.referral_id, reason="patient prefers to walk with a friend", actor=link_worker, now=NOW
        )
    placed, closed = task_of(uow, needs_person.referral_id), task_of(uow, cannot_place.referral_id)
    assert (placed["business"], placed["service"]) == ("offered", SERVICE)
    assert (closed["status"], closed["reason"]) == ("rejected", "patient prefers to walk with a friend")
