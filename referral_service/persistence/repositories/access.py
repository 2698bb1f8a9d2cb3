"""Queries over API clients, portal users, their sessions and the sign-in throttles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from referral_service.persistence.models import (
    ApiClient,
    AuditEvent,
    Organisation,
    PortalSession,
    PortalUser,
    SignInRecord,
    SignInThrottle,
)
from referral_service.persistence.repositories.kept import keep

_API_CLIENT = (
    select(ApiClient).where(ApiClient.client_id == bindparam("client_id")).options(joinedload(ApiClient.practices))
)


class AccessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def api_client(self, client_id: str) -> ApiClient | None:
        """Held for the unit of work: the outbox's `api_client_by_id` then reads no row again. Its
        practices come in the same statement (every request's first, so one round trip, not two)."""
        found = self.session.execute(_API_CLIENT, {"client_id": client_id}).unique().scalar_one_or_none()
        return keep(self.session, found)

    def api_client_by_id(self, pk: int) -> ApiClient | None:
        return self.session.get(ApiClient, pk)

    def portal_user_by_email(self, email: str) -> PortalUser | None:
        return self.session.scalar(select(PortalUser).where(func.lower(PortalUser.email) == email.strip().lower()))

    def portal_user(self, user_id: int) -> PortalUser | None:
        return self.session.get(PortalUser, user_id)

    def portal_session(self, token_hash: str) -> PortalSession | None:
        return self.session.scalar(select(PortalSession).where(PortalSession.token_hash == token_hash))

    def portal_users(self) -> list[tuple[PortalUser, str | None]]:
        """Every portal user with the name of their organisation, by name."""
        rows = self.session.execute(
            select(PortalUser, Organisation.name)
            .outerjoin(Organisation, Organisation.id == PortalUser.organisation_id)
            .order_by(func.lower(PortalUser.display_name), PortalUser.id)
        )
        return [(user, name) for user, name in rows]

    def record_sign_in(self, user_id: int, *, succeeded: bool, reason: str | None, now: datetime) -> None:
        self.session.add(SignInRecord(user_id=user_id, occurred_at=now, succeeded=succeeded, reason=reason))

    def sign_ins_of(self, user_id: int, *, limit: int) -> list[SignInRecord]:
        """The user's latest sign-in attempts, newest first."""
        return list(
            self.session.scalars(
                select(SignInRecord)
                .where(SignInRecord.user_id == user_id)
                .order_by(SignInRecord.occurred_at.desc(), SignInRecord.id.desc())
                .limit(limit)
            )
        )

    def add(self, row: ApiClient | PortalUser | PortalSession | AuditEvent) -> None:
        self.session.add(row)
        self.session.flush()

    def end_sessions_of(self, user_id: int, *, now: datetime) -> int:
        """End every live session of one user; how many were live."""
        result = self.session.execute(
            update(PortalSession)
            .where(PortalSession.user_id == user_id, PortalSession.ended_at.is_(None))
            .values(ended_at=now)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def throttle(self, scope: str, key_hash: str) -> SignInThrottle | None:
        """The key's throttle row, locked for this transaction (PostgreSQL) so concurrent failures add up."""
        return self.session.scalar(
            select(SignInThrottle)
            .where(SignInThrottle.scope == scope, SignInThrottle.key_hash == key_hash)
            .with_for_update()
        )

    def add_throttle(self, scope: str, key_hash: str, *, now: datetime) -> SignInThrottle:
        """A new row for the key, or the one a concurrent request inserted meanwhile."""
        row = SignInThrottle(scope=scope, key_hash=key_hash, failures=0, window_started_at=now)
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            existing = self.throttle(scope, key_hash)
            if existing is None:
                raise
            return existing
        return row

    def clear_throttle(self, scope: str, key_hash: str) -> None:
        self.session.execute(
            delete(SignInThrottle).where(SignInThrottle.scope == scope, SignInThrottle.key_hash == key_hash)
        )

    def prune_throttles(self, *, window_started_before: datetime, now: datetime) -> None:
        """Forget keys whose window and block are both over, so random client ids cannot grow the table."""
        self.session.execute(
            delete(SignInThrottle).where(
                SignInThrottle.window_started_at < window_started_before,
                or_(SignInThrottle.blocked_until.is_(None), SignInThrottle.blocked_until <= now),
            )
        )
