"""A meaningful change runs the right way for each measure, as the report's SQL counts it.

ONS4 anxiety improves when it falls; the other figures when they rise (domain.outcomes.IMPROVEMENTS).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.domain.progress import OutcomeInstrument, OutcomeTimepoint
from referral_service.domain.reporting.definitions import ReportFilter
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.casework import record_outcome_measure
from referral_service.services.intake import ReferralReceipt
from referral_service.services.offers import accept_offer
from referral_service.services.reports import commissioner_report, refresh_report_data
from tests.factories import incoming
from tests.reports.history import START

NOVEMBER = ReportFilter(START.date().replace(day=1), START.date().replace(day=30))
CALM = {"life_satisfaction": 5.0, "worthwhile": 5.0, "happiness": 5.0}


def test_anxiety_improves_when_it_falls_and_the_rest_when_they_rise(
    uow: UnitOfWork, refer: Callable[..., ReferralReceipt]
) -> None:
    a = refer(incoming(nhs_number="9434765919", authored=START), now=START).referral_id
    b = refer(incoming(nhs_number="9434765870", authored=START), now=START).referral_id
    on = START + timedelta(days=12)
    with uow:
        service = uow.directory.service_by_slug("mvl-exercise-referral")
        assert service is not None
        staff = Actor(
            ActorKind.PORTAL_USER, "staff-of-mvl", role=UserRole.PROVIDER, organisation_id=service.organisation_id
        )
        for referral_id in (a, b):
            accept_offer(uow, referral_id, actor=staff, now=START)
        answers = {  # A: anxiety and happiness change by 2; B: nothing changes
            (a, OutcomeTimepoint.START): CALM | {"anxiety": 7.0},
            (a, OutcomeTimepoint.END): CALM | {"anxiety": 5.0, "happiness": 7.0},
            (b, OutcomeTimepoint.START): CALM | {"anxiety": 5.0},
            (b, OutcomeTimepoint.END): CALM | {"anxiety": 5.0},
        }
        for (referral_id, timepoint), values in answers.items():
            record_outcome_measure(
                uow,
                referral_id,
                instrument=OutcomeInstrument.ONS4,
                timepoint=timepoint,
                measured_on=on.date(),
                answers=values,
                actor=staff,
                now=on,
            )
    with uow:
        refresh_report_data(uow, now=START + timedelta(days=20))
        report = commissioner_report(uow, NOVEMBER, threshold=0, now=START + timedelta(days=20))
    outcomes = {row[0]: row[1:] for row in report.table("outcomes").rows}
    assert outcomes["ONS4 anxiety (0-10)"][:5] == (2, 6.0, 5.0, -1.0, 50.0)  # A's fall counts (a rise would not)
    assert outcomes["ONS4 happiness (0-10)"][:5] == (2, 5.0, 6.0, 1.0, 50.0)  # A's rise counts (a fall would not)
    assert outcomes["ONS4 worthwhile (0-10)"][4] == 0.0  # no change is no improvement
