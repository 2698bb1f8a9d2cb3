"""Versions and proposals in the service layer: what a load records, what an approval changes
(the rule, the narrowing columns, the indexed catchment), and what it refuses."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from referral_service.domain.access import Actor
from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence.models import DirectoryVersion, PortalUser, ServiceDistrict
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.directory import load_directory
from referral_service.services.directory_approvals import decide, propose, rule_editor
from referral_service.services.errors import Conflict, NotFound
from tests.fixtures.portal import People
from tests.fixtures.referrals import NOW

SERVICE = "mvl-exercise-referral"


def actor_for(uow: UnitOfWork, email: str) -> Actor:
    with uow:
        user = uow.session.scalars(select(PortalUser).where(PortalUser.email == email)).one()
        return Actor.portal_user(user.id, user.role, user.organisation_id)


def versions(uow: UnitOfWork) -> int:
    with uow:
        return uow.session.scalar(select(func.count()).select_from(DirectoryVersion)) or 0


def proposed(uow: UnitOfWork, provider: Actor, old: str, new: str, catchment: str | None = None) -> str:
    with uow:
        editor = rule_editor(uow, provider, SERVICE)
        return propose(
            uow,
            provider,
            SERVICE,
            rule_text=editor.rule_text.replace(old, new),
            catchment=catchment or editor.catchment_text,
            waitlist=editor.waitlist,
            now=NOW,
        ).public_id


def test_a_load_versions_each_organisation_it_changes_and_a_reload_none(
    uow: UnitOfWork, directory: None, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    assert versions(uow) == len(demo_providers)
    with uow:
        load_directory(uow, demo_providers, complete=True)
    assert versions(uow) == len(demo_providers)
    with uow:
        [version] = [
            v
            for v in uow.session.scalars(select(DirectoryVersion))
            if v.snapshot["organisation"]["id"] == "mersey-vale-leisure"  # type: ignore[index]
        ]
        assert version.made_by_name == "the directory files"
        assert any(s["id"] == SERVICE for s in version.snapshot["services"])  # type: ignore[union-attr]


def test_an_approval_moves_the_rule_the_age_limits_and_the_indexed_catchment(uow: UnitOfWork, people: People) -> None:
    provider, commissioner = actor_for(uow, people.provider), actor_for(uow, people.commissioner)
    proposal_id = proposed(uow, provider, "age: {min: 16}", "age: {min: 18, max: 74}", catchment="SK1 SK9")
    with uow:
        decide(uow, commissioner, proposal_id, approve=True, reason=None, now=NOW)
    with uow:
        service = uow.directory.service_by_slug(SERVICE)
        assert service is not None
        assert (service.min_age, service.max_age) == (18, 74)
        assert service.catchment_districts == ["SK1", "SK9"]
        districts = set(
            uow.session.scalars(select(ServiceDistrict.district).where(ServiceDistrict.service_id == service.id))
        )
        assert districts == {"SK1", "SK9"}


def test_a_listing_changed_under_a_proposal_cannot_be_approved(
    uow: UnitOfWork, people: People, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    provider, admin = actor_for(uow, people.provider), actor_for(uow, people.admin)
    proposal_id = proposed(uow, provider, "age: {min: 16}", "age: {min: 18}")
    mersey = next(p for p in demo_providers if p.slug == "mersey-vale-leisure")
    services = tuple(
        replace(s, catchment_districts=s.catchment_districts | {"SK6"}) if s.slug == SERVICE else s
        for s in mersey.services
    )
    with uow:
        load_directory(uow, [replace(mersey, services=services)], complete=False)

    with uow, pytest.raises(Conflict, match="changed since"):
        decide(uow, admin, proposal_id, approve=True, reason=None, now=NOW)


def test_only_the_deciders_see_a_proposal_and_one_waits_at_a_time(uow: UnitOfWork, people: People) -> None:
    provider = actor_for(uow, people.provider)
    proposal_id = proposed(uow, provider, "age: {min: 16}", "age: {min: 18}")
    for someone in (people.provider, people.other_provider, people.link_worker):
        caller = actor_for(uow, someone)
        with uow, pytest.raises(NotFound):
            decide(uow, caller, proposal_id, approve=True, reason=None, now=NOW)
    with pytest.raises(Conflict, match="already waiting"):
        proposed(uow, provider, "age: {min: 16}", "age: {min: 17}")
