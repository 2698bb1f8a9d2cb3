"""Queries over API clients and portal users."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referral_service.persistence.models import ApiClient, PortalSession, PortalUser


class AccessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def api_client(self, client_id: str) -> ApiClient | None:
        return self.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))

    def api_client_by_id(self, pk: int) -> ApiClient | None:
        return self.session.get(ApiClient, pk)

    def portal_user_by_email(self, email: str) -> PortalUser | None:
        return self.session.scalar(select(PortalUser).where(func.lower(PortalUser.email) == email.strip().lower()))

    def portal_user(self, user_id: int) -> PortalUser | None:
        return self.session.get(PortalUser, user_id)

    def portal_session(self, token_hash: str) -> PortalSession | None:
        return self.session.scalar(select(PortalSession).where(PortalSession.token_hash == token_hash))

    def add(self, row: ApiClient | PortalUser | PortalSession) -> None:
        self.session.add(row)
        self.session.flush()
