"""A small fixed history, built through the real service functions, with figures worked out by hand.

Six referrals received in November 2026 (all from practice P88001):
  A  SK4, female, 65, NHS number verified: offered at once, accepted day 2, reached day 5, first of
     24 sessions day 10, attends all 24, completes; SWEMWBS 23 -> 27 raw (20.73 -> 24.11 converted).
  B  SK4, male, 36, verified: offered, accepted day 1, no answer day 2, reached day 3, first session
     day 7; attends 12, misses 2, drops out; SWEMWBS at start only.
Contact attempts, the register and outcome measures go through the portal's service functions.
  C  SK4, female, 65, verified: offered, declined day 3 ('patient-declined'); nowhere else: link worker.
  D  SK7, male, 65: offered to another provider, which never answers: expired; then link worker.
  E  SK4, female, 65, no measurements: to a link worker for review.
  F  SK4, female, 65, ethnicity not stated, a pathway no service offers: no service.
SK4 1AA is in an LSOA of IMD decile 3 (quintile 2); SK7 1AA has no lookup entry (unknown).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta

from referral_service.domain.lifecycle import Action
from referral_service.domain.outcomes import SWEMWBS_ITEMS
from referral_service.domain.progress import (
    AttendanceStatus,
    ContactMethod,
    ContactOutcome,
    OutcomeInstrument,
    OutcomeTimepoint,
)
from referral_service.persistence.models import LsoaDeprivation, PostcodeLsoa
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.casework import (
    record_contact_attempt,
    record_outcome_measure,
    record_session,
    record_step,
)
from referral_service.services.intake import ReferralReceipt
from referral_service.services.offers import accept_offer, decline_offer, expire_offer
from tests.factories import incoming
from tests.fixtures.referrals import NOW, provider_of

START = NOW - timedelta(days=20)  # 2026-11-06
MVL, GVA = "mvl-exercise-referral", "gva-exercise-referral"
BEFORE, AFTER = OutcomeTimepoint.START, OutcomeTimepoint.END


def _referral_pk(uow: UnitOfWork, public_id: str) -> int:
    referral = uow.referrals.by_public_id(public_id)
    assert referral is not None
    return referral.id


def _swemwbs(raw_total: int) -> dict[str, float | None]:
    """Item answers (1-5) adding up to `raw_total`."""
    answers = [1] * 7
    for i in range(raw_total - 7):
        answers[i % 7] += 1
    return {name: float(answer) for (name, _), answer in zip(SWEMWBS_ITEMS, answers, strict=True)}


def build_history(uow: UnitOfWork, refer: Callable[..., ReferralReceipt]) -> dict[str, str]:
    with uow:
        uow.session.add_all(
            [
                PostcodeLsoa(postcode="SK41AA", lsoa_code="E01999001"),
                LsoaDeprivation(lsoa_code="E01999001", imd_decile=3),
            ]
        )
    older = date(1961, 2, 3)
    a = refer(incoming(nhs_number="9434765919", authored=START), now=START).referral_id
    b = refer(
        incoming(nhs_number="9434765870", sex="male", birth_date=date(1990, 6, 1), authored=START), now=START
    ).referral_id
    c = refer(incoming(nhs_number="9434765862", birth_date=older, authored=START), now=START).referral_id
    d = refer(incoming(postcode="SK7 1AA", sex="male", authored=START), now=START).referral_id
    e = refer(incoming(bp=None, bmi=None, activity=None, authored=START), now=START).referral_id
    not_stated = incoming(pathway="837111000000105", authored=START)
    not_stated = dataclasses.replace(not_stated, patient=dataclasses.replace(not_stated.patient, ethnicity_code="Z"))
    f = refer(not_stated, now=START).referral_id

    mvl = provider_of(uow, MVL)
    day = lambda n: START + timedelta(days=n)  # noqa: E731
    with uow:
        accept_offer(uow, a, actor=mvl, now=day(2))
        accept_offer(uow, b, actor=mvl, now=day(1))
        decline_offer(uow, c, reason_code="patient-declined", reason_text=None, actor=mvl, now=day(3))
        worker = mvl
        reach = {"method": ContactMethod.PHONE, "note": None, "actor": worker}
        record_contact_attempt(uow, b, attempted_at=day(2), outcome=ContactOutcome.NO_ANSWER, now=day(2), **reach)
        record_contact_attempt(uow, b, attempted_at=day(3), outcome=ContactOutcome.REACHED, now=day(3), **reach)
        record_contact_attempt(uow, a, attempted_at=day(5), outcome=ContactOutcome.REACHED, now=day(5), **reach)
        for session in range(24):
            at = day(10) + timedelta(hours=session)
            record_session(uow, a, session_on=at.date(), status=AttendanceStatus.ATTENDED, actor=worker, now=at)
        for session in range(14):
            at = day(7) + timedelta(hours=session)
            status = AttendanceStatus.DNA if session in (3, 5) else AttendanceStatus.ATTENDED
            record_session(uow, b, session_on=at.date(), status=status, actor=worker, now=at)
        for referral, timepoint, raw, on in ((a, BEFORE, 23, 10), (a, AFTER, 27, 19), (b, BEFORE, 20, 7)):
            record_outcome_measure(
                uow,
                referral,
                instrument=OutcomeInstrument.SWEMWBS,
                timepoint=timepoint,
                measured_on=day(on).date(),
                answers=_swemwbs(raw),
                actor=worker,
                now=day(on),
            )
        record_step(uow, a, Action.COMPLETE, actor=mvl, now=day(19))
        record_step(uow, b, Action.DROP_OUT, actor=mvl, now=day(19), reason="moved away")
        offer = uow.capacity.open_offer(_referral_pk(uow, d))
        assert offer is not None
        offer_id = offer.id
    with uow:
        assert expire_offer(uow, offer_id, now=day(15)) is not None
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f}
