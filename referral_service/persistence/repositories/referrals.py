"""Queries over patients, referrals, their Tasks and history, inbound messages and audit records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral_service.domain.lifecycle import TERMINAL
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


class DuplicateRequest(Exception):
    """An X-Request-Id that was already processed (the unique key said so, atomically)."""


class ReferralRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record_inbound(self, message: InboundMessage) -> None:
        """Insert first and flush at once: a concurrent replay then waits on the unique key and fails."""
        try:
            with self.session.begin_nested():
                self.session.add(message)
        except IntegrityError:
            raise DuplicateRequest(message.request_id) from None

    def patient_by_nhs_number(self, nhs_number: str) -> Patient | None:
        return self.session.scalar(select(Patient).where(Patient.nhs_number == nhs_number))

    def add_patient(self, patient: Patient) -> Patient:
        """Insert, or when another transaction inserted the same NHS number meanwhile, return that row."""
        try:
            with self.session.begin_nested():
                self.session.add(patient)
        except IntegrityError:
            if patient.nhs_number is None:
                raise
            existing = self.patient_by_nhs_number(patient.nhs_number)
            if existing is None:
                raise
            return existing
        return patient

    def add(self, row: Referral | ReferralTask | ReferralEvent | AuditEvent | UnmetDemand) -> None:
        self.session.add(row)

    def flush(self) -> None:
        self.session.flush()

    def by_id(self, referral_id: int) -> Referral:
        """A referral by our internal key, for the service's own work (never a caller's lookup)."""
        return self.session.get_one(Referral, referral_id)

    def by_public_id(self, public_id: str) -> Referral | None:
        return self.session.scalar(select(Referral).where(Referral.public_id == public_id))

    def by_identifier(self, sender_organisation_id: int, system: str, value: str) -> Referral | None:
        return self.session.scalar(
            select(Referral).where(
                Referral.sender_organisation_id == sender_organisation_id,
                Referral.identifier_system == system,
                Referral.identifier_value == value,
            )
        )

    def by_bundle_id(self, sender_organisation_id: int, bundle_id: str) -> Referral | None:
        return self.session.scalar(
            select(Referral).where(
                Referral.sender_organisation_id == sender_organisation_id, Referral.source_bundle_id == bundle_id
            )
        )

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
    ) -> Sequence[ReferralTask]:
        """A GP client's Tasks (by `api_client_id`) or a provider's (by `owner_id`); filters AND together."""
        if api_client_id is None and owner_id is None:
            return []
        query = select(ReferralTask).join(Referral, ReferralTask.referral_id == Referral.id)
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
        return self.session.scalars(query.order_by(ReferralTask.last_modified, ReferralTask.id).limit(limit)).all()

    def events(self, referral: Referral) -> Sequence[ReferralEvent]:
        return self.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id)
        ).all()

    def open_on_pathway(self, referral: Referral) -> Sequence[Referral]:
        """The person's other referrals on this referral's pathway that are still open, oldest first.

        The person is the NHS number's patient row; a patient without an NHS number is never linked.
        """
        if referral.pathway_code is None:
            return []
        query = (
            select(Referral)
            .join(ReferralTask, ReferralTask.referral_id == Referral.id)
            .where(
                Referral.patient_id == referral.patient_id,
                Referral.id != referral.id,
                Referral.pathway_system == referral.pathway_system,
                Referral.pathway_code == referral.pathway_code,
                Referral.status == ReferralStatus.ACTIVE,
                ReferralTask.status.not_in(TERMINAL),
            )
        )
        return self.session.scalars(query.order_by(Referral.received_at, Referral.id)).all()
