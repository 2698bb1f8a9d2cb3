"""Changes to the directory: every version of a provider's listing, and the proposals awaiting approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.domain.directory_changes import ProposalStatus
from referral_service.persistence.base import Base, JSONDocument, string_enum
from referral_service.persistence.models._columns import public_id_column


class DirectoryVersion(Base):
    """One change to a provider's listing: who, when, what changed (sentences), and the whole
    approved entry after it, in the directory file's form (so any version can be read or restored)."""

    __tablename__ = "directory_versions"
    __table_args__ = (Index("ix_directory_versions_organisation", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    made_at: Mapped[datetime]
    made_by: Mapped[str] = mapped_column(String(200))  # the actor's id ("user:3", "operator:cli")
    made_by_name: Mapped[str] = mapped_column(String(200))  # their name as it was, for the history
    changes: Mapped[list[str]] = mapped_column(JSONDocument)
    snapshot: Mapped[dict[str, object]] = mapped_column(JSONDocument)


class DirectoryProposal(Base):
    """A provider's proposed change to what triage reads; nothing of it applies until approved."""

    __tablename__ = "directory_proposals"
    __table_args__ = (Index("ix_directory_proposals_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(string_enum(ProposalStatus, "proposal_status"))
    proposed_at: Mapped[datetime]
    proposed_by: Mapped[int] = mapped_column(ForeignKey("portal_users.id"))
    current: Mapped[dict[str, object]] = mapped_column(JSONDocument)  # the triage fields when proposed
    proposed: Mapped[dict[str, object]] = mapped_column(JSONDocument)  # the triage fields asked for
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
