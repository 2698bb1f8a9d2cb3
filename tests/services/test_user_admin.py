"""The user-administration use cases, as every door calls them: administrators only, checked roles
and providers, every change audited, sessions ended where reach changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from referral_service.domain.access import Actor, UserRole
from referral_service.persistence.models import AuditEvent
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Conflict, Forbidden, Invalid
from referral_service.services.passwords import password_hasher
from referral_service.services.sessions import SignInOutcome, session_user, sign_in
from referral_service.services.user_admin import (
    change_user,
    invite_user,
    list_users,
    set_user_active,
    sign_in_history,
)
from tests.fixtures.portal import PASSWORD, People
from tests.fixtures.referrals import NOW

HASHER = password_hasher("fast")


def _actor(uow: UnitOfWork, email: str) -> Actor:
    with uow:
        user = uow.access.portal_user_by_email(email)
        assert user is not None
        return Actor.portal_user(user.id, user.role, user.organisation_id)


@pytest.mark.parametrize("who", ["provider", "link_worker", "commissioner"])
def test_only_an_administrator_may_manage_users(uow: UnitOfWork, people: People, who: str) -> None:
    actor, target = _actor(uow, getattr(people, who)), _actor(uow, people.other_provider).user_id
    assert target is not None
    with uow, pytest.raises(Forbidden):
        list_users(uow, actor=actor)
    with uow, pytest.raises(Forbidden):
        sign_in_history(uow, target, actor=actor)
    with uow, pytest.raises(Forbidden):
        change_user(uow, target, role=UserRole.ADMIN, provider_slug=None, actor=actor, now=NOW)
    with uow, pytest.raises(Forbidden):
        set_user_active(uow, target, active=False, actor=actor, now=NOW)
    with uow, pytest.raises(Forbidden):
        invite_user(
            uow, email="x@example.org", display_name="X", role=UserRole.ADMIN, provider_slug=None,
            hasher=HASHER, actor=actor, now=NOW,
        )  # fmt: skip


def test_roles_and_providers_must_agree(uow: UnitOfWork, people: People) -> None:
    admin, target = _actor(uow, people.admin), _actor(uow, people.link_worker).user_id
    assert target is not None
    for role, slug in (
        (UserRole.PROVIDER, None),
        (UserRole.PROVIDER, "no-such-provider"),
        (UserRole.ADMIN, "goyt-valley-active"),
    ):
        with uow, pytest.raises(Invalid) as refused:
            change_user(uow, target, role=role, provider_slug=slug, actor=admin, now=NOW)
        assert refused.value.where == "organisation"
    with uow, pytest.raises(Invalid):
        change_user(uow, admin.user_id or 0, role=UserRole.COMMISSIONER, provider_slug=None, actor=admin, now=NOW)
    with uow:
        assert change_user(
            uow, target, role=UserRole.PROVIDER, provider_slug="goyt-valley-active", actor=admin, now=NOW
        )
        assert not change_user(
            uow, target, role=UserRole.PROVIDER, provider_slug="goyt-valley-active", actor=admin, now=NOW
        )
        row = next(r for r in list_users(uow, actor=admin) if r.id == target)
    assert (row.role, row.organisation) == (UserRole.PROVIDER, "Goyt Valley Active Ltd")


def test_deactivation_ends_sessions_and_every_change_is_audited(uow: UnitOfWork, people: People) -> None:
    admin, target = _actor(uow, people.admin), _actor(uow, people.provider).user_id
    assert target is not None
    with uow:
        opened = sign_in(uow, people.provider, PASSWORD, hasher=HASHER, now=NOW)
    assert opened.outcome is SignInOutcome.SIGNED_IN and opened.token
    later = NOW + timedelta(minutes=5)
    with uow:
        assert set_user_active(uow, target, active=False, actor=admin, now=later) == 1
    with uow:
        assert session_user(uow, opened.token, now=later) is None
        assert sign_in(uow, people.provider, PASSWORD, hasher=HASHER, now=later).outcome is SignInOutcome.REFUSED
    with uow:
        set_user_active(uow, target, active=True, actor=admin, now=later)
        invited = invite_user(
            uow, email="New@Example.org", display_name="New", role=UserRole.COMMISSIONER, provider_slug=None,
            hasher=HASHER, actor=admin, now=later,
        )  # fmt: skip
    with uow, pytest.raises(Conflict):
        invite_user(
            uow, email="new@example.org", display_name="New", role=UserRole.COMMISSIONER, provider_slug=None,
            hasher=HASHER, actor=admin, now=later,
        )  # fmt: skip
    with uow:
        history = sign_in_history(uow, target, actor=admin)
        audit = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        newcomer = uow.access.portal_user(invited)
        assert newcomer is not None and not newcomer.is_active
    assert [(line.succeeded, line.reason) for line in history] == [(False, "Account deactivated"), (True, None)]
    assert [(a.action, a.actor_id, a.resource_id) for a in audit] == [
        ("deactivate-user", admin.id, str(target)),
        ("reactivate-user", admin.id, str(target)),
        ("invite-user", admin.id, str(invited)),
    ]
