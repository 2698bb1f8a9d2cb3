"""Queries over patients, referrals, their Tasks and history, inbound messages and audit records."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, insert, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, contains_eager

from referral_service.domain.lifecycle import TERMINAL, BusinessStatus
from referral_service.domain.referral import ReferralStatus
from referral_service.persistence.models import (
    AuditEvent,
    InboundMessage,
    Patient,
    Referral,
    ReferralEvent,
    ReferralTask,
    UnmetDemand,
)
from referral_service.persistence.repositories.kept import keep, kept

ON_CONFLICT_INSERTS = frozenset({"sqlite", "postgresql"})


def insert_unless_there(
    dialect: str, entity: type[Any], values: dict[str, Any], key: str, where: ColumnElement[bool] | None = None
) -> Any:
    """`INSERT … ON CONFLICT (key) DO NOTHING`, in the dialect's own spelling (both have it)."""
    insert = postgresql_insert(entity) if dialect == "postgresql" else sqlite_insert(entity)
    return insert.values(values).on_conflict_do_nothing(index_elements=[key], index_where=where)


# Intake's own reads, built once: a statement built per call costs more CPU than its round trip.
_PATIENT_BY_NHS_NUMBER = select(Patient).where(Patient.nhs_number == bindparam("nhs_number"))
_BY_IDENTIFIER = select(Referral.id).where(
    Referral.sender_organisation_id == bindparam("sender"),
    Referral.identifier_system == bindparam("system"),
    Referral.identifier_value == bindparam("value"),
)
_BY_BUNDLE_ID = select(Referral.id).where(
    Referral.sender_organisation_id == bindparam("sender"), Referral.source_bundle_id == bindparam("bundle_id")
)


def _open_on_pathway(patient_id: ColumnElement[int] | InstrumentedAttribute[int]) -> Select[int]:
    """The person's open referrals (active, their Task not ended) on the pathway `system`/`code`."""
    return (
        select(Referral.id)
        .join(ReferralTask, ReferralTask.referral_id == Referral.id)
        .where(
            Referral.patient_id == patient_id,
            Referral.pathway_system == bindparam("system"),
            Referral.pathway_code == bindparam("code"),
            Referral.status == ReferralStatus.ACTIVE,
            ReferralTask.status.not_in(TERMINAL),
        )
    )


_ANY_OPEN_BESIDE = _open_on_pathway(bindparam("patient_id")).where(Referral.id != bindparam("referral_id")).limit(1)
# The person, and whether they have an open referral on the pathway: what intake asks of each new referral.
_PATIENT_WITH_OPEN_ON_PATHWAY = select(Patient, _open_on_pathway(Patient.id).exists()).where(
    Patient.nhs_number == bindparam("nhs_number")
)


@functools.cache
def _inbound_insert(dialect: str) -> Any:
    """Every request's first write, built once per dialect (its values are bound per execution)."""
    insert = postgresql_insert(InboundMessage) if dialect == "postgresql" else sqlite_insert(InboundMessage)
    return insert.on_conflict_do_nothing(index_elements=["request_id"]).returning(InboundMessage.id)


class DuplicateRequest(Exception):
    """An X-Request-Id that was already processed (the unique key said so, atomically)."""


class ReferralRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record_inbound(self, message: InboundMessage) -> None:
        """Insert first, at once: a concurrent replay then waits on the unique key and fails.

        On SQLite and PostgreSQL one `INSERT … ON CONFLICT (request_id) DO NOTHING RETURNING id`
        (no row back: a duplicate), instead of a savepoint around an ORM flush (three round trips).
        """
        dialect = self.session.get_bind().dialect.name
        if dialect not in ON_CONFLICT_INSERTS:
            try:
                with self.session.begin_nested():
                    self.session.add(message)
            except IntegrityError:
                raise DuplicateRequest(message.request_id) from None
            return
        values = {
            "request_id": message.request_id,
            "correlation_id": message.correlation_id,
            "api_client_id": message.api_client_id,
            "interaction": message.interaction,
            "referral_id": message.referral_id,
        }
        if self.session.execute(_inbound_insert(dialect), values).scalar() is None:
            raise DuplicateRequest(message.request_id)

    def patient_by_nhs_number(self, nhs_number: str) -> Patient | None:
        return self.session.scalar(_PATIENT_BY_NHS_NUMBER, {"nhs_number": nhs_number})

    def patient_with_open_on_pathway(
        self, nhs_number: str, system: str | None, code: str
    ) -> tuple[Patient | None, bool]:
        """The person with this NHS number, and whether they already have an open referral on the
        pathway (what `any_open_on_pathway` says of a referral not yet written), in one statement:
        intake asks both of every referral, and each round trip costs more than its CPU under load."""
        values = {"nhs_number": nhs_number, "system": system, "code": code}
        found = self.session.execute(_PATIENT_WITH_OPEN_ON_PATHWAY, values).first()
        return (None, False) if found is None else (found[0], bool(found[1]))

    def add_patient(self, patient: Patient) -> tuple[Patient, bool]:
        """Insert, or when another transaction inserted the same NHS number meanwhile, return that
        row; and whether this call inserted it.

        On SQLite and PostgreSQL one `INSERT … ON CONFLICT (nhs_number) DO NOTHING RETURNING` the
        row (none back: someone else's insert won, read theirs) instead of a savepoint and a flush.
        """
        dialect = self.session.get_bind().dialect.name
        if patient.nhs_number is not None and dialect in ON_CONFLICT_INSERTS:
            values = {
                attribute.key: getattr(patient, attribute.key)
                for attribute in inspect(Patient).column_attrs
                if getattr(patient, attribute.key) is not None
            }
            statement = insert_unless_there(
                dialect, Patient, values, "nhs_number", Patient.nhs_number.is_not(None)
            ).returning(Patient)
            inserted: Patient | None = self.session.scalar(statement)
            if inserted is not None:
                return inserted, True
            return self._inserted_meanwhile(patient.nhs_number), False
        try:
            with self.session.begin_nested():
                self.session.add(patient)
        except IntegrityError:
            if patient.nhs_number is None:
                raise
            return self._inserted_meanwhile(patient.nhs_number), False
        return patient, True

    def _inserted_meanwhile(self, nhs_number: str) -> Patient:
        existing = self.patient_by_nhs_number(nhs_number)
        if existing is None:
            raise RuntimeError("a patient's insert conflicted but its row is not there")
        return existing

    def add(self, row: Referral | ReferralTask | ReferralEvent | AuditEvent | UnmetDemand) -> None:
        self.session.add(row)
        if isinstance(row, Referral):
            keep(self.session, row)  # the answer to intake reads it back by public id
        elif isinstance(row, ReferralEvent):
            keep(self.session, row)  # a new referral's whole history is here, so `events` need not read it

    def flush(self) -> None:
        self.session.flush()

    def by_id(self, referral_id: int) -> Referral:
        """A referral by our internal key, for the service's own work (never a caller's lookup)."""
        return self.session.get_one(Referral, referral_id)

    def by_public_id(self, public_id: str) -> Referral | None:
        """A referral added in this unit of work is answered from memory, the rest by a SELECT."""
        for referral in kept(self.session, Referral):
            if referral.public_id == public_id:
                return referral
        return self.session.scalar(select(Referral).where(Referral.public_id == public_id))

    def by_identifier(self, sender_organisation_id: int, system: str, value: str) -> Referral | None:
        values = {"sender": sender_organisation_id, "system": system, "value": value}
        return self._found(self.session.scalar(_BY_IDENTIFIER, values))

    def by_bundle_id(self, sender_organisation_id: int, bundle_id: str) -> Referral | None:
        return self._found(
            self.session.scalar(_BY_BUNDLE_ID, {"sender": sender_organisation_id, "bundle_id": bundle_id})
        )

    def _found(self, referral_id: int | None) -> Referral | None:
        """Intake's replay checks ask for the id alone: nearly every referral is new, and a whole
        referral's row (its patient, details and Task joined) costs several times a bare id's."""
        return None if referral_id is None else self.session.get(Referral, referral_id)

    def latest_by_correlation_id(self, api_client_id: int, correlation_id: str) -> Referral | None:
        return self.session.scalar(
            select(Referral)
            .where(Referral.api_client_id == api_client_id, Referral.correlation_id == correlation_id)
            .order_by(Referral.id.desc())
            .limit(1)
        )

    def search(
        self,
        *,
        api_client_id: int,
        public_id: str | None = None,
        identifier: tuple[str | None, str] | None = None,
        nhs_number: str | None = None,
        limit: int = 100,
    ) -> Sequence[Referral]:
        """A client's own referrals only; the filters combine (AND)."""
        query = select(Referral).where(Referral.api_client_id == api_client_id)
        if public_id is not None:
            query = query.where(Referral.public_id == public_id)
        if identifier is not None:
            system, value = identifier
            query = query.where(Referral.identifier_value == value)
            if system is not None:
                query = query.where(Referral.identifier_system == system)
        if nhs_number is not None:
            query = query.join(Patient, Referral.patient_id == Patient.id).where(Patient.nhs_number == nhs_number)
        return self.session.scalars(query.order_by(Referral.id).limit(limit)).all()

    def task_by_public_id(self, public_id: str) -> ReferralTask | None:
        return self.session.scalar(select(ReferralTask).where(ReferralTask.public_id == public_id))

    def search_tasks(
        self,
        *,
        api_client_id: int | None,
        owner_id: int | None = None,
        public_id: str | None = None,
        focus_public_id: str | None = None,
        modified_after: datetime | None = None,
        modified_from: datetime | None = None,
        modified_before: datetime | None = None,
        modified_until: datetime | None = None,
        limit: int = 100,
    ) -> Sequence[Referral]:
        """The referrals of a GP client's Tasks (by `api_client_id`) or a provider's (by `owner_id`), in
        the Tasks' order; filters AND together. One statement: each referral comes with its Task and
        patient details (it was a referral loaded per Task)."""
        if api_client_id is None and owner_id is None:
            return []
        query = select(Referral).join(Referral.task).options(contains_eager(Referral.task))
        if api_client_id is not None:
            query = query.where(Referral.api_client_id == api_client_id)
        if owner_id is not None:
            query = query.where(ReferralTask.owner_organisation_id == owner_id)
        if public_id is not None:
            query = query.where(ReferralTask.public_id == public_id)
        if focus_public_id is not None:
            query = query.where(Referral.public_id == focus_public_id)
        if modified_after is not None:
            query = query.where(ReferralTask.last_modified > modified_after)
        if modified_from is not None:
            query = query.where(ReferralTask.last_modified >= modified_from)
        if modified_before is not None:
            query = query.where(ReferralTask.last_modified < modified_before)
        if modified_until is not None:
            query = query.where(ReferralTask.last_modified <= modified_until)
        ordered = query.order_by(ReferralTask.last_modified, ReferralTask.id).limit(limit)
        return self.session.scalars(ordered).unique().all()

    def hand_placings(self, referral_ids: Collection[int]) -> dict[int, ReferralEvent]:
        """Each referral's last placing by a link worker (from the queue to an offer), for a page at once."""
        if not referral_ids:
            return {}
        new = {i for i in referral_ids if _created_here(self.session, i)}
        if new:  # their every event was added in this unit of work (see `events`)
            placed = {i: _last_hand_placing(self.events_by_id(i)) for i in new}
            found = {i: event for i, event in placed.items() if event is not None}
            return found | (self.hand_placings(set(referral_ids) - new) if set(referral_ids) - new else {})
        events = self.session.scalars(
            select(ReferralEvent)
            .where(
                ReferralEvent.referral_id.in_(sorted(referral_ids)),
                ReferralEvent.from_business_status == BusinessStatus.LINK_WORKER,
                ReferralEvent.to_business_status == BusinessStatus.OFFERED,
            )
            .order_by(ReferralEvent.id)
        )
        return {event.referral_id: event for event in events}  # the last one of each wins

    def add_audit_events(self, rows: Sequence[dict[str, Any]]) -> None:
        """Audit rows (AuditEvent's columns by name) in one bulk INSERT, not an object each."""
        if rows:
            self.session.execute(insert(AuditEvent), list(rows))

    def events(self, referral: Referral) -> Sequence[ReferralEvent]:
        return self.events_by_id(referral.id)

    def events_by_id(self, referral_id: int) -> Sequence[ReferralEvent]:
        """A referral's events in order. For one this unit of work created, every event was added
        here (intake and transitions add them through `add`), so they are answered from memory."""
        if _created_here(self.session, referral_id):
            added = kept(self.session, ReferralEvent)
            if any(event.id is None for event in added):
                self.session.flush()  # as the query's autoflush would: every event has its id
            mine = [event for event in added if event.referral_id == referral_id]
            return sorted(mine, key=lambda event: event.id)
        return self.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id)
        ).all()

    def open_on_pathway(self, referral: Referral) -> Sequence[Referral]:
        """The person's other referrals on this referral's pathway that are still open, oldest first.

        The person is the NHS number's patient row; a patient without an NHS number is never linked.
        """
        if referral.pathway_code is None:
            return []
        query = select(Referral).join(ReferralTask, ReferralTask.referral_id == Referral.id)
        query = query.where(*_open_beside(referral))
        return self.session.scalars(query.order_by(Referral.received_at, Referral.id)).all()

    def any_open_on_pathway(self, referral: Referral) -> bool:
        """Whether `open_on_pathway` would find any: one indexed row at most, no referral loaded
        (intake asks this of every referral; a person with many open ones made it load them all)."""
        if referral.pathway_code is None:
            return False
        patient_id = referral.patient.id if referral.patient is not None else referral.patient_id
        if patient_id is None:
            return False  # a person new to us has no other referral
        values = {
            "patient_id": patient_id,
            "referral_id": referral.id if referral.id is not None else 0,  # not yet written: none to leave out
            "system": referral.pathway_system,
            "code": referral.pathway_code,
        }
        return self.session.scalar(_ANY_OPEN_BESIDE, values) is not None


def _last_hand_placing(events: Sequence[ReferralEvent]) -> ReferralEvent | None:
    """A link worker's last placing by hand (from their queue to an offer), as `hand_placings` finds it."""
    placings = [
        event
        for event in events
        if event.from_business_status == BusinessStatus.LINK_WORKER
        and event.to_business_status == BusinessStatus.OFFERED
    ]
    return placings[-1] if placings else None


def _created_here(session: Session, referral_id: int | None) -> bool:
    """Whether the referral was added in this unit of work (its row did not exist before it)."""
    return referral_id is not None and any(referral.id == referral_id for referral in kept(session, Referral))


def _open_beside(referral: Referral) -> tuple[ColumnElement[bool], ...]:
    """The person's other open referrals on the same pathway."""
    return (
        Referral.patient_id == referral.patient_id,
        Referral.id != referral.id,
        Referral.pathway_system == referral.pathway_system,
        Referral.pathway_code == referral.pathway_code,
        Referral.status == ReferralStatus.ACTIVE,
        ReferralTask.status.not_in(TERMINAL),
    )
