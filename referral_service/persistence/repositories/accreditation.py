"""Queries over accreditation evidence and the accreditations recorded against it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from referral_service.domain.accreditation import EvidenceStatus
from referral_service.persistence.models import (
    Accreditation,
    AccreditationEvidence,
    AuditEvent,
    Notification,
    Organisation,
)


class AccreditationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_evidence(self, evidence: AccreditationEvidence) -> AccreditationEvidence:
        self.session.add(evidence)
        self.session.flush()
        return evidence

    def evidence(self, public_id: str, *, with_content: bool = False) -> AccreditationEvidence | None:
        query = select(AccreditationEvidence).where(AccreditationEvidence.public_id == public_id)
        if with_content:
            query = query.options(undefer(AccreditationEvidence.content))
        return self.session.scalars(query).one_or_none()

    def evidence_of(self, organisation_id: int) -> Sequence[AccreditationEvidence]:
        return self.session.scalars(
            select(AccreditationEvidence)
            .where(AccreditationEvidence.organisation_id == organisation_id)
            .order_by(AccreditationEvidence.uploaded_at.desc(), AccreditationEvidence.id.desc())
        ).all()

    def waiting(self) -> Sequence[AccreditationEvidence]:
        """Evidence waiting for a decision, oldest first."""
        return self.session.scalars(
            select(AccreditationEvidence)
            .where(AccreditationEvidence.status == EvidenceStatus.PENDING)
            .order_by(AccreditationEvidence.uploaded_at, AccreditationEvidence.id)
        ).all()

    def organisation(self, organisation_id: int) -> Organisation | None:
        return self.session.get(Organisation, organisation_id)

    def accreditations_of(self, organisation_id: int) -> Sequence[Accreditation]:
        return self.session.scalars(
            select(Accreditation)
            .where(Accreditation.organisation_id == organisation_id)
            .order_by(Accreditation.valid_until.desc(), Accreditation.id)
        ).all()

    def accreditation(self, accreditation_id: int) -> Accreditation | None:
        return self.session.get(Accreditation, accreditation_id)

    def add_accreditation(self, accreditation: Accreditation) -> Accreditation:
        self.session.add(accreditation)
        self.session.flush()
        return accreditation

    def ending_between(self, first: date, last: date) -> Sequence[Accreditation]:
        """Accreditations whose last valid day falls in [first, last] (the expiry warnings' window)."""
        return self.session.scalars(
            select(Accreditation)
            .where(Accreditation.valid_until >= first, Accreditation.valid_until <= last)
            .order_by(Accreditation.valid_until, Accreditation.id)
        ).all()

    def audit(self, event: AuditEvent) -> None:
        self.session.add(event)

    def warned(self, key: str) -> bool:
        """Whether any notice under this expiry warning's key was queued (to anyone, on any channel)."""
        found = select(Notification.id).where(Notification.dedupe_key.startswith(key + ":", autoescape=True)).limit(1)
        return self.session.scalar(found) is not None
