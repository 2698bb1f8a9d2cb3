"""The one directory search behind the FHIR and ORUK views, against the demo directory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from referral_service.domain.directory import postcode_district
from referral_service.domain.taxonomy import CATEGORY_TAXONOMY, category_term_id
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.directory_search import (
    Compare,
    DirectoryPage,
    DirectorySearch,
    matches,
    search_directory,
)
from referral_service.services.publication import CapacityStatus, PublishedOrganisation, PublishedService

TODAY = date(2026, 11, 26)  # Hazel Grove Health Club's accreditation has lapsed by then
pytestmark = pytest.mark.usefixtures("directory")


def run(uow: UnitOfWork, **asked: Any) -> DirectoryPage:
    with uow:
        return search_directory(uow, DirectorySearch(**asked), today=TODAY)


def slugs(uow: UnitOfWork, **asked: Any) -> list[str]:
    return [service.slug for service in run(uow, **asked).services]


def everything(uow: UnitOfWork) -> list[PublishedService]:
    return run(uow).services


def test_an_empty_search_finds_every_listed_service_in_slug_order(uow: UnitOfWork) -> None:
    found = run(uow)
    assert found.total == len(found.services) == 13
    assert [s.slug for s in found.services] == sorted(s.slug for s in found.services)


def test_active_in_sql_agrees_with_the_published_flag(uow: UnitOfWork) -> None:
    services = everything(uow)
    assert slugs(uow, active=True) == [s.slug for s in services if s.active]
    assert slugs(uow, active=False) == [s.slug for s in services if not s.active] == ["hghc-exercise-referral"]


def test_every_place_is_found_by_its_district_and_by_its_whole_postcode_however_written(uow: UnitOfWork) -> None:
    for service in everything(uow):
        for place in service.locations:
            assert service.slug in slugs(uow, postcode=postcode_district(place.postcode))
            assert service.slug in slugs(uow, postcode=place.postcode.replace(" ", "").lower())


def test_a_district_is_not_a_prefix(uow: UnitOfWork) -> None:
    sk1 = slugs(uow, postcode="SK1")
    assert "mvl-exercise-referral" in sk1  # Riverside Pools, SK1 3TA
    assert "gva-exercise-referral" not in sk1  # SK12 1RB is in SK12, not SK1
    assert "gva-exercise-referral" in slugs(uow, postcode="SK12")
    assert slugs(uow, postcode="SK1 3T") == []


def test_category_provider_and_ids(uow: UnitOfWork) -> None:
    assert slugs(uow, category="cardiac-rehab") == ["shh-cardiac-phase-iv"]
    assert slugs(uow, category="not-a-category") == []
    by_slug = {s.slug: s for s in everything(uow)}
    steady_steps = by_slug["ss-otago-home"].organisation.id
    assert slugs(uow, organisation_id=steady_steps) == ["ss-otago-home", "ss-strength-balance-group"]
    wanted = frozenset({by_slug["gn-befriending"].id, by_slug["tmw-health-walks"].id})
    assert slugs(uow, ids=wanted) == ["gn-befriending", "tmw-health-walks"]
    assert slugs(uow, ids=frozenset()) == []


def test_text_spans_name_description_and_provider_in_any_case(uow: UnitOfWork) -> None:
    assert slugs(uow, text="BEFRIENDING") == ["gn-befriending", "gn-telephone-befriending"]
    assert slugs(uow, text="steady steps") == ["ss-otago-home", "ss-strength-balance-group"]
    assert slugs(uow, text="  ") == slugs(uow)


def test_taxonomy_terms_and_taxonomies(uow: UnitOfWork) -> None:
    social = category_term_id("social-connection")
    assert slugs(uow, taxonomy_term_id=social) == ["gn-befriending", "gn-telephone-befriending"]
    assert len(slugs(uow, taxonomy_id="SNOMED CT")) == 13
    assert len(slugs(uow, taxonomy_id=CATEGORY_TAXONOMY)) == 13
    assert slugs(uow, taxonomy_id="ICD-10") == []


def test_ages_overlap_the_services_range(uow: UnitOfWork) -> None:
    under_forty = slugs(uow, age_to=40)
    assert "ss-otago-home" not in under_forty and "gn-befriending" in under_forty  # 65+ vs 18+
    assert "ss-otago-home" in slugs(uow, age_to=65)
    assert slugs(uow, age_from=100) == slugs(uow)  # nothing here has an upper age


def test_an_upper_age_limit_is_checked_too() -> None:
    service = replace(hand_made_service(), minimum_age=18, maximum_age=25)
    assert matches(service, DirectorySearch(age_from=25))
    assert not matches(service, DirectorySearch(age_from=26))
    assert matches(service, DirectorySearch(age_to=18))
    assert not matches(service, DirectorySearch(age_to=17))


def test_last_change_comparisons_all_hold(uow: UnitOfWork) -> None:
    moment = max(s.updated_at for s in everything(uow))
    assert slugs(uow, updated=((Compare.AFTER, moment),)) == []
    assert len(slugs(uow, updated=((Compare.UNTIL, moment),))) == 13
    window = ((Compare.FROM, moment - timedelta(days=1)), (Compare.BEFORE, moment - timedelta(days=1)))
    assert slugs(uow, updated=window) == []


def test_pages_cover_every_match_once_and_count_them_all(uow: UnitOfWork) -> None:
    pages = [run(uow, active=True, page=number, per_page=5) for number in (1, 2, 3, 4)]
    assert [len(p.services) for p in pages] == [5, 5, 2, 0]
    assert {p.total for p in pages} == {12}
    assert [s.slug for p in pages for s in p.services] == slugs(uow, active=True)


def hand_made_service() -> PublishedService:
    """A published service built by hand, for the checks no demo service can show."""
    changed = datetime(2026, 11, 1, tzinfo=UTC)
    organisation = PublishedOrganisation("org-1", "org", "Org", None, None, (), None, None, None, True, (), changed)
    return PublishedService(
        id="svc-1",
        slug="svc",
        name="Service",
        description=None,
        category="other",
        pathway_system="http://snomed.info/sct",
        pathway_code="871731000000106",
        programme_weeks=6,
        programme_sessions=6,
        districts=("SK1",),
        minimum_age=None,
        maximum_age=None,
        eligibility_text="",
        risk_levels=("low",),
        capacity=CapacityStatus.CAPACITY,
        capacity_notes="",
        intakes=(),
        active=True,
        organisation=organisation,
        locations=(),
        updated_at=changed,
    )
