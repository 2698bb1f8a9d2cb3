"""API clients, portal users, sign-in throttles, and the audit record of every read of patient data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_service.domain.access import ActorKind, ApiClientKind, UserRole
from referral_service.domain.clock import utcnow
from referral_service.persistence.base import Base, JSONDocument, string_enum
from referral_service.persistence.models._columns import created_at_column


class ApiClient(Base):
    """A GP or provider system. Only an argon2 hash of its secret is kept."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ApiClientKind] = mapped_column(string_enum(ApiClientKind, "api_client_kind"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    callback_url: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None]

    practices: Mapped[list[ApiClientPractice]] = relationship(
        back_populates="api_client", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<ApiClient {self.client_id}>"


class ApiClientPractice(Base):
    """A practice (ODS code) a GP system client may refer for."""

    __tablename__ = "api_client_practices"
    __table_args__ = (UniqueConstraint("api_client_id", "ods_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    ods_code: Mapped[str] = mapped_column(String(10))

    api_client: Mapped[ApiClient] = relationship(back_populates="practices")


class PortalUser(Base):
    """Provider staff, link workers, commissioners and administrators. Email is kept lower-case."""

    __tablename__ = "portal_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[UserRole] = mapped_column(string_enum(UserRole, "user_role"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)  # a commissioner's; None: all
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<PortalUser {self.id} {self.role}>"


class AuditEvent(Base):
    """One read (or export) of patient data: who, when, what, through which request."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_actor", "actor_kind", "actor_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[ActorKind] = mapped_column(string_enum(ActorKind, "actor_kind"))
    actor_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, object] | None] = mapped_column(JSONDocument)


class PortalSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here, so a
    leaked table cannot be replayed. A new row at every login; logout or expiry ends it for good."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class SignInThrottle(Base):
    """Failed client-credential attempts against one key (a client id, or a remote address) in the
    current window. Kept in the database so every web worker counts the same failures and a
    restart forgets nothing; the key is stored as a SHA-256, so an attacker's strings never are."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("scope", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


class SignInRecord(Base):
    """One sign-in attempt against a known account, for the administrators' sign-in history.

    Never the password, nor the address typed for an account that does not exist (an attacker's
    strings are not ours to keep): only the account, when, and whether it was let in and why not."""

    __tablename__ = "sign_in_records"
    __table_args__ = (Index("ix_sign_in_records_user", "user_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"))
    occurred_at: Mapped[datetime]
    succeeded: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(20))  # why refused: wrong-password, locked, inactive
