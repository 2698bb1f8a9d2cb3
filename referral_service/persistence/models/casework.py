"""What the people working a referral write beside its lifecycle: case notes, the safeguarding
flag, and follow-ups with a due date and an owner."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.persistence.base import Base
from referral_service.persistence.models._columns import public_id_column


class CaseNote(Base):
    """One version of a case note. Notes are append-only: a correction is a new row whose
    `corrects_note_id` names the note's first version, so every earlier text stays readable."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    corrects_note_id: Mapped[int | None] = mapped_column(ForeignKey("case_notes.id"), index=True)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<CaseNote {self.public_id}>"


class SafeguardingFlag(Base):
    """A safeguarding concern raised on a referral (who, when, why) and, later, lowered (who, when, why).
    At most one is raised at a time; the lowered ones stay as the flag's history."""

    __tablename__ = "safeguarding_flags"
    __table_args__ = (Index("ix_safeguarding_flags_referral_lowered", "referral_id", "lowered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    raised_by_user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"))
    raised_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    lowered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    lowered_at: Mapped[datetime | None]
    lowered_reason: Mapped[str | None] = mapped_column(Text)


class FollowUp(Base):
    """Something to do about a referral by a day, owned by one person (in the owner's list until done)."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_owner_open", "owner_user_id", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"))
    set_by_user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"))
    due_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))

    def __repr__(self) -> str:
        return f"<FollowUp {self.public_id}>"
