"""The directory key `self_referral: true`: read from the provider files, stored by `providers load`
(`services.self_referral`), and what the public form offers. (ORUK 3.0 has no field for it: its
profile removes HSDS's `application_process`.)"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from marshmallow import ValidationError

from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory_entries import ServiceSchema
from referral_service.services.directory import load_directory
from referral_service.services.self_referral import choices
from tests.fixtures.directory import DEMO_DIRECTORY

TAKING_SELF_REFERRAL = {
    "tmw-health-walks",
    "tmw-nordic-walking-course",
    "gn-befriending",
    "gn-telephone-befriending",
    "smha-debt-housing-advice",
    "mvl-exercise-referral",
}


def test_the_demo_files_say_which_services_take_self_referral(demo_providers: tuple[ProviderDefinition, ...]) -> None:
    said = {service.slug for provider in demo_providers for service in provider.services if service.self_referral}
    assert said == TAKING_SELF_REFERRAL
    assert "self_referral: true" in (Path(DEMO_DIRECTORY) / "tame-mersey-health-walks.yaml").read_text()


def test_the_key_is_a_true_or_false() -> None:
    """YAML's `yes` and quoted strings are not read as a yes: only true or false."""
    with pytest.raises(ValidationError) as refused:
        ServiceSchema(only=("self_referral",), partial=True).load({"self_referral": "yes"})
    assert "self_referral" in refused.value.messages


def test_providers_load_stores_it_and_a_change_is_an_update(
    uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    with uow:
        load_directory(uow, demo_providers, complete=True)
        offered = {s.slug for s in choices(uow).services}
    assert offered == TAKING_SELF_REFERRAL
    walks = next(p for p in demo_providers if p.slug == "tame-mersey-health-walks")
    changed = replace(walks, services=tuple(replace(s, self_referral=False) for s in walks.services))
    others = tuple(p for p in demo_providers if p.slug != walks.slug)
    with uow:
        summary = load_directory(uow, (*others, changed), complete=True)
        offered = {s.slug for s in choices(uow).services}
    assert summary.services_updated == 2  # only the two walking services changed
    assert offered == TAKING_SELF_REFERRAL - {"tmw-health-walks", "tmw-nordic-walking-course"}
