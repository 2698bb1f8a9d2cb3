"""Rebuilding the per-referral summary (`report_journeys`) from the event history, set-wise in SQL.

A refresh reads the ids of rows added since the last one (events, outcome measures, contact
attempts), plus completions whose message reached the referrer lately (delivery updates a
row in place), and rebuilds only those
referrals' rows with one DELETE and one INSERT ... SELECT. It re-reads a margin of recent ids each
time, because on PostgreSQL an id can become visible after a higher one (transactions commit out of
order); rebuilding a row twice gives the same row. The refresh mark row is locked while it runs, so
two refreshes never interleave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from referral_service.domain.events import EventType, MessageKind, Milestone, read_as
from referral_service.domain.outbox import OutboxStatus
from referral_service.domain.progress import AttendanceStatus, ContactOutcome, OutcomeInstrument, OutcomeTimepoint
from referral_service.domain.referral import UnmetDemandReason
from referral_service.domain.reporting.definitions import AGE_BANDS, ETHNIC_GROUPS, UNKNOWN
from referral_service.persistence.models import (
    ContactAttempt,
    Offer,
    Organisation,
    OutboxMessage,
    OutcomeMeasure,
    Referral,
    ReferralEvent,
    ReferralPatientDetails,
    ReportJourney,
    ReportRefresh,
    Service,
    UnmetDemand,
)
from referral_service.persistence.models.lookups import LsoaDeprivation, PostcodeLsoa
from referral_service.persistence.read_models.rollup_refresh import changed_rows, journey_rows, refresh_rollups
from referral_service.persistence.read_models.sql import age_in_years, days_between, month_of

RECHECK_MARGIN = 1000  # recent ids read again on every refresh (see the module docstring)
DELIVERY_LOOKBACK = timedelta(hours=1)  # deliveries this long before the last refresh are looked at again
CHUNK = 500  # referral ids per statement (SQLite allows a limited number of bound parameters)
FULL_REBUILD_ABOVE = 50_000  # beyond this many changed referrals, rebuilding everything is cheaper

ELIGIBLE_EVENTS = read_as(Milestone.ROUTED_ELIGIBLE)
M = Milestone
NO_SERVICE = (UnmetDemandReason.NO_ELIGIBLE_SERVICE.value, UnmetDemandReason.NO_CAPACITY.value)


def _first(*milestones: Milestone, column: Any = ReferralEvent.occurred_at) -> Any:
    types = tuple(event for milestone in milestones for event in read_as(milestone))
    return func.min(case((ReferralEvent.event_type.in_(types), column)))


def _any(milestone: Milestone) -> Any:
    return func.max(case((ReferralEvent.event_type.in_(read_as(milestone)), 1), else_=0))


def _count(milestone: Milestone) -> Any:
    return func.sum(case((ReferralEvent.event_type.in_(read_as(milestone)), 1), else_=0))


def _corrected(direction: str, status: AttendanceStatus) -> Any:
    """How many register corrections moved a line from (or to) `status` (services/register.py)."""
    matches = and_(
        ReferralEvent.event_type == EventType.SESSION_CORRECTED,
        ReferralEvent.detail[direction].as_string() == status.value,
    )
    return func.sum(case((matches, 1), else_=0))


def _corrected_count(milestone: Milestone, status: AttendanceStatus) -> Any:
    """Events counted as `milestone`, as corrections of the register have since left them."""
    return _count(milestone) + _corrected("to", status) - _corrected("from", status)


def _history(ids: Sequence[int] | None) -> Any:
    """Per referral: its milestones and counts, from the append-only events."""
    query = select(
        ReferralEvent.referral_id.label("referral_id"),
        _first(M.OFFER).label("offered_at"),
        _first(M.ACCEPTANCE).label("accepted_at"),
        _first(M.ACCEPTANCE, M.DECLINE).label("responded_at"),
        _first(M.CONTACT).label("contacted_at"),
        _first(M.ATTENDANCE).label("attended_at"),
        _any(M.DECLINE).label("declined"),
        _any(M.EXPIRY).label("expired"),
        _any(M.COMPLETION).label("completed"),
        _any(M.DROP_OUT).label("dropped_out"),
        _any(M.CANCELLATION).label("cancelled"),
        _corrected_count(M.ATTENDANCE, AttendanceStatus.ATTENDED).label("sessions_attended"),
        _corrected_count(M.MISSED_SESSION, AttendanceStatus.DNA).label("sessions_missed"),
        _first(M.ROUTED_ELIGIBLE, M.ROUTED_TO_LINK_WORKER, column=ReferralEvent.id).label("first_route_id"),
        func.max(case((ReferralEvent.event_type.in_(ELIGIBLE_EVENTS), ReferralEvent.id))).label("last_offer_id"),
    ).group_by(ReferralEvent.referral_id)
    if ids is not None:
        query = query.where(ReferralEvent.referral_id.in_(ids))
    return query.subquery("history")


def _measure(instrument: OutcomeInstrument, timepoint: OutcomeTimepoint, value: ColumnElement[Any]) -> Any:
    matches = and_(OutcomeMeasure.instrument == instrument, OutcomeMeasure.timepoint == timepoint)
    return func.max(case((matches, value)))


def _measures(ids: Sequence[int] | None) -> Any:
    """Per referral: start and end scores of each instrument the reports show (ONS4 item by item)."""
    columns: list[Any] = [OutcomeMeasure.referral_id.label("referral_id")]
    for stem, instrument, value in (
        ("swemwbs", OutcomeInstrument.SWEMWBS, OutcomeMeasure.score),
        ("activity", OutcomeInstrument.ACTIVITY_MINUTES, OutcomeMeasure.score),
        *(
            (f"ons4_{item}", OutcomeInstrument.ONS4, OutcomeMeasure.items[item].as_float())
            for item in ("life_satisfaction", "worthwhile", "happiness", "anxiety")
        ),
    ):
        for timepoint in (OutcomeTimepoint.START, OutcomeTimepoint.END):
            columns.append(_measure(instrument, timepoint, value).label(f"{stem}_{timepoint.value}"))
    query = select(*columns).group_by(OutcomeMeasure.referral_id)
    if ids is not None:
        query = query.where(OutcomeMeasure.referral_id.in_(ids))
    return query.subquery("measures")


def delivered_completion(referral_id: Any) -> ColumnElement[bool]:
    """The referral's completion message has reached the referrer's system."""
    return and_(
        OutboxMessage.referral_id == referral_id,
        OutboxMessage.message_type == MessageKind.COMPLETED,
        OutboxMessage.status == OutboxStatus.DELIVERED,
    )


def _age_band(age: ColumnElement[Any]) -> Any:
    whens = [(and_(age >= low, age <= high) if high is not None else age >= low, band) for band, low, high in AGE_BANDS]
    return case(*whens, else_=UNKNOWN)


def _ethnic_group(code: Any) -> Any:
    letter = func.upper(func.substr(code, 1, 1))
    return case(*((letter == key, group) for key, group in ETHNIC_GROUPS.items()), else_=UNKNOWN)


def journeys_select(ids: Sequence[int] | None) -> Select[Any]:
    """The summary rows of the referrals in `ids` (all referrals when None), in ReportJourney's column order.

    The equity facts (age, sex, ethnic group, deprivation from the postcode, NHS number verified)
    are those the referral's own sender sent (`referral_patient_details`); no per-person fact is
    read, so one practice's later referral never recasts another's.

    The ids are given as a literal list, not a subquery, so each source table is read by its
    referral index rather than scanned.
    """
    history, measures = _history(ids), _measures(ids)
    first_route, last_offer = aliased(ReferralEvent), aliased(ReferralEvent)
    first_unmet_id = select(func.min(UnmetDemand.id)).where(UnmetDemand.referral_id == Referral.id).scalar_subquery()
    first_unmet = aliased(UnmetDemand)
    first_decline_id = (
        select(func.min(Offer.id))
        .where(Offer.referral_id == Referral.id, Offer.decline_reason_code.is_not(None))
        .scalar_subquery()
    )
    first_decline = aliased(Offer)
    service, practice = aliased(Service), aliased(Organisation)
    lookup_postcode = func.replace(func.upper(ReferralPatientDetails.postcode), " ", "")
    patient_declined = or_(
        # only a declined offer has a decline reason; the status is left out so the referral index is used
        exists().where(Offer.referral_id == Referral.id, Offer.decline_reason_code == "patient-declined"),
        exists().where(ContactAttempt.referral_id == Referral.id, ContactAttempt.outcome == ContactOutcome.DECLINED),
    )
    ethnic = _ethnic_group(ReferralPatientDetails.ethnicity_code)
    received = Referral.received_at
    return (
        select(
            Referral.id,
            received,
            month_of(received),
            Referral.sender_organisation_id,
            service.organisation_id,
            service.id,
            Referral.pathway_code,
            LsoaDeprivation.imd_decile,
            _age_band(age_in_years(ReferralPatientDetails.birth_date, received)),
            func.coalesce(func.lower(ReferralPatientDetails.sex), UNKNOWN),
            ethnic,
            case(
                (first_route.event_type.in_(ELIGIBLE_EVENTS), "eligible"),
                (first_unmet.reason.in_(NO_SERVICE), "no_service"),
                (first_route.event_type.in_(read_as(M.ROUTED_TO_LINK_WORKER)), "link_worker"),
            ),
            first_unmet.reason,
            month_of(first_unmet.recorded_at),
            first_unmet.postcode_district,
            first_decline.decline_reason_code,
            history.c.offered_at.is_not(None),
            history.c.accepted_at.is_not(None),
            history.c.declined == 1,
            history.c.expired == 1,
            patient_declined,
            history.c.contacted_at.is_not(None),
            history.c.attended_at.is_not(None),
            history.c.completed == 1,
            history.c.dropped_out == 1,
            history.c.cancelled == 1,
            func.coalesce(history.c.sessions_attended, 0),
            func.coalesce(history.c.sessions_missed, 0),
            service.programme_sessions,
            days_between(received, history.c.offered_at),
            days_between(received, history.c.contacted_at),
            days_between(received, history.c.attended_at),
            days_between(history.c.offered_at, history.c.responded_at),
            *(measures.c[name] for name in MEASURE_COLUMNS),
            or_(*(measures.c[name].is_not(None) for name in MEASURE_COLUMNS if name.endswith("_end"))),
            func.coalesce(ReferralPatientDetails.nhs_number_verification == "01", false()),
            ethnic.not_in(("Not stated", UNKNOWN)),
            exists().where(delivered_completion(Referral.id)),
            func.coalesce(practice.area_id, service.area_id),  # domain.areas: the practice's, else the service's
            Referral.source,
        )
        .outerjoin(practice, practice.id == Referral.sender_organisation_id)
        .outerjoin(ReferralPatientDetails, ReferralPatientDetails.referral_id == Referral.id)
        .outerjoin(history, history.c.referral_id == Referral.id)
        .outerjoin(measures, measures.c.referral_id == Referral.id)
        .outerjoin(first_route, first_route.id == history.c.first_route_id)
        .outerjoin(last_offer, last_offer.id == history.c.last_offer_id)
        .outerjoin(service, service.id == last_offer.service_id)
        .outerjoin(first_unmet, first_unmet.id == first_unmet_id)
        .outerjoin(first_decline, first_decline.id == first_decline_id)
        .outerjoin(PostcodeLsoa, PostcodeLsoa.postcode == lookup_postcode)
        .outerjoin(LsoaDeprivation, LsoaDeprivation.lsoa_code == PostcodeLsoa.lsoa_code)
    )


JOURNEY_COLUMNS = [column.name for column in ReportJourney.__table__.columns]
MEASURE_COLUMNS = tuple(name for name in JOURNEY_COLUMNS if name.endswith(("_start", "_end")))


def _rebuild(session: Session, referral_ids: Iterable[int] | None) -> tuple[int, set[int] | None]:
    """Rebuild the rows; returns how many, and which of them came out different (None: all)."""
    columns = JOURNEY_COLUMNS
    if referral_ids is None:
        session.execute(delete(ReportJourney))
        session.execute(insert(ReportJourney).from_select(columns, journeys_select(None)))
        return int(session.scalar(select(func.count()).select_from(ReportJourney)) or 0), None
    ids = sorted(set(referral_ids))
    differ: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        before = journey_rows(session, chunk)
        session.execute(delete(ReportJourney).where(ReportJourney.referral_id.in_(chunk)))
        session.execute(
            insert(ReportJourney).from_select(columns, journeys_select(chunk).where(Referral.id.in_(chunk)))
        )
        differ |= changed_rows(before, journey_rows(session, chunk))
    return len(ids), differ


def refresh_journeys(session: Session, *, now: datetime, full: bool = False) -> int:
    """Bring the summary up to date with the history; returns how many referrals' rows were rebuilt."""
    mark = session.execute(select(ReportRefresh).where(ReportRefresh.id == 1).with_for_update()).scalar_one_or_none()
    if mark is None:
        mark = ReportRefresh(id=1, events_through=0, measures_through=0, attempts_through=0)
        session.add(mark)
        session.flush()
    tops = session.execute(
        select(
            select(func.coalesce(func.max(ReferralEvent.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(OutcomeMeasure.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(ContactAttempt.id), 0)).scalar_subquery(),
        )
    ).one()
    changed: set[int] | None = None
    if not full:
        changed = set(
            session.scalars(
                select(ReferralEvent.referral_id)
                .where(ReferralEvent.id > mark.events_through - RECHECK_MARGIN)
                .union(
                    select(OutcomeMeasure.referral_id).where(
                        OutcomeMeasure.id > mark.measures_through - RECHECK_MARGIN
                    ),
                    select(ContactAttempt.referral_id).where(
                        ContactAttempt.id > mark.attempts_through - RECHECK_MARGIN
                    ),
                    # delivery updates an outbox row in place (no new id): completions delivered lately
                    select(OutboxMessage.referral_id).where(
                        delivered_completion(OutboxMessage.referral_id),
                        OutboxMessage.delivered_at >= (mark.refreshed_at or now) - DELIVERY_LOOKBACK,
                    ),
                )
            )
        )
        if len(changed) > FULL_REBUILD_ABOVE:
            changed = None
    rebuilt, differ = _rebuild(session, changed)
    refresh_rollups(session, differ, chunk=CHUNK)  # the months of the rows that came out different
    mark.events_through, mark.measures_through, mark.attempts_through = (int(top) for top in tops)
    mark.refreshed_at = now
    session.flush()
    return rebuilt


def refreshed_at(session: Session) -> datetime | None:
    return session.scalar(select(ReportRefresh.refreshed_at).where(ReportRefresh.id == 1))
