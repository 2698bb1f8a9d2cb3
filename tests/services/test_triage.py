"""Triage against the demo directory: the right place for each patient, or a person, with reasons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import select

from referral_service.domain.referral import UnmetDemandReason
from referral_service.persistence.models import Offer, UnmetDemand
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt
from tests.factories import incoming
from tests.fixtures.referrals import task_of

Refer = Callable[..., ReferralReceipt]


def test_an_eligible_patient_is_offered_a_place_in_their_catchment(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming(postcode="SK4 1AA"))

    task = task_of(uow, receipt.referral_id)
    assert (task["status"], task["business"], task["service"]) == ("requested", "offered", "mvl-exercise-referral")
    assert task["events"] == ["received", "offered"]
    assessments = {a["service"]: a for a in task["triage"]["assessments"]}
    assert assessments["mvl-exercise-referral"]["verdict"] == "eligible"
    assert assessments["gva-exercise-referral"]["reasons"] == ["SK4 is outside the catchment"]
    assert task["triage"]["risk"]["level"] == "medium"  # hypertension
    with uow:
        [offer] = uow.session.scalars(select(Offer)).all()
        # offered on Thursday 26 November 2026; 5 working days later is Thursday 3 December
        assert offer.respond_by == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_the_other_catchment_goes_to_the_other_leisure_operator(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming(postcode="SK7 1PL", activity=60))
    task = task_of(uow, receipt.referral_id)
    assert task["service"] == "gva-exercise-referral"
    assessments = {a["service"]: a for a in task["triage"]["assessments"]}
    assert assessments["hghc-exercise-referral"]["reasons"] == ["the provider's accreditation is not valid today"]


def test_a_resting_bp_of_180_100_is_a_hard_exclusion_reported_with_its_reason(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming(bp=(185, 104)))
    task = task_of(uow, receipt.referral_id)
    assert (task["status"], task["business"]) == ("requested", "link-worker")
    assert "Resting BP 180/100 or above: back to GP before exercise" in task["reason"]
    with uow:
        [unmet] = uow.session.scalars(select(UnmetDemand)).all()
        assert unmet.reason is UnmetDemandReason.EXCLUDED
        assert unmet.postcode_district == "SK4"


def test_missing_blood_pressure_goes_to_a_person_with_the_missing_fact(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming(bp=None))
    task = task_of(uow, receipt.referral_id)
    assert task["business"] == "link-worker"
    assert task["triage"]["missing"] == ["blood_pressure"]
    assert task["triage"]["unmet"] == "needs-review"


def test_stale_blood_pressure_is_not_a_pass(refer: Refer, uow: UnitOfWork) -> None:
    old = incoming()
    measurements = tuple(
        m if m.kind != "blood_pressure" else type(m)(m.kind, m.value, date(2026, 1, 5), m.second_value)
        for m in old.measurements
    )
    receipt = refer(type(old)(**{**old.__dict__, "measurements": measurements}))
    task = task_of(uow, receipt.referral_id)
    assert task["business"] == "link-worker"
    assert "blood_pressure" in task["triage"]["missing"]


def test_known_heart_disease_is_high_risk_and_goes_to_cardiac_rehab(refer: Refer, uow: UnitOfWork) -> None:
    without_heart_rate = task_of(uow, refer(incoming(conditions=("22298006",))).referral_id)
    assert without_heart_rate["business"] == "link-worker"  # the cardiac service relies on a recent heart rate
    assert "resting_heart_rate" in without_heart_rate["triage"]["missing"]

    receipt = refer(incoming(conditions=("22298006",), heart_rate=68))
    task = task_of(uow, receipt.referral_id)
    assert task["triage"]["risk"]["level"] == "high"
    assert task["service"] == "shh-cardiac-phase-iv"


def test_a_social_prescribing_referral_reaches_the_link_worker_service(refer: Refer, uow: UnitOfWork) -> None:
    receipt = refer(incoming(pathway="871731000000106", conditions=(), bp=None, bmi=None, activity=None))
    task = task_of(uow, receipt.referral_id)
    assert task["business"] == "offered"
    assert task["service"] in {
        "scp-link-worker",
        "gn-befriending",
        "gn-telephone-befriending",
        "smha-debt-housing-advice",
    }


def test_when_full_the_patient_waits_in_order_and_demand_is_recorded(
    refer: Refer, uow: UnitOfWork, set_places: Callable[[str, int], None]
) -> None:
    set_places("mvl-exercise-referral", 1)
    first, second, third = (refer(incoming()) for _ in range(3))

    assert task_of(uow, first.referral_id)["business"] == "offered"
    waiting = [task_of(uow, r.referral_id) for r in (second, third)]
    assert [(t["business"], t["service"]) for t in waiting] == [("waitlisted", "mvl-exercise-referral")] * 2
    with uow:
        assert [u.reason for u in uow.session.scalars(select(UnmetDemand))] == [UnmetDemandReason.NO_CAPACITY] * 2
