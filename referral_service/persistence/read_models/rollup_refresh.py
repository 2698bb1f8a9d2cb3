"""Rebuilding the report roll-ups from the summary, set-wise in SQL, right after the journeys.

A refresh rebuilds whole months received: the months of the referrals whose summary rows a
rebuild changed (the journeys' refresh re-reads recent ids every time; most of those rows come out
as they were and cost no roll-up work), with one DELETE per roll-up table and one INSERT … SELECT
… GROUP BY per roll-up (per equity dimension, wait and tally), reading those months' summary rows
by the received-date index. A referral's month never changes, so its month before and after a
rebuild is the same one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    String,
    Table,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session

from referral_service.persistence.models import ReportJourney
from referral_service.persistence.models.rollups import (
    AREA_KEY,
    COUNTS,
    EQUITY_DIMENSIONS,
    EQUITY_MEASURES,
    OUTCOME_COUNTS,
    OUTCOME_SUMS,
    ROLLUP_KEY,
    ROLLUP_TABLES,
    report_equity_rollups,
    report_rollups,
    report_tally_rollups,
    report_wait_rollups,
)
from referral_service.persistence.read_models.reports import WAIT_COLUMNS, cube_measures, outcome_measures

J = ReportJourney
MONTHS_PER_STATEMENT = 24


def _measures() -> dict[str, Any]:
    measures = {str(m.name): m for m in (*cube_measures(), *outcome_measures())}
    assert set(measures) == {*COUNTS, *OUTCOME_COUNTS, *OUTCOME_SUMS}, "the roll-up columns follow the report's cube"
    return measures


def _into(table: Table, key: tuple[str, ...], names: list[str], query: Any) -> Insert:
    return insert(table).from_select([*key, *names], query)


def _inserts(where: list[ColumnElement[bool]]) -> Iterable[Insert]:
    """One INSERT … SELECT per roll-up (and per equity dimension, wait and tally), over the journeys `where`."""
    key, area, measures = [getattr(J, n) for n in ROLLUP_KEY], [getattr(J, n) for n in AREA_KEY], _measures()
    names = [*COUNTS, *OUTCOME_COUNTS, *OUTCOME_SUMS]
    query = select(*key, *(measures[n] for n in names)).where(*where).group_by(*key)
    yield _into(report_rollups, ROLLUP_KEY, names, query)
    for dimension in EQUITY_DIMENSIONS:
        column = getattr(J, dimension)
        sums = (func.coalesce(measures[n], 0) for n in EQUITY_MEASURES)
        query = select(*area, literal(dimension, String(20)), cast(column, String(60)), *sums)
        yield _into(
            report_equity_rollups,
            AREA_KEY,
            ["dimension", "value", *EQUITY_MEASURES],
            query.where(*where).group_by(*area, column),
        )
    histogram = ["wait", "grouped_by", "group_id", "days", "n"]
    groupings = {"all": cast(null(), Integer), "practice": J.practice_id, "provider": J.provider_id}
    for wait, days in WAIT_COLUMNS.items():
        for grouped_by, group in groupings.items():
            if grouped_by != "all" and wait != "attendance":
                continue  # only the wait to a first session is compared by practice and provider
            query = select(*area, literal(wait, String(12)), literal(grouped_by, String(12)), group, days, func.count())
            yield _into(
                report_wait_rollups,
                AREA_KEY,
                histogram,
                query.where(*where, days.is_not(None)).group_by(*area, group, days),
            )
    tally = ["tally", "reason", "pathway_code", "district", "month", "n"]
    no_text = cast(null(), String)
    query = select(*area, literal("decline", String(10)), J.decline_reason, no_text, no_text, no_text, func.count())
    yield _into(
        report_tally_rollups,
        AREA_KEY,
        tally,
        query.where(*where, J.decline_reason.is_not(None)).group_by(*area, J.decline_reason),
    )
    gap = (J.unmet_reason, J.pathway_code, J.unmet_district, J.unmet_month)
    query = select(*area, literal("unmet", String(10)), *gap, func.count())
    yield _into(
        report_tally_rollups, AREA_KEY, tally, query.where(*where, J.unmet_reason.is_not(None)).group_by(*area, *gap)
    )


def _received_in(month: str) -> ColumnElement[bool]:
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    following = (start + timedelta(days=32)).replace(day=1)
    return and_(J.received_at >= start, J.received_at < following)


def _months_of(session: Session, referral_ids: list[int], chunk: int) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(referral_ids), chunk):
        ids = referral_ids[start : start + chunk]
        found.update(session.scalars(select(J.received_month).distinct().where(J.referral_id.in_(ids))))
    return found


def journey_rows(session: Session, referral_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """The summary rows of these referrals as they stand, to tell which a rebuild changed."""
    rows = session.execute(select(ReportJourney.__table__).where(J.referral_id.in_(referral_ids)))
    return {int(row.referral_id): tuple(row) for row in rows}


def changed_rows(before: dict[int, tuple[Any, ...]], after: dict[int, tuple[Any, ...]]) -> set[int]:
    """Referrals whose summary row a rebuild added, removed or changed: most re-read ones come out the same."""
    return {referral for referral in before.keys() | after.keys() if before.get(referral) != after.get(referral)}


def refresh_rollups(session: Session, referral_ids: Iterable[int] | None, *, chunk: int = 500) -> list[str]:
    """Rebuild the roll-ups of the months holding `referral_ids` (every month when None, or when
    they are most of the months); returns the months that changed (empty for every month)."""
    if referral_ids is None:
        for table in ROLLUP_TABLES:
            session.execute(delete(table))
        for statement in _inserts([]):
            session.execute(statement)
        return []
    months = sorted(_months_of(session, sorted(set(referral_ids)), chunk))
    held = session.scalar(select(func.count(report_rollups.c.received_month.distinct()))) or 0
    if len(months) * 2 > held > 0:  # most months changed: one pass over everything is cheaper
        refresh_rollups(session, None)
        return months
    for start in range(0, len(months), MONTHS_PER_STATEMENT):
        some = months[start : start + MONTHS_PER_STATEMENT]
        for table in ROLLUP_TABLES:
            session.execute(delete(table).where(table.c.received_month.in_(some)))
        for statement in _inserts([or_(*(_received_in(month) for month in some))]):
            session.execute(statement)
    return months
