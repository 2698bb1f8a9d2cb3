"""Emailed links that let a person set a password: invitations and password resets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.domain.account_links import LinkPurpose
from referral_service.persistence.base import Base, string_enum


class AccountLink(Base):
    """One emailed link. Only the SHA-256 of its token is kept (the token itself is 256 random bits,
    so a hash needs no salt), so a leaked table lets nobody set a password. Used or revoked links
    stay, as the record of who was invited or reset when."""

    __tablename__ = "account_links"
    __table_args__ = (Index("ix_account_links_user", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"))
    purpose: Mapped[LinkPurpose] = mapped_column(string_enum(LinkPurpose, "account_link_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]  # a newer link replaced it, or the account was deactivated
