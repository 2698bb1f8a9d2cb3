"""Accreditation evidence: a provider's uploaded certificate, kept in the database itself (so it is in
every backup and works the same on SQLite and PostgreSQL), and the decision on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_service.domain.accreditation import EvidenceStatus
from referral_service.persistence.base import Base, string_enum
from referral_service.persistence.models._columns import public_id_column
from referral_service.persistence.models.directory import Accreditation, Organisation


class AccreditationEvidence(Base):
    """One uploaded document and what became of it. Until a commissioner or administrator approves
    it, nothing is recorded in `accreditations`, so triage does not count it."""

    __tablename__ = "accreditation_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(200))  # what the provider says it is for
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("accreditations.id", ondelete="SET NULL"))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when downloaded
    uploaded_at: Mapped[datetime]
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id", ondelete="SET NULL"))
    status: Mapped[EvidenceStatus] = mapped_column(
        string_enum(EvidenceStatus, "evidence_status"), default=EvidenceStatus.PENDING, index=True
    )
    decided_at: Mapped[datetime | None]
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id", ondelete="SET NULL"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    accreditation_id: Mapped[int | None] = mapped_column(
        ForeignKey("accreditations.id", ondelete="SET NULL"), unique=True
    )

    organisation: Mapped[Organisation] = relationship()
    accreditation: Mapped[Accreditation | None] = relationship(foreign_keys=[accreditation_id])
