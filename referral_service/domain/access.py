"""Who acts on the service: people in the portal, systems on the API, and the service itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UserRole(StrEnum):
    PROVIDER = "provider"
    LINK_WORKER = "link-worker"
    COMMISSIONER = "commissioner"
    ADMIN = "admin"


class ApiClientKind(StrEnum):
    GP_SYSTEM = "gp-system"
    PROVIDER_SYSTEM = "provider-system"
    ADMIN_SYSTEM = "admin-system"  # monitoring: the admin scope (integration health), no referral at all


class ActorKind(StrEnum):
    API_CLIENT = "api-client"
    PORTAL_USER = "portal-user"
    SCHEDULER = "scheduler"
    OPERATOR = "operator"  # a person at the command line


class Right(StrEnum):
    """What a caller wants to do with one referral; each kind of caller holds some of these."""

    READ = "read"  # see the referral and its patient's details
    REFER = "refer"  # the referrer acting on what it sent: cancel, update
    WORK = "work"  # the provider holding the referral: accept, decline, record its progress
    DECIDE = "decide"  # a link worker deciding a referral that waits in the queue
    CASEWORK = "casework"  # case notes, the safeguarding flag and follow-ups on a referral


@dataclass(frozen=True)
class Actor:
    """Whoever acts on the service: a person in the portal, a system on the API, the scheduler, an
    operator at the command line. The one caller type every service takes; `kind` and `id` are
    what the history and the audit log record."""

    kind: ActorKind
    id: str
    role: UserRole | None = None  # people in the portal
    client_kind: ApiClientKind | None = None  # systems on the API
    organisation_id: int | None = None  # the provider a provider user or provider system acts for
    client_pk: int | None = None  # an API client's row, which the referrals it sent point to
    user_id: int | None = None  # a portal user's row, for the rows they record
    practices: frozenset[str] = frozenset()  # the practices a GP system refers for
    area_id: int | None = None  # a commissioner's area (domain.areas.in_area); None: every area

    @classmethod
    def portal_user(
        cls, user_id: int, role: UserRole, organisation_id: int | None, area_id: int | None = None
    ) -> Actor:
        return cls(
            ActorKind.PORTAL_USER,
            f"user:{user_id}",
            role=role,
            organisation_id=organisation_id,
            user_id=user_id,
            area_id=area_id if role is UserRole.COMMISSIONER else None,
        )

    @classmethod
    def api_client(
        cls, pk: int, client_id: str, kind: ApiClientKind, organisation_id: int | None, practices: frozenset[str]
    ) -> Actor:
        return cls(
            ActorKind.API_CLIENT,
            client_id,
            client_kind=kind,
            organisation_id=organisation_id,
            client_pk=pk,
            practices=practices,
        )

    @classmethod
    def operator(cls, name: str) -> Actor:
        return cls(ActorKind.OPERATOR, f"operator:{name}")

    @property
    def is_gp_system(self) -> bool:
        return self.client_kind is ApiClientKind.GP_SYSTEM

    @property
    def has_admin_scope(self) -> bool:
        """A monitoring system's token: operational endpoints only, never patient data."""
        return self.client_kind is ApiClientKind.ADMIN_SYSTEM

    @property
    def provider_organisation(self) -> int | None:
        """The provider this caller works for (a provider user or a provider's system), else None."""
        if self.role is UserRole.PROVIDER or self.client_kind is ApiClientKind.PROVIDER_SYSTEM:
            return self.organisation_id
        return None


SCHEDULER = Actor(ActorKind.SCHEDULER, "scheduler")
# The service taking a self-referral on the person's behalf (the public form has no signed-in caller).
SELF_REFERRER = Actor(ActorKind.SCHEDULER, "self-referral")


@dataclass(frozen=True)
class ReferralScope:
    """The facts about one referral that decide who may reach it."""

    sent_by_client: int | None
    owner_organisation_id: int | None
    in_link_worker_queue: bool
    held_before_by: frozenset[int] = frozenset()  # providers it was offered to or waited with, then left
    followed_by: frozenset[int] = frozenset()  # link workers (user ids) who decided it or follow it up
    closed: bool = False  # its Task is finished: nothing more is done with it


def may_reach(actor: Actor, scope: ReferralScope, right: Right) -> bool:
    """The one rule for reaching a referral. A GP system reads and acts on the referrals it sent; a
    provider (in the portal or through its own system) on those its organisation holds, and, in the
    portal, reads (only) those it held before (declined, expired or moved on); a link worker decides those waiting
    in the queue and reads those they decided or follow; the service itself (scheduler, operator)
    reaches all. Casework (notes, the safeguarding flag, follow-ups) is for the provider holding an
    open referral and for a link worker while it is queued or theirs to follow. Anyone else, for any
    other right, is refused, and the caller is told the referral does not exist."""
    if actor.kind in (ActorKind.SCHEDULER, ActorKind.OPERATOR):
        return True
    if actor.is_gp_system:
        return right in (Right.READ, Right.REFER) and scope.sent_by_client == actor.client_pk
    provider = actor.provider_organisation
    if provider is not None:
        holds = scope.owner_organisation_id == provider
        if right is Right.READ:
            # what it held before is read in the portal only: its own system keeps to what it holds
            return holds or (provider in scope.held_before_by and actor.kind is ActorKind.PORTAL_USER)
        if right is Right.CASEWORK:
            return holds and not scope.closed and actor.kind is ActorKind.PORTAL_USER
        return right is Right.WORK and holds
    if actor.role is UserRole.LINK_WORKER:
        following = actor.user_id is not None and actor.user_id in scope.followed_by
        if right in (Right.READ, Right.CASEWORK):
            return scope.in_link_worker_queue or following
        return right is Right.DECIDE and scope.in_link_worker_queue
    return False
