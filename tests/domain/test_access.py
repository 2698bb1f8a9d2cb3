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
        (PROVIDER_USER_3, SENT_BY_GP_7_HELD_BY_PROVIDER_3, {Right.READ, Right.WORK, Right.CASEWORK}),
        (PROVIDER_USER_4, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set()),
        (LINK_WORKER, SENT_BY_GP_7_HELD_BY_PROVIDER_3, set()),
        (LINK_WORKER, QUEUED_FROM_GP_7, {Right.READ, Right.DECIDE, Right.CASEWORK}),
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


# Provider 3 held it before (declined it, or its offer expired); provider 4 holds it now.
MOVED_FROM_3_TO_4 = ReferralScope(
    sent_by_client=7, owner_organisation_id=4, in_link_worker_queue=False, held_before_by=frozenset({3})
)
# Provider 3 finished it (completed, dropped out, cancelled): it still owns the Task.
FINISHED_WITH_3 = ReferralScope(sent_by_client=7, owner_organisation_id=3, in_link_worker_queue=False, closed=True)
# Provider 3 declined it and no service could take it: back in the link-worker queue.
DECLINED_BY_3_NOW_QUEUED = ReferralScope(
    sent_by_client=7, owner_organisation_id=None, in_link_worker_queue=True, held_before_by=frozenset({3})
)
# Link worker 3 placed it with provider 4; it is no longer in the queue.
PLACED_BY_LINK_WORKER_3 = ReferralScope(
    sent_by_client=7, owner_organisation_id=4, in_link_worker_queue=False, followed_by=frozenset({3})
)
CLOSED_BY_LINK_WORKER_3 = ReferralScope(
    sent_by_client=7, owner_organisation_id=None, in_link_worker_queue=False, followed_by=frozenset({3}), closed=True
)
OTHER_LINK_WORKER = Actor.portal_user(6, UserRole.LINK_WORKER, None)


@pytest.mark.parametrize(
    ("actor", "scope", "allowed"),
    [
        # what a provider held stays readable to it, and only readable
        (PROVIDER_USER_3, MOVED_FROM_3_TO_4, {Right.READ}),
        # in the portal only: the provider's own system keeps to what it holds now
        (PROVIDER_SYSTEM_3, MOVED_FROM_3_TO_4, set()),
        (PROVIDER_USER_4, MOVED_FROM_3_TO_4, {Right.READ, Right.WORK, Right.CASEWORK}),
        (PROVIDER_USER_3, DECLINED_BY_3_NOW_QUEUED, {Right.READ}),
        (PROVIDER_USER_4, DECLINED_BY_3_NOW_QUEUED, set()),
        # a finished referral: the holder reads it; no more casework
        (PROVIDER_USER_3, FINISHED_WITH_3, {Right.READ, Right.WORK}),
        (PROVIDER_USER_4, FINISHED_WITH_3, set()),
        # a link worker keeps the people they placed or closed, and no one else's
        (LINK_WORKER, PLACED_BY_LINK_WORKER_3, {Right.READ, Right.CASEWORK}),
        (LINK_WORKER, CLOSED_BY_LINK_WORKER_3, {Right.READ, Right.CASEWORK}),
        (OTHER_LINK_WORKER, PLACED_BY_LINK_WORKER_3, set()),
        (LINK_WORKER, MOVED_FROM_3_TO_4, set()),
        # holding before, or being followed, widens nothing for anyone else
        (GP_8, MOVED_FROM_3_TO_4, set()),
        (COMMISSIONER, PLACED_BY_LINK_WORKER_3, set()),
        (ADMIN, MOVED_FROM_3_TO_4, set()),
        (GP_7, PLACED_BY_LINK_WORKER_3, {Right.READ, Right.REFER}),
    ],
)
def test_what_was_held_or_decided_stays_readable_and_nothing_more(
    actor: Actor, scope: ReferralScope, allowed: set[Right]
) -> None:
    assert {right for right in Right if may_reach(actor, scope, right)} == allowed


def test_a_user_id_in_followed_by_means_nothing_to_a_provider() -> None:
    """Provider user 1 shares an id with nobody's follow list; a follow list never opens a provider's door."""
    followed = ReferralScope(
        sent_by_client=7, owner_organisation_id=4, in_link_worker_queue=False, followed_by=frozenset({1})
    )
    assert not any(may_reach(PROVIDER_USER_3, followed, right) for right in Right)
