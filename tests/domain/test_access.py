"""The one rule for reaching a referral, for every kind of caller and every right."""

from __future__ import annotations

import pytest

from referral_service.domain.access import (
    SCHEDULER,
    Actor,
    ActorKind,
    ApiClientKind,
    ReferralScope,
    Right,
    UserRole,
    may_reach,
)

SENT_BY_GP_7_HELD_BY_PROVIDER_3 = ReferralScope(sent_by_client=7, owner_organisation_id=3, in_link_worker_queue=False)
QUEUED_FROM_GP_7 = ReferralScope(sent_by_client=7, owner_organisation_id=None, in_link_worker_queue=True)

GP_7 = Actor.api_client(7, "gp-7", ApiClientKind.GP_SYSTEM, None, frozenset({"P88001"}))
GP_8 = Actor.api_client(8, "gp-8", ApiClientKind.GP_SYSTEM, None, frozenset({"P88001"}))
PROVIDER_SYSTEM_3 = Actor.api_client(9, "provider-3", ApiClientKind.PROVIDER_SYSTEM, 3, frozenset())
PROVIDER_SYSTEM_4 = Actor.api_client(10, "provider-4", ApiClientKind.PROVIDER_SYSTEM, 4, frozenset())
PROVIDER_USER_3 = Actor.portal_user(1, UserRole.PROVIDER, 3)
PROVIDER_USER_4 = Actor.portal_user(2, UserRole.PROVIDER, 4)
LINK_WORKER = Actor.portal_user(3, UserRole.LINK_WORKER, None)
COMMISSIONER = Actor.portal_user(4, UserRole.COMMISSIONER, None)
ADMIN = Actor.portal_user(5, UserRole.ADMIN, None)
# A GP system's row id that happens to equal a provider's organisation id must not confuse the rule.
GP_3 = Actor.api_client(3, "gp-3", ApiClientKind.GP_SYSTEM, None, frozenset())


@pytest.mark.parametrize(
    ("actor", "scope", "allowed"),
    [
        (GP_7, SENT_BY_GP_7_HELD_BY_PROVIDER_3, {Right.READ, Right.REFER}),
        (GP_8, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set()),
        (GP_3, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set()),
        (PROVIDER_SYSTEM_3, SENT_BY_GP_7_HELD_BY_PROVIDER_3, {Right.READ, Right.WORK}),
        (PROVIDER_SYSTEM_4, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set()),
        (PROVIDER_USER_3, SENT_BY_GP_7_HELD_BY_PROVIDER_3, {Right.READ, Right.WORK}),
        (PROVIDER_USER_4, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set()),
        (LINK_WORKER, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set()),
        (LINK_WORKER, QUEUED_FROM_GP_7, {Right.READ, Right.DECIDE}),
        (PROVIDER_USER_3, QUEUED_FROM_GP_7, set()),
        (COMMISSIONER, QUEUED_FROM_GP_7, set()),
        (ADMIN, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set()),
        (SCHEDULER, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set(Right)),
        (Actor.operator("root"), QUEUED_FROM_GP_7, set(Right)),
    ],
)
def test_who_may_reach_a_referral_and_for_what(actor: Actor, scope: ReferralScope, allowed: set[Right]) -> None:
    assert {right for right in Right if may_reach(actor, scope, right)} == allowed


def test_a_provider_without_an_organisation_reaches_nothing() -> None:
    orphan = Actor(ActorKind.PORTAL_USER, "user:9", role=UserRole.PROVIDER, organisation_id=None)
    unowned = ReferralScope(sent_by_client=7, owner_organisation_id=None, in_link_worker_queue=False)
    assert not any(may_reach(orphan, unowned, right) for right in Right)
