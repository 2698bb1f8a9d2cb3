"""Offers of a place to a provider, and waiting-list entries for services that are full."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_service.domain.referral import OfferStatus, WaitlistStatus
from referral_service.persistence.base import Base, string_enum
from referral_service.persistence.models._columns import public_id_column

if TYPE_CHECKING:
    from referral_service.persistence.models.referral import Referral


class Offer(Base):
    """A place reserved for a referral at a service, waiting for the provider's answer by `respond_by`."""

    __tablename__ = "offers"
    __table_args__ = (
        # At most one open offer per referral.
        Index(
            "uq_offers_open_per_referral",
            "referral_id",
            unique=True,
            sqlite_where=text("status = 'offered'"),
            postgresql_where=text("status = 'offered'"),
        ),
        Index("ix_offers_status_respond_by", "status", "respond_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    capacity_pool_id: Mapped[int] = mapped_column(ForeignKey("capacity_pools.id"), index=True)
    status: Mapped[OfferStatus] = mapped_column(string_enum(OfferStatus, "offer_status"))
    offered_at: Mapped[datetime]
    respond_by: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    decline_reason_code: Mapped[str | None] = mapped_column(String(40))
    decline_reason_text: Mapped[str | None] = mapped_column(Text)
    place_released_at: Mapped[datetime | None]

    # set instead of referral_id for a referral not yet flushed: intake writes both in one flush
    referral: Mapped[Referral] = relationship()


class WaitlistEntry(Base):
    """A referral waiting for a place; served by priority rank, then arrival, then id."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index("ix_waitlist_entries_queue", "service_id", "status", "priority_rank", "joined_at", "id"),
        Index(
            "uq_waitlist_entries_waiting_per_referral",
            "referral_id",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    priority_rank: Mapped[int]
    status: Mapped[WaitlistStatus] = mapped_column(string_enum(WaitlistStatus, "waitlist_status"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)

    # set instead of referral_id for a referral not yet flushed: both go in one flush
    referral: Mapped[Referral] = relationship()
