"""Report aggregations over the summary: GROUP BY in SQL, small results out, the same on SQLite and PostgreSQL.

Nothing here returns a person: the widest result is counts by the four equity dimensions (a few
hundred rows), or day-count histograms whose percentiles the domain takes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from referral_service.domain.directory import OrganisationKind
from referral_service.domain.outbox import OutboxStatus
from referral_service.domain.outcomes import IMPROVEMENTS
from referral_service.domain.referral import WaitlistStatus
from referral_service.domain.reporting.definitions import FUNNEL_ALSO, OUTCOME_MEASURES, ROUTING, WAITS, ReportFilter
from referral_service.domain.reporting.raw import CubeRow, RawFigures, UnmetRow
from referral_service.persistence.base import UTCDateTime
from referral_service.persistence.models import (
    Area,
    Organisation,
    OutboxMessage,
    PracticePcn,
    ReportJourney,
    ReportRefresh,
    Service,
    WaitlistEntry,
)
from referral_service.persistence.read_models.compare import by_practice, by_provider
from referral_service.persistence.read_models.reminders import reminder_effect
from referral_service.persistence.read_models.rollup_reads import (
    combined,
    key_conditions,
    rollup_figures,
    sliced,
    split_months,
)
from referral_service.persistence.read_models.sql import days_between

J = ReportJourney
WAIT_COLUMNS = {
    "offer": J.offer_days,
    "contact": J.contact_days,
    "attendance": J.attendance_days,
    "response": J.response_days,
}
assert set(WAIT_COLUMNS) == {wait.key for wait in WAITS}


def scope(report_filter: ReportFilter, *, dated: bool = True) -> list[ColumnElement[bool]]:
    """Conditions on report_journeys for the filter; `dated=False` for figures about today (waiting lists)."""
    conditions = _received(report_filter.start, report_filter.end) if dated else []
    return [*conditions, *key_conditions(J, report_filter)]


def _received(first: date, last: date) -> list[ColumnElement[bool]]:
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    return [J.received_at >= start, J.received_at < end]


def _by_source(session: Session, conditions: list[ColumnElement[bool]]) -> dict[str, dict[str, int]]:
    """The main stages per referral source (GP or self), for the uptake report's split."""
    stages = ("offered", "attended", "completed")
    rows = session.execute(
        select(J.source, func.count(), *(_sum(getattr(J, key)) for key in stages)).where(*conditions).group_by(J.source)
    )
    return {
        str(source): {"referred": int(referred), **{key: int(n or 0) for key, n in zip(stages, sums, strict=True)}}
        for source, referred, *sums in rows
    }


def _sum(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def cube_measures() -> list[Any]:
    attended = J.attended
    return [
        func.count().label("referred"),
        *(_sum(J.route == key).label(key) for key in ROUTING),
        *(_sum(getattr(J, key)).label(key) for key in ("offered", "accepted", "declined", "expired", "contacted")),
        _sum(attended).label("attended"),
        _sum(and_(attended, J.sessions_attended * 2 >= J.programme_sessions)).label("half"),
        _sum(and_(attended, J.sessions_attended * 4 >= J.programme_sessions * 3)).label("three_quarters"),
        _sum(J.completed).label("completed"),
        *(_sum(getattr(J, stage.key)).label(stage.key) for stage in FUNNEL_ALSO),
        func.sum(J.sessions_attended).label("sessions_attended"),
        func.sum(J.sessions_missed).label("sessions_missed"),
        _sum(J.nhs_verified).label("nhs_verified"),
        _sum(J.ethnicity_recorded).label("ethnicity_recorded"),
        _sum(and_(J.completed, J.outcome_returned)).label("outcome_returned"),
    ]


def outcome_measures() -> list[Any]:
    """Start and end sums and improvement counts per instrument, over people measured at both ends."""
    measures: list[Any] = []
    for measure in OUTCOME_MEASURES:
        start, end = getattr(J, f"{measure.column}_start"), getattr(J, f"{measure.column}_end")
        both = and_(start.is_not(None), end.is_not(None))
        improvement = IMPROVEMENTS[measure.key]
        change = start - end if improvement.lower_is_better else end - start
        measures += [
            _sum(both).label(f"{measure.column}_n"),
            func.sum(case((both, start))).label(f"{measure.column}_start"),
            func.sum(case((both, end))).label(f"{measure.column}_end"),
            _sum(and_(both, change >= improvement.threshold)).label(f"{measure.column}_improved"),
        ]
    return measures


def _by_dimensions(session: Session, measures: list[Any], conditions: list[ColumnElement[bool]]) -> list[CubeRow]:
    dimensions = (J.imd_decile, J.age_band, J.sex, J.ethnic_group)
    rows = session.execute(select(*dimensions, *measures).where(*conditions).group_by(*dimensions))
    return [
        CubeRow(row[0], row[1], row[2], row[3], {str(k): float(v or 0) for k, v in list(row._mapping.items())[4:]})
        for row in rows
    ]


def _merge(*parts: list[CubeRow]) -> tuple[CubeRow, ...]:
    merged: dict[tuple[Any, ...], dict[str, float]] = {}
    for part in parts:
        for row in part:
            merged.setdefault((row.imd_decile, row.age_band, row.sex, row.ethnic_group), {}).update(row.sums)
    return tuple(CubeRow(key[0], key[1], key[2], key[3], sums) for key, sums in merged.items())


# Waits read in pairs: one scan gives two histograms (their joint counts are few enough to group).
WAIT_PAIRS = (("offer", "response"), ("contact", "attendance"))
assert {key for pair in WAIT_PAIRS for key in pair} == set(WAIT_COLUMNS)


def _waits(session: Session, conditions: list[ColumnElement[bool]]) -> dict[str, dict[tuple[str, int], int]]:
    waits: dict[str, dict[tuple[str, int], int]] = {key: {} for key in WAIT_COLUMNS}
    for first, second in WAIT_PAIRS:
        columns = (J.received_month, WAIT_COLUMNS[first], WAIT_COLUMNS[second])
        rows = session.execute(
            select(*columns, func.count())
            .where(*conditions, or_(WAIT_COLUMNS[first].is_not(None), WAIT_COLUMNS[second].is_not(None)))
            .group_by(*columns)
        )
        for month, first_days, second_days, n in rows:
            for key, days in ((first, first_days), (second, second_days)):
                if days is not None:
                    histogram = waits[key]
                    histogram[(month, int(days))] = histogram.get((month, int(days)), 0) + int(n)
    return waits


def _area_messages(report_filter: ReportFilter) -> list[ColumnElement[bool]]:
    """The messages of the area's referrals, for an area's reader; every message otherwise."""
    if report_filter.area_id is None:
        return []
    return [OutboxMessage.referral_id.in_(select(J.referral_id).where(J.area_id == report_filter.area_id))]


def journey_figures(session: Session, conditions: list[ColumnElement[bool]]) -> RawFigures:
    """The period's figures from the summary itself, in a handful of grouped queries."""
    # the funnel over everyone; outcomes only over the few measured at the end (a partial index finds them)
    cube = _merge(
        _by_dimensions(session, cube_measures(), conditions),
        _by_dimensions(session, outcome_measures(), [*conditions, J.measured.is_(True)]),
    )
    declines = session.execute(
        select(J.decline_reason, func.count())
        .where(J.decline_reason.is_not(None), *conditions)
        .group_by(J.decline_reason)
    )
    gap = (J.unmet_reason, J.pathway_code, J.unmet_district, J.unmet_month)
    unmet = session.execute(select(*gap, func.count()).where(J.unmet_reason.is_not(None), *conditions).group_by(*gap))
    return RawFigures(
        cube=cube,
        outcome_returned=int(sum(row.get("outcome_returned") for row in cube)),
        waits=_waits(session, conditions),
        declines={str(code): int(n) for code, n in declines},
        unmet=tuple(UnmetRow(str(r), p, d, str(m), int(n)) for r, p, d, m, n in unmet),
        by_practice=by_practice(session, conditions),
        by_provider=by_provider(session, conditions),
        by_source=_by_source(session, conditions),
    )


def _refreshed(session: Session) -> bool:
    return session.scalar(select(ReportRefresh.refreshed_at).where(ReportRefresh.id == 1)) is not None


def period_figures(session: Session, report_filter: ReportFilter, *, rollups: bool = True) -> RawFigures:
    """The period's figures: whole months from the roll-ups and part months from the summary
    (rollup_reads.py); or the summary alone when `rollups=False`, the range holds no whole month,
    or the filter slices by a key the roll-ups do not keep (rollup_reads.sliced)."""
    # never refreshed: the roll-ups are not built yet (an upgrade resets the mark), the summary alone
    rolled_up = rollups and not sliced(report_filter) and _refreshed(session)
    split = split_months(report_filter.start, report_filter.end) if rolled_up else None
    if split is None:
        return journey_figures(session, scope(report_filter))
    rolled = rollup_figures(session, split, report_filter)
    if not split.edges:
        return rolled
    edges = or_(*(and_(*_received(first, last)) for first, last in split.edges))
    return combined(rolled, journey_figures(session, [edges, *key_conditions(J, report_filter)]))


def report_figures(session: Session, report_filter: ReportFilter, *, now: datetime, rollups: bool = True) -> RawFigures:
    """Every raw aggregate the report needs; the waiting lists, backlog and reminders are about now."""
    waited = days_between(WaitlistEntry.joined_at, bindparam("now", now, type_=UTCDateTime()))
    waiting = session.execute(
        select(Service.name, waited, func.count())
        .join(Service, Service.id == WaitlistEntry.service_id)
        .join(J, J.referral_id == WaitlistEntry.referral_id)
        .where(WaitlistEntry.status == WaitlistStatus.WAITING, *scope(report_filter, dated=False))
        .group_by(Service.name, waited)
    )
    backlog = session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.PARKED)), *_area_messages(report_filter))
        .group_by(OutboxMessage.status)
    )
    return replace(
        period_figures(session, report_filter, rollups=rollups),
        waiting={(str(name), max(0, int(days))): int(n) for name, days, n in waiting},
        backlog={status.value: 0 for status in (OutboxStatus.PENDING, OutboxStatus.PARKED)}
        | {status.value: int(n) for status, n in backlog},
        reminder_effect=reminder_effect(session, scope(report_filter)),
    )


@dataclass(frozen=True)
class FilterOptions:
    """What the filter form offers: (value, label) pairs, from the directory and the PCN lookup."""

    practices: tuple[tuple[str, str], ...]
    pcns: tuple[tuple[str, str], ...]
    providers: tuple[tuple[str, str], ...]
    services: tuple[tuple[str, str], ...]
    pathways: tuple[str, ...]
    area: str | None = None  # the name of the reader's area, when they have one


def filter_options(session: Session, area_id: int | None = None) -> FilterOptions:
    """What the form offers; for a reader with an area, only its practices and their PCNs (the
    providers and services are the public directory's, and an area's patients may use any)."""
    in_area = [] if area_id is None else [Organisation.area_id == area_id]
    practices = session.execute(
        select(Organisation.ods_code, Organisation.name)
        .where(Organisation.kind == OrganisationKind.REFERRER, Organisation.ods_code.is_not(None), *in_area)
        .order_by(Organisation.name)
    )
    pcn_query = select(PracticePcn.pcn_code, PracticePcn.pcn_name)
    if area_id is not None:
        pcn_query = pcn_query.join(Organisation, Organisation.ods_code == PracticePcn.practice_ods).where(*in_area)
    pcns = session.execute(pcn_query.distinct().order_by(PracticePcn.pcn_name))
    providers = session.execute(
        select(Organisation.slug, Organisation.name)
        .where(Organisation.kind == OrganisationKind.PROVIDER, Organisation.slug.is_not(None))
        .order_by(Organisation.name)
    )
    services = session.execute(select(Service.slug, Service.name).order_by(Service.name))
    pathways = session.scalars(select(Service.pathway_code).distinct().order_by(Service.pathway_code))
    return FilterOptions(
        practices=tuple((str(code), str(name)) for code, name in practices),
        pcns=tuple((str(code), str(name)) for code, name in pcns),
        providers=tuple((str(slug), str(name)) for slug, name in providers),
        services=tuple((str(slug), str(name)) for slug, name in services),
        pathways=tuple(str(code) for code in pathways),
        area=None if area_id is None else session.scalar(select(Area.name).where(Area.id == area_id)),
    )
