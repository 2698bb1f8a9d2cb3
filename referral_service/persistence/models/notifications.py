"""Notifications to staff and patients, queued with the event that causes them, and patients'
contact permissions per channel."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_service.domain.notifications import Audience, Channel, Delivery, NotificationKind, NotificationState
from referral_service.domain.notifications import Permission as PermissionValue
from referral_service.persistence.base import Base, JSONDocument, string_enum
from referral_service.persistence.models._columns import created_at_column, public_id_column

if TYPE_CHECKING:
    from referral_service.persistence.models.referral import Referral


class Notification(Base):
    """One message to one recipient on one channel. `dedupe_key` is unique: the same event never
    queues it twice, and `claimed_until` lets one sender hold it for one attempt, so it is never
    sent twice either. `recipient` (an address or phone number) is never logged."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "state", "next_attempt_at"),
        Index("ix_notifications_user", "user_id", "channel", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    kind: Mapped[NotificationKind] = mapped_column(string_enum(NotificationKind, "notification_kind"))
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "notification_audience"))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "notification_channel"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"), index=True)
    recipient: Mapped[str | None] = mapped_column(String(254))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    template_id: Mapped[str | None] = mapped_column(String(64))
    personalisation: Mapped[dict[str, object] | None] = mapped_column(JSONDocument)
    state: Mapped[NotificationState] = mapped_column(string_enum(NotificationState, "notification_state"))
    state_reason: Mapped[str | None] = mapped_column(Text)  # why withheld or parked, in words
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_reference: Mapped[str | None] = mapped_column(String(64), index=True)  # Notify's id
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<Notification {self.public_id} {self.kind} {self.state}>"


class ContactPermission(Base):
    """Whether this referral's patient may be sent messages on one channel, where, and who said so."""

    __tablename__ = "contact_permissions"
    __table_args__ = (UniqueConstraint("referral_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "contact_channel"))
    permission: Mapped[PermissionValue] = mapped_column(string_enum(PermissionValue, "contact_permission"))
    address: Mapped[str | None] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(300))  # "from the referral", "recorded by …"
    recorded_at: Mapped[datetime]
    opted_out_at: Mapped[datetime | None]
    opted_out_by: Mapped[str | None] = mapped_column(String(100))  # "a reply STOP", "the link in an email"
    opt_out_token: Mapped[str] = mapped_column(String(64), unique=True)  # unguessable; the email's opt-out link

    # set instead of referral_id for a referral not yet flushed: intake writes both in one flush
    referral: Mapped[Referral] = relationship()


class NotificationSetting(Base):
    """A staff member's choice: each email at once, or one digest a day."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id", ondelete="CASCADE"), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(string_enum(Delivery, "notification_delivery"))
    updated_at: Mapped[datetime] = created_at_column()
