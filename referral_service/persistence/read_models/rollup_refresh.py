"""Rebuilding the report roll-ups from the summary, set-wise in SQL, right after the journeys.

A refresh rebuilds whole partitions (month received x practice, `ROLLUP_PARTITION`): the
partitions of the referrals whose journey rows were just rebuilt, with one DELETE and one
INSERT … SELECT … GROUP BY per roll-up table. A referral's month and practice never change, so
its partition before and after the rebuild is the same one, however its provider or service moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Insert, String, Table, cast, delete, func, insert, literal, null, select
from sqlalchemy import tuple_ as sql_tuple
from sqlalchemy.orm import Session

from referral_service.persistence.models import ReportJourney
from referral_service.persistence.models.rollups import (
    COUNTS,
    EQUITY_DIMENSIONS,
    EQUITY_MEASURES,
    OUTCOME_COUNTS,
    OUTCOME_SUMS,
    ROLLUP_KEY,
    ROLLUP_PARTITION,
    ROLLUP_TABLES,
    report_equity_rollups,
    report_rollups,
    report_tally_rollups,
    report_wait_rollups,
)
from referral_service.persistence.read_models.reports import WAIT_COLUMNS, cube_measures, outcome_measures

J = ReportJourney
PARTITIONS_PER_STATEMENT = 200  # two bound parameters each (SQLite allows a limited number)


def _measures() -> dict[str, Any]:
    measures = {str(m.name): m for m in (*cube_measures(), *outcome_measures())}
    assert set(measures) == {*COUNTS, *OUTCOME_COUNTS, *OUTCOME_SUMS}, "the roll-up columns follow the report's cube"
    return measures


def _key() -> list[Any]:
    return [getattr(J, name) for name in ROLLUP_KEY]


def _into(table: Table, names: list[str], query: Any) -> Insert:
    return insert(table).from_select([*ROLLUP_KEY, *names], query)


def _inserts(where: list[ColumnElement[bool]]) -> Iterable[Insert]:
    """One INSERT … SELECT per roll-up (and per equity dimension, wait and tally), over the journeys `where`."""
    key, measures = _key(), _measures()
    names = [*COUNTS, *OUTCOME_COUNTS, *OUTCOME_SUMS]
    yield _into(report_rollups, names, select(*key, *(measures[n] for n in names)).where(*where).group_by(*key))
    for dimension in EQUITY_DIMENSIONS:
        column = getattr(J, dimension)
        value = cast(column, String(60)).label("value")
        query = select(
            *key, literal(dimension, String(20)), value, *(func.coalesce(measures[n], 0) for n in EQUITY_MEASURES)
        )
        yield _into(
            report_equity_rollups,
            ["dimension", "value", *EQUITY_MEASURES],
            query.where(*where).group_by(*key, column),
        )
    for wait, column in WAIT_COLUMNS.items():
        query = select(*key, literal(wait, String(12)), column, func.count())
        yield _into(
            report_wait_rollups,
            ["wait", "days", "n"],
            query.where(*where, column.is_not(None)).group_by(*key, column),
        )
    no_text = cast(null(), String)
    yield _into(
        report_tally_rollups,
        ["tally", "reason", "district", "month", "n"],
        select(*key, literal("decline", String(10)), J.decline_reason, no_text, no_text, func.count())
        .where(*where, J.decline_reason.is_not(None))
        .group_by(*key, J.decline_reason),
    )
    gap = (J.unmet_reason, J.unmet_district, J.unmet_month)
    yield _into(
        report_tally_rollups,
        ["tally", "reason", "district", "month", "n"],
        select(*key, literal("unmet", String(10)), *gap, func.count())
        .where(*where, J.unmet_reason.is_not(None))
        .group_by(*key, *gap),
    )


def _partitions_of(session: Session, referral_ids: list[int], chunk: int) -> set[tuple[Any, ...]]:
    found: set[tuple[Any, ...]] = set()
    columns = [getattr(J, name) for name in ROLLUP_PARTITION]
    for start in range(0, len(referral_ids), chunk):
        ids = referral_ids[start : start + chunk]
        found.update(tuple(row) for row in session.execute(select(*columns).distinct().where(J.referral_id.in_(ids))))
    return found


def refresh_rollups(session: Session, referral_ids: Iterable[int] | None, *, chunk: int = 500) -> int:
    """Rebuild the roll-ups of the partitions holding `referral_ids` (every partition when None);
    returns how many partitions were rebuilt (None: -1, all of them)."""
    if referral_ids is None:
        for table in ROLLUP_TABLES:
            session.execute(delete(table))
        for statement in _inserts([]):
            session.execute(statement)
        return -1
    partitions = sorted(_partitions_of(session, sorted(set(referral_ids)), chunk))
    for start in range(0, len(partitions), PARTITIONS_PER_STATEMENT):
        some = partitions[start : start + PARTITIONS_PER_STATEMENT]
        for table in ROLLUP_TABLES:
            session.execute(delete(table).where(sql_tuple(*(table.c[n] for n in ROLLUP_PARTITION)).in_(some)))
        in_some = sql_tuple(*(getattr(J, n) for n in ROLLUP_PARTITION)).in_(some)
        for statement in _inserts([in_some]):
            session.execute(statement)
    return len(partitions)
