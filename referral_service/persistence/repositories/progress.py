"""Queries over what providers record: contact attempts, the session register, outcome measures,
and the lists the portal shows (a provider's caseload, the link-worker queue, waiting lists)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referral_service.domain.lifecycle import BusinessStatus
from referral_service.domain.progress import OutcomeInstrument, OutcomeTimepoint
from referral_service.domain.referral import OfferStatus, TaskStatus, WaitlistStatus
from referral_service.persistence.models import (
    ContactAttempt,
    Offer,
    OutcomeMeasure,
    Referral,
    ReferralTask,
    SessionAttendance,
    WaitlistEntry,
)


class ProgressRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ContactAttempt | SessionAttendance | OutcomeMeasure) -> None:
        self.session.add(row)
        self.session.flush()

    def contacts(self, referral_id: int) -> Sequence[ContactAttempt]:
        return self.session.scalars(
            select(ContactAttempt)
            .where(ContactAttempt.referral_id == referral_id)
            .order_by(ContactAttempt.attempted_at, ContactAttempt.id)
        ).all()

    def register(self, referral_id: int) -> Sequence[SessionAttendance]:
        return self.session.scalars(
            select(SessionAttendance)
            .where(SessionAttendance.referral_id == referral_id)
            .order_by(SessionAttendance.session_number)
        ).all()

    def next_session_number(self, referral_id: int) -> int:
        highest = self.session.scalar(
            select(func.max(SessionAttendance.session_number)).where(SessionAttendance.referral_id == referral_id)
        )
        return int(highest or 0) + 1

    def measures(self, referral_id: int) -> Sequence[OutcomeMeasure]:
        return self.session.scalars(
            select(OutcomeMeasure).where(OutcomeMeasure.referral_id == referral_id).order_by(OutcomeMeasure.id)
        ).all()

    def measure(
        self, referral_id: int, instrument: OutcomeInstrument, timepoint: OutcomeTimepoint
    ) -> OutcomeMeasure | None:
        return self.session.scalar(
            select(OutcomeMeasure).where(
                OutcomeMeasure.referral_id == referral_id,
                OutcomeMeasure.instrument == instrument,
                OutcomeMeasure.timepoint == timepoint,
            )
        )

    def caseload(self, organisation_id: int) -> Sequence[Referral]:
        """Referrals this provider holds now: offered to it, accepted, in progress, or on its waiting list."""
        return self.session.scalars(
            select(Referral)
            .join(ReferralTask, ReferralTask.referral_id == Referral.id)
            .where(
                ReferralTask.owner_organisation_id == organisation_id,
                ReferralTask.status.in_([TaskStatus.REQUESTED, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS]),
            )
            .order_by(Referral.received_at)
        ).all()

    def open_offers(self, referral_ids: Sequence[int]) -> dict[int, Offer]:
        if not referral_ids:
            return {}
        rows = self.session.scalars(
            select(Offer).where(Offer.referral_id.in_(referral_ids), Offer.status == OfferStatus.OFFERED)
        ).all()
        return {offer.referral_id: offer for offer in rows}

    def link_worker_queue(self) -> Sequence[Referral]:
        return self.session.scalars(
            select(Referral)
            .join(ReferralTask, ReferralTask.referral_id == Referral.id)
            .where(
                ReferralTask.status == TaskStatus.REQUESTED,
                ReferralTask.business_status == BusinessStatus.LINK_WORKER.value,
            )
            .order_by(Referral.received_at)
        ).all()

    def waiting_list(self, service_id: int) -> Sequence[WaitlistEntry]:
        return self.session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.service_id == service_id, WaitlistEntry.status == WaitlistStatus.WAITING)
            .order_by(WaitlistEntry.priority_rank, WaitlistEntry.joined_at, WaitlistEntry.id)
        ).all()
