"""The report's figures read from the roll-ups, for the whole months of a filter's date range.

The filter takes any dates, so a range is cut in three: the whole months inside it come from the
roll-ups (a few thousand rows however many referrals), and the days before the first whole month
and after the last come from `report_journeys` (by its received_at index: at most two part months).
Added together they are the same figures the summary alone gives: every figure is a count, a sum
or a day-count histogram, and each referral falls in exactly one of the three parts.

The roll-ups hold the figures by month, area and referral source: a commissioner of one area (and a
report of one source) reads its own rows of them, everyone else the rows of every area added up. A
report sliced by practice, PCN, provider, service or pathway reads the summary alone (through its
indexes on those columns).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.orm import Session

from referral_service.domain.reporting.definitions import UNKNOWN, ReportFilter
from referral_service.domain.reporting.raw import CubeRow, EquityRow, GroupRow, RawFigures, UnmetRow
from referral_service.persistence.models import (
    Organisation,
    PracticeListSize,
    PracticePcn,
    Service,
    report_equity_rollups,
    report_rollups,
    report_tally_rollups,
    report_wait_rollups,
)
from referral_service.persistence.models.rollups import (
    COUNTS,
    EQUITY_DIMENSIONS,
    EQUITY_MEASURES,
    OUTCOME_COUNTS,
    OUTCOME_SUMS,
)

GROUP_COUNTS = ("referred", "attended", "completed", "sessions_attended", "sessions_missed")


def key_conditions(columns: Any, report_filter: ReportFilter) -> list[ColumnElement[bool]]:
    """The filter's slices (practice, PCN, provider, service, pathway; the reader's area and the source) on the
    summary, or the ones a roll-up keeps."""
    conditions: list[ColumnElement[bool]] = []
    if report_filter.practice:
        practice = select(Organisation.id).where(Organisation.ods_code == report_filter.practice)
        conditions.append(columns.practice_id.in_(practice))
    if report_filter.pcn:
        practices = select(Organisation.id).join(PracticePcn, PracticePcn.practice_ods == Organisation.ods_code)
        conditions.append(columns.practice_id.in_(practices.where(PracticePcn.pcn_code == report_filter.pcn)))
    if report_filter.provider:
        provider = select(Organisation.id).where(Organisation.slug == report_filter.provider)
        conditions.append(columns.provider_id.in_(provider))
    if report_filter.service:
        conditions.append(columns.service_id.in_(select(Service.id).where(Service.slug == report_filter.service)))
    if report_filter.pathway:
        conditions.append(columns.pathway_code == report_filter.pathway)
    if report_filter.area_id is not None:  # a commissioner's area (domain.areas): every figure of theirs
        conditions.append(columns.area_id == report_filter.area_id)
    if report_filter.source:
        conditions.append(columns.source == report_filter.source)
    return conditions


@dataclass(frozen=True)
class MonthSplit:
    """A date range as whole months (first and last, 'YYYY-MM') and the part-month days either side."""

    first: str
    last: str
    edges: tuple[tuple[date, date], ...]  # inclusive date ranges outside the whole months


def split_months(start: date, end: date) -> MonthSplit | None:
    """The whole months inside start..end, or None when the range holds no whole month."""
    first_day = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    last_day = end if end.day == calendar.monthrange(end.year, end.month)[1] else end.replace(day=1) - timedelta(days=1)
    if first_day > last_day:
        return None
    edges = tuple(
        (low, high)
        for low, high in ((start, first_day - timedelta(days=1)), (last_day + timedelta(days=1), end))
        if low <= high
    )
    return MonthSplit(first_day.strftime("%Y-%m"), last_day.strftime("%Y-%m"), edges)


def sliced(report_filter: ReportFilter) -> bool:
    """Whether the filter slices the figures by a key the roll-ups by month do not keep (the summary
    answers those); the reader's area and the referral source they keep (models/rollups.py)."""
    return any(getattr(report_filter, name) for name in ("practice", "pcn", "provider", "service", "pathway"))


def _where(table: Table, split: MonthSplit, report_filter: ReportFilter) -> list[ColumnElement[bool]]:
    """The whole months of `split`, of the reader's area and the filter's source when it has them."""
    months = [table.c.received_month >= split.first, table.c.received_month <= split.last]
    return [*months, *key_conditions(table.c, report_filter)]


def _totals(session: Session, where: list[ColumnElement[bool]]) -> dict[str, float]:
    names = (*COUNTS, *OUTCOME_COUNTS, *OUTCOME_SUMS)
    row = session.execute(select(*(func.sum(report_rollups.c[n]).label(n) for n in names)).where(*where)).one()
    return {name: float(value or 0) for name, value in row._mapping.items()}


def _equity(session: Session, where: list[ColumnElement[bool]]) -> tuple[EquityRow, ...]:
    e = report_equity_rollups.c
    rows = session.execute(
        select(e.dimension, e.value, *(func.sum(e[n]).label(n) for n in EQUITY_MEASURES))
        .where(*where)
        .group_by(e.dimension, e.value)
    )
    return tuple(
        EquityRow(
            str(row[0]),
            (int(row[1]) if row[1] is not None else None) if row[0] == "imd_decile" else row[1],
            {str(k): float(v or 0) for k, v in list(row._mapping.items())[2:]},
        )
        for row in rows
    )


def _waits(session: Session, where: list[ColumnElement[bool]]) -> dict[str, dict[tuple[str, int], int]]:
    w = report_wait_rollups.c
    waits: dict[str, dict[tuple[str, int], int]] = defaultdict(dict)
    for wait, month, days, n in session.execute(
        select(w.wait, w.received_month, w.days, func.sum(w.n))
        .where(*where, w.grouped_by == "all")
        .group_by(w.wait, w.received_month, w.days)
    ):
        waits[str(wait)][(str(month), int(days))] = int(n)
    return dict(waits)


def _tallies(session: Session, where: list[ColumnElement[bool]]) -> tuple[dict[str, int], tuple[UnmetRow, ...]]:
    t = report_tally_rollups.c
    declines = {
        str(reason): int(n)
        for reason, n in session.execute(
            select(t.reason, func.sum(t.n)).where(*where, t.tally == "decline").group_by(t.reason)
        )
    }
    gap = (t.reason, t.pathway_code, t.district, t.month)
    unmet = tuple(
        UnmetRow(str(r), p, d, str(m), int(n))
        for r, p, d, m, n in session.execute(
            select(*gap, func.sum(t.n)).where(*where, t.tally == "unmet").group_by(*gap)
        )
    )
    return declines, unmet


def _by_source(session: Session, where: list[ColumnElement[bool]]) -> dict[str, dict[str, int]]:
    """The main stages per referral source, as read_models/reports.py's `_by_source` gives them."""
    r = report_rollups.c
    stages = ("referred", "offered", "attended", "completed")
    rows = session.execute(select(r.source, *(func.sum(r[n]) for n in stages)).where(*where).group_by(r.source))
    return {str(source): {k: int(n or 0) for k, n in zip(stages, sums, strict=True)} for source, *sums in rows}


def _groups(session: Session, split: MonthSplit, report_filter: ReportFilter, key_name: str) -> tuple[GroupRow, ...]:
    """As compare.py's groups, by practice (with list sizes) or by provider, summed from the roll-ups."""
    r, w = report_rollups.c, report_wait_rollups.c
    list_sizes, grouped_by = key_name == "practice_id", key_name.removesuffix("_id")
    key = r[key_name]
    columns: list[Any] = [key, func.coalesce(Organisation.name, "Not yet with a provider"), Organisation.ods_code]
    query = select(*columns, *(func.sum(r[n]).label(n) for n in GROUP_COUNTS)).outerjoin(
        Organisation, Organisation.id == key
    )
    if list_sizes:
        query = query.outerjoin(PracticeListSize, PracticeListSize.practice_ods == Organisation.ods_code)
        columns.append(PracticeListSize.list_size)
        query = query.add_columns(PracticeListSize.list_size)
    totals = session.execute(query.where(*_where(report_rollups, split, report_filter)).group_by(*columns)).all()
    waits: dict[Any, dict[int, int]] = {}
    for group, days, n in session.execute(
        select(w.group_id, w.days, func.sum(w.n))
        .where(*_where(report_wait_rollups, split, report_filter), w.wait == "attendance", w.grouped_by == grouped_by)
        .group_by(w.group_id, w.days)
    ):
        waits.setdefault(group, {})[int(days)] = int(n)
    return tuple(
        GroupRow(
            name=str(row[1]),
            code=row[2],
            list_size=int(row.list_size) if list_sizes and row.list_size is not None else None,
            counts={name: int(row._mapping[name] or 0) for name in GROUP_COUNTS},
            attendance_days=waits.get(row[0], {}),
        )
        for row in totals
    )


def rollup_figures(session: Session, split: MonthSplit, report_filter: ReportFilter) -> RawFigures:
    """The raw figures over the whole months of `split` (of the filter's area and source, when it has
    them; it slices by nothing else), from the roll-ups alone."""
    assert not sliced(report_filter), "the roll-ups by month keep no practice, PCN, provider, service or pathway"
    declines, unmet = _tallies(session, _where(report_tally_rollups, split, report_filter))
    where = _where(report_rollups, split, report_filter)
    totals = _totals(session, where)
    return RawFigures(
        cube=(CubeRow(None, UNKNOWN, UNKNOWN, UNKNOWN, totals),),
        equity=_equity(session, _where(report_equity_rollups, split, report_filter)),
        outcome_returned=int(totals["outcome_returned"]),
        waits=_waits(session, _where(report_wait_rollups, split, report_filter)),
        declines=declines,
        unmet=unmet,
        by_practice=_groups(session, split, report_filter, "practice_id"),
        by_provider=_groups(session, split, report_filter, "provider_id"),
        by_source=_by_source(session, where),
    )


def _added(first: Mapping[Any, float], second: Mapping[Any, float]) -> dict[Any, Any]:
    both = dict(first)
    for key, value in second.items():
        both[key] = both.get(key, 0) + value
    return both


def _merged_groups(*parts: Iterable[GroupRow]) -> tuple[GroupRow, ...]:
    merged: dict[tuple[str, str | None, int | None], GroupRow] = {}
    for group in (group for part in parts for group in part):
        key = (group.name, group.code, group.list_size)
        seen = merged.get(key)
        merged[key] = (
            group
            if seen is None
            else replace(
                seen,
                counts=_added(seen.counts, group.counts),
                attendance_days=_added(seen.attendance_days, group.attendance_days),
            )
        )
    return tuple(merged.values())


def _equity_of(cube: Iterable[CubeRow]) -> list[EquityRow]:
    """A joint cube (from the summary) as one row per value of each dimension, as the roll-ups give them."""
    sums: dict[tuple[str, Any], dict[str, float]] = {}
    for row in cube:
        for dimension in EQUITY_DIMENSIONS:
            key = (dimension, getattr(row, dimension))
            sums[key] = _added(sums.get(key, {}), {m: row.sums.get(m) or 0 for m in EQUITY_MEASURES})
    return [EquityRow(dimension, value, figures) for (dimension, value), figures in sums.items()]


def combined(rolled: RawFigures, journeys: RawFigures) -> RawFigures:
    """Whole months from the roll-ups plus the part months from the summary: every figure added."""
    totals = dict(rolled.cube[0].sums)
    for row in journeys.cube:
        totals = _added(totals, row.sums)
    waits = {
        wait: _added(rolled.waits.get(wait, {}), journeys.waits.get(wait, {}))
        for wait in {*rolled.waits, *journeys.waits}
    }
    return RawFigures(
        cube=(CubeRow(None, UNKNOWN, UNKNOWN, UNKNOWN, totals),),
        equity=(*rolled.equity, *_equity_of(journeys.cube)),
        outcome_returned=rolled.outcome_returned + journeys.outcome_returned,
        waits=waits,
        declines=_added(rolled.declines, journeys.declines),
        unmet=(*rolled.unmet, *journeys.unmet),
        by_practice=_merged_groups(rolled.by_practice, journeys.by_practice),
        by_provider=_merged_groups(rolled.by_provider, journeys.by_provider),
        by_source={
            source: _added(rolled.by_source.get(source, {}), journeys.by_source.get(source, {}))
            for source in {*rolled.by_source, *journeys.by_source}
        },
    )
