"""The report from the roll-ups is the report from the summary: every table, every filter, any dates.

Over a generated history (18 months of synthetic referrals across the demo directory), the
commissioner report (whole months from the roll-ups, part months from `report_journeys`) is compared
with the same report read from `report_journeys` alone, with and without small-number suppression;
and a refresh after a new referral rebuilds only the roll-up rows of its month. A sliced report
(practice, PCN, provider, service, pathway) reads the summary alone, and is checked the same way; a
commissioner of one area, and a report of one referral source, read their own rows of the roll-ups.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, or_, select, update

from referral_service.domain.reporting.assemble import build_report
from referral_service.domain.reporting.definitions import ReportFilter
from referral_service.domain.reporting.tables import Report
from referral_service.jobs.tasks import refresh_reports
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import ROLLUP_TABLES, Referral, ReportRefresh, report_rollups
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.lookups import read_lsoa_deciles, read_postcode_lsoas, read_practice_pcns
from referral_service.services.deprivation import apply_deprivation, store_deciles, store_postcodes, store_practice_pcns
from referral_service.services.intake import ReferralReceipt
from referral_service.services.reports import commissioner_report, report_filter_choices
from referral_service.services.synthetic.generate import finish_generation, generate_batch, prepare_catalogue
from tests.factories import incoming
from tests.fixtures.referrals import NOW

LOOKUPS = Path(__file__).resolve().parents[2] / "deprivation" / "demo"
NORTH, SOUTH = "stockport-north", "stockport-south"  # providers/demo/areas.yaml
RANGES = {
    "whole months": (date(2025, 7, 1), date(2026, 10, 31)),
    "part months both ends": (date(2025, 6, 17), date(2026, 11, 9)),
    "part month at the start": (date(2025, 9, 2), date(2026, 3, 31)),
    "within one month": (date(2026, 2, 3), date(2026, 2, 20)),
    "one whole month": (date(2026, 2, 1), date(2026, 2, 28)),
    "everything": (date(2000, 1, 1), NOW.date()),
}


@pytest.fixture
def generated(uow: UnitOfWork, directory: None) -> None:
    """1,500 synthetic referrals over 18 months, with deprivation and PCN lookups, summarised and rolled up."""
    with uow:
        store_deciles(uow, list(read_lsoa_deciles(LOOKUPS / "lsoa_imd.csv")))
        store_postcodes(uow, list(read_postcode_lsoas(LOOKUPS / "postcode_lsoa.csv")))
        store_practice_pcns(uow, list(read_practice_pcns(LOOKUPS / "practice_pcns.csv")))
        generate_batch(uow, prepare_catalogue(uow), seed=19, batch=0, count=1500, now=NOW)
    with uow:
        # a quarter of them self-referred, so the referral source splits the figures too
        uow.session.execute(update(Referral).where(Referral.id % 4 == 0).values(source="self"))
        apply_deprivation(uow, now=NOW)
        finish_generation(uow, now=NOW)


def _reports(uow: UnitOfWork, report_filter: ReportFilter, threshold: int) -> tuple[Report, Report]:
    """The report as a commissioner gets it, and the same built from the summary alone."""
    with uow:
        rolled = commissioner_report(uow, report_filter, threshold=threshold, now=NOW)
        scratch = uow.reports.figures(report_filter, now=NOW, rollups=False)
    return rolled, build_report(scratch, report_filter, threshold=threshold, generated_at=NOW)


def _tables(report: Report) -> dict[str, tuple[tuple[object, ...], ...]]:
    return {table.key: table.rows for table in report.tables}


def _area_id(uow: UnitOfWork, slug: str) -> int:
    with uow:
        area = uow.areas.by_slug(slug)
        assert area is not None
        return area.id


def _slice(uow: UnitOfWork, kind: str) -> dict[str, Any]:
    """One real value of a filter slice, from the choices the filter form offers (or the demo's areas)."""
    if kind == "all":
        return {}
    if kind in (NORTH, SOUTH):
        return {"area_id": _area_id(uow, kind)}
    if kind == "self":
        return {"source": "self"}
    with uow:
        options = report_filter_choices(uow)
    values = {
        "practice": options.practices[0][0],
        "pcn": options.pcns[0][0],
        "provider": options.providers[0][0],
        "service": options.services[0][0],
        "pathway": options.pathways[0],
    }
    return {kind: values[kind]}


@pytest.mark.usefixtures("generated")
@pytest.mark.parametrize("threshold", [0, 7])
@pytest.mark.parametrize("dates", list(RANGES))
def test_every_table_from_the_rollups_equals_the_summary_alone(uow: UnitOfWork, dates: str, threshold: int) -> None:
    rolled, scratch = _reports(uow, ReportFilter(*RANGES[dates]), threshold)
    assert _tables(rolled) == _tables(scratch)
    referred = dict(rolled.table("uptake").as_dicts()[0])
    assert dates == "within one month" or referred["referrals"] not in (0, "*")  # a real figure, not an empty one


@pytest.mark.usefixtures("generated")
@pytest.mark.parametrize("kind", ["practice", "pcn", "provider", "service", "pathway", NORTH, SOUTH, "self"])
@pytest.mark.parametrize("dates", ["part months both ends", "whole months"])
def test_every_filter_from_the_rollups_equals_the_summary_alone(uow: UnitOfWork, kind: str, dates: str) -> None:
    report_filter = ReportFilter(*RANGES[dates], **_slice(uow, kind))
    for threshold in (0, 7):
        rolled, scratch = _reports(uow, report_filter, threshold)
        assert _tables(rolled) == _tables(scratch)


def _referred(report: Report) -> object:
    return report.table("uptake").rows[0][1]


@pytest.mark.usefixtures("generated")
@pytest.mark.parametrize("area", [NORTH, SOUTH])
def test_an_areas_report_reads_its_own_rows_of_the_rollups(uow: UnitOfWork, area: str) -> None:
    """A commissioner of one area is answered from the roll-ups, and from that area's rows alone: the
    other areas' rows can go without changing a figure of theirs, and without their own rows the
    whole months count nobody."""
    area_id = _area_id(uow, area)
    report_filter = ReportFilter(*RANGES["whole months"], area_id=area_id)
    everyone, _ = _reports(uow, ReportFilter(*RANGES["whole months"]), 0)
    rolled, scratch = _reports(uow, report_filter, 0)
    assert _tables(rolled) == _tables(scratch)
    assert 0 < _referred(rolled) < _referred(everyone)  # type: ignore[operator]
    with uow:
        for table in ROLLUP_TABLES:
            uow.session.execute(delete(table).where(or_(table.c.area_id != area_id, table.c.area_id.is_(None))))
    only_theirs, _ = _reports(uow, report_filter, 0)
    assert _tables(only_theirs) == _tables(scratch)
    with uow:
        uow.session.execute(delete(report_rollups))
    assert _referred(_reports(uow, report_filter, 0)[0]) == 0


@pytest.mark.usefixtures("generated")
def test_whole_months_are_read_from_the_rollups(uow: UnitOfWork) -> None:
    """Emptying the roll-ups leaves only the part months' referrals: the whole months were not read elsewhere."""
    report_filter = ReportFilter(*RANGES["part months both ends"])
    everyone, _ = _reports(uow, report_filter, 0)
    with uow:
        uow.session.execute(delete(report_rollups))
    edges_only, scratch = _reports(uow, report_filter, 0)
    assert 0 < edges_only.table("uptake").rows[0][1] < everyone.table("uptake").rows[0][1]  # type: ignore[operator]
    assert everyone.table("uptake").rows == scratch.table("uptake").rows


@pytest.mark.usefixtures("generated")
def test_before_the_first_refresh_after_an_upgrade_the_summary_is_read(uow: UnitOfWork) -> None:
    """The migration resets the refresh mark and leaves the roll-ups empty until the next tick."""
    report_filter = ReportFilter(*RANGES["whole months"])
    with uow:
        uow.session.execute(
            update(ReportRefresh).values(events_through=0, measures_through=0, attempts_through=0, refreshed_at=None)
        )
        for table in ROLLUP_TABLES:
            uow.session.execute(delete(table))
    rolled, scratch = _reports(uow, report_filter, 0)
    assert _tables(rolled) == _tables(scratch)
    assert scratch.table("uptake").rows[0][1] not in (0, "*")


def _row_ids(uow: UnitOfWork) -> dict[str, dict[int, str]]:
    """Each roll-up row's id and month (a rebuilt row gets a new id)."""
    with uow:
        return {
            table.name: {int(i): str(m) for i, m in uow.session.execute(select(table.c.id, table.c.received_month))}
            for table in ROLLUP_TABLES
        }


@pytest.mark.usefixtures("generated")
@pytest.mark.parametrize("received", [NOW, datetime(2026, 3, 10, 9, 0, tzinfo=UTC)], ids=["this month", "a past month"])
def test_a_refresh_rebuilds_only_the_month_of_what_changed(
    uow: UnitOfWork,
    session_factory: SessionFactory,
    refer: Callable[..., ReferralReceipt],
    received: datetime,
) -> None:
    """The tick re-reads the last 1,000 event ids every time; those rows come out the same and cost nothing."""
    refresh_reports(session_factory, now=lambda: NOW)
    before = _row_ids(uow)
    month = received.strftime("%Y-%m")
    first = received.date().replace(day=1)
    that_month = ReportFilter(first, (first + timedelta(days=31)).replace(day=1) - timedelta(days=1))
    referred_before = commissioner_report_referred(uow, that_month)

    refer(incoming(nhs_number="9434765919", authored=received), now=received)
    refresh_reports(session_factory, now=lambda: NOW)  # the scheduler's tick

    after = _row_ids(uow)
    for table, rows in before.items():
        kept = {row_id for row_id, row_month in rows.items() if row_month != month}
        assert kept, table
        assert kept <= set(after[table]), f"{table}: rows of other months were rebuilt"
        assert {after[table][row_id] for row_id in set(after[table]) - set(rows)} == {month}, table
    assert commissioner_report_referred(uow, that_month) == referred_before + 1
    rolled, scratch = _reports(uow, ReportFilter(*RANGES["everything"]), 0)
    assert _tables(rolled) == _tables(scratch)


def commissioner_report_referred(uow: UnitOfWork, report_filter: ReportFilter) -> int:
    with uow:
        report = commissioner_report(uow, report_filter, threshold=0, now=NOW)
    referred = report.table("uptake").rows[0][1]
    assert isinstance(referred, int)
    return referred
