"""Versions of listings and proposals awaiting approval."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral_service.domain.directory_changes import ProposalStatus
from referral_service.persistence.models import DirectoryProposal, DirectoryVersion, PortalUser, Service


class DirectoryChangesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: DirectoryVersion | DirectoryProposal) -> None:
        self.session.add(row)
        self.session.flush()

    def versions_of(self, organisation_id: int) -> Sequence[DirectoryVersion]:
        return self.session.scalars(
            select(DirectoryVersion)
            .where(DirectoryVersion.organisation_id == organisation_id)
            .order_by(DirectoryVersion.id.desc())
        ).all()

    def proposal(self, public_id: str) -> DirectoryProposal | None:
        return self.session.scalar(select(DirectoryProposal).where(DirectoryProposal.public_id == public_id))

    def proposals_of(self, service_id: int) -> Sequence[DirectoryProposal]:
        return self.session.scalars(
            select(DirectoryProposal)
            .where(DirectoryProposal.service_id == service_id)
            .order_by(DirectoryProposal.id.desc())
        ).all()

    def pending(self) -> Sequence[DirectoryProposal]:
        return self.session.scalars(
            select(DirectoryProposal)
            .where(DirectoryProposal.status == ProposalStatus.PENDING)
            .order_by(DirectoryProposal.id)
        ).all()

    def pending_for(self, service_id: int) -> DirectoryProposal | None:
        return self.session.scalar(
            select(DirectoryProposal).where(
                DirectoryProposal.service_id == service_id, DirectoryProposal.status == ProposalStatus.PENDING
            )
        )

    def service_of(self, proposal: DirectoryProposal) -> Service:
        service = self.session.get(Service, proposal.service_id)
        assert service is not None  # a foreign key
        return service

    def user_name(self, user_id: int | None) -> str:
        user = self.session.get(PortalUser, user_id) if user_id is not None else None
        return user.display_name if user is not None else "someone"
