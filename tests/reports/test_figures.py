"""Report figures against the hand-worked history in tests/reports/history.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import update

from referral_service.domain.outbox import OutboxStatus
from referral_service.domain.reporting.definitions import ReportFilter
from referral_service.domain.reporting.tables import Report
from referral_service.persistence.models import OutboxMessage
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Invalid
from referral_service.services.intake import ReferralReceipt
from referral_service.services.reports import commissioner_report, refresh_report_data
from tests.factories import incoming
from tests.fixtures.referrals import NOW
from tests.reports.history import build_history

NOVEMBER = ReportFilter(date(2026, 11, 1), date(2026, 11, 30))


def report(uow: UnitOfWork, report_filter: ReportFilter = NOVEMBER, threshold: int = 0) -> Report:
    """The report after the summary is brought up to date, as the scheduler's refresh tick does."""
    with uow:
        refresh_report_data(uow, now=NOW)
        return commissioner_report(uow, report_filter, threshold=threshold, now=NOW)


def rows(report: Report, key: str) -> dict[object, tuple[object, ...]]:
    return {row[0]: row[1:] for row in report.table(key).rows}


@pytest.fixture
def history(uow: UnitOfWork, refer: Callable[..., ReferralReceipt]) -> dict[str, str]:
    return build_history(uow, refer)


def test_the_funnel_follows_the_event_history(uow: UnitOfWork, history: dict[str, str]) -> None:
    uptake = {stage: count for stage, (count, _) in rows(report(uow), "uptake").items()}
    assert uptake == {
        "Referred": 6,
        "Eligible": 4,  # A B C D: first routing event 'offered'
        "To link worker": 1,  # E
        "No service": 1,  # F
        "Offered": 4,
        "Accepted": 2,
        "Declined": 1,
        "Expired": 1,
        "Contacted": 2,
        "First attendance": 2,
        "50% of sessions": 2,  # A 24/24, B 12/24
        "75% of sessions": 1,
        "Completed": 1,
        "Dropped out": 1,
        "Patient declined": 1,
        "Cancelled": 0,
    }
    assert rows(report(uow), "uptake")["Eligible"][1] == pytest.approx(66.7)
    sessions = rows(report(uow), "sessions")
    assert sessions["Sessions booked"] == (24 + 14,)
    assert sessions["DNA rate % (missed / booked)"] == (pytest.approx(round(100 * 2 / 38, 1)),)
    assert rows(report(uow), "declines") == {"patient-declined": (1,), "All reasons": (1,)}


def test_waits_are_nearest_rank_percentiles_of_whole_days(uow: UnitOfWork, history: dict[str, str]) -> None:
    waits = rows(report(uow), "waits")
    assert waits["Referral to offer"] == (4, 0, 0)
    assert waits["Referral to first contact"] == (2, 3, 5)  # B 3, A 5
    assert waits["Referral to first attendance"] == (2, 7, 10)
    assert waits["Provider response"] == (3, 2, 3)  # B 1, A 2, C 3
    assert rows(report(uow), "waiting-list") == {"All services": (0, None, None)}


def test_outcomes_count_only_people_measured_at_both_ends(uow: UnitOfWork, history: dict[str, str]) -> None:
    swemwbs = rows(report(uow), "outcomes")["SWEMWBS (converted score, 7-35)"]
    assert swemwbs[:5] == (1, 20.73, 24.11, 3.38, 100.0)
    assert "Shah" in str(swemwbs[6])


def test_equity_splits_and_the_unknown_group(uow: UnitOfWork, history: dict[str, str]) -> None:
    figures = report(uow)
    by_imd = rows(figures, "equity-imd-quintile")
    assert by_imd["Q2"][:2] == (5, pytest.approx(83.3))
    assert by_imd["unknown"][0] == 1  # D's postcode is not in the lookup: shown, not dropped
    assert by_imd["Q1 (most deprived)"][0] == 0
    by_sex = rows(figures, "equity-sex")
    assert by_sex["female"][:7] == (4, pytest.approx(66.7), 2, 50.0, 1, 25.0, 1)  # A C offered; A started, completed
    assert by_sex["male"][4] == 1  # B started
    by_age = rows(figures, "equity-age-band")
    assert by_age["35-44"][0] == 1 and by_age["65-74"][0] == 5
    by_ethnicity = rows(figures, "equity-ethnic-group")
    assert by_ethnicity["White"][0] == 5 and by_ethnicity["Not stated"][0] == 1


def test_gaps_and_data_quality(uow: UnitOfWork, history: dict[str, str]) -> None:
    figures = report(uow)
    assert rows(figures, "gaps-by-reason") == {"no-eligible-service": (3,), "needs-review": (1,), "All": (4,)}
    assert rows(figures, "gaps-by-area") == {"SK4": (3,), "SK7": (1,), "All": (4,)}
    quality = rows(figures, "data-quality")
    assert quality["Verified NHS number"] == (3, 6, 50.0)
    assert quality["Ethnicity recorded (not 'not stated')"] == (5, 6, pytest.approx(83.3))
    assert quality["Outcome returned to the referrer (completions)"] == (0, 1, 0.0)


def test_filters_narrow_the_referrals(uow: UnitOfWork, history: dict[str, str]) -> None:
    october = ReportFilter(date(2026, 10, 1), date(2026, 10, 31))
    assert rows(report(uow, october), "uptake")["Referred"][0] == 0
    by_service = ReportFilter(NOVEMBER.start, NOVEMBER.end, service="mvl-exercise-referral")
    assert rows(report(uow, by_service), "uptake")["Referred"][0] == 3  # A, B, C (last offered there)
    by_pathway = ReportFilter(NOVEMBER.start, NOVEMBER.end, pathway="837111000000105")
    assert rows(report(uow, by_pathway), "uptake")["Referred"][0] == 1
    by_practice = ReportFilter(NOVEMBER.start, NOVEMBER.end, practice="P88001")
    assert rows(report(uow, by_practice), "uptake")["Referred"][0] == 6


def test_a_filter_naming_nothing_is_refused(uow: UnitOfWork, history: dict[str, str]) -> None:
    with pytest.raises(Invalid, match="no provider"):
        report(uow, ReportFilter(NOVEMBER.start, NOVEMBER.end, provider="no-such-provider"))


def test_the_summary_follows_new_history(
    uow: UnitOfWork, history: dict[str, str], refer: Callable[..., ReferralReceipt]
) -> None:
    assert rows(report(uow), "uptake")["Referred"][0] == 6
    refer(incoming(), now=NOW)
    assert rows(report(uow), "uptake")["Referred"][0] == 7


def test_an_outcome_delivered_later_is_counted_as_returned(uow: UnitOfWork, history: dict[str, str]) -> None:
    def returned() -> object:
        return rows(report(uow), "data-quality")["Outcome returned to the referrer (completions)"][0]

    with uow:
        referral = uow.referrals.by_public_id(history["A"])
        assert referral is not None
        message = OutboxMessage(
            referral_id=referral.id,
            ordering_key=referral.public_id,
            destination="https://gp.example.org/callback",
            message_type="completed",
            request_id=str(uuid.uuid4()),
            correlation_id=referral.correlation_id,
            payload=b"{}",
            status=OutboxStatus.PENDING,
            next_attempt_at=NOW,
            created_at=NOW,
        )
        uow.outbox.add(message)
    assert returned() == 0
    with uow:
        uow.session.execute(update(OutboxMessage).values(status=OutboxStatus.DELIVERED, delivered_at=NOW))
    assert returned() == 1  # delivery changed a row in place; the refresh still noticed
