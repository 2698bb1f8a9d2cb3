"""Messages to referrers, queued in the same transaction as the change they report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.domain.clock import utcnow
from referral_service.domain.outbox import OutboxStatus
from referral_service.persistence.base import Base, string_enum
from referral_service.persistence.models._columns import public_id_column


class OutboxMessage(Base):
    """One message, delivered at least once, in order per `ordering_key` (the referral).

    `request_id` is the X-Request-Id sent with every attempt of this message, so the receiver can
    de-duplicate a resend after a crash between sending and recording. `claimed_until` is set
    (and committed) while one attempt is in flight, so no transaction is held across the send.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_ordering", "ordering_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    ordering_key: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(500))
    message_type: Mapped[str] = mapped_column(String(60))
    request_id: Mapped[str] = mapped_column(String(36), unique=True)
    correlation_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(string_enum(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]  # a sender holds it for one attempt until then
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
