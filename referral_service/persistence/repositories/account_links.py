"""Queries over the emailed account links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from referral_service.domain.account_links import LinkPurpose
from referral_service.persistence.models import AccountLink


class AccountLinkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, link: AccountLink) -> None:
        self.session.add(link)
        self.session.flush()

    def by_token_hash(self, token_hash: str) -> AccountLink | None:
        """The link, locked for this transaction (PostgreSQL), so two uses at once cannot both succeed."""
        return self.session.scalar(select(AccountLink).where(AccountLink.token_hash == token_hash).with_for_update())

    def latest(self, user_id: int, purpose: LinkPurpose) -> AccountLink | None:
        return self.session.scalar(
            select(AccountLink)
            .where(AccountLink.user_id == user_id, AccountLink.purpose == purpose)
            .order_by(AccountLink.created_at.desc(), AccountLink.id.desc())
            .limit(1)
        )

    def revoke(self, user_id: int, *, now: datetime, purpose: LinkPurpose | None = None) -> int:
        """Revoke the user's unused links (of one purpose, or all); how many were still open."""
        query = update(AccountLink).where(
            AccountLink.user_id == user_id, AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None)
        )
        if purpose is not None:
            query = query.where(AccountLink.purpose == purpose)
        result = self.session.execute(query.values(revoked_at=now).execution_options(synchronize_session="fetch"))
        return int(getattr(result, "rowcount", 0) or 0)
