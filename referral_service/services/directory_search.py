"""One search over the published directory, whichever API asks (FHIR HealthcareService, Open Referral UK).

Each adapter turns its own query parameters into a `DirectorySearch`; this module answers it.
What the service rows say (id, provider, category, accreditation, where its places are) is
filtered in SQL; what is only known once a service is published (its age range from the
eligibility rules, its last change across capacity pools and provider, the free text over
several fields) is checked by `matches`. Only listed services are ever searched, and no
patient data is involved.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from referral_service.domain.directory import ServiceCategory
from referral_service.domain.taxonomy import taxonomies, term_ids
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.publication import PublishedService, publish


class Compare(StrEnum):
    """How a service's last change is compared with a moment (the FHIR date prefixes)."""

    AFTER = "gt"
    FROM = "ge"
    BEFORE = "lt"
    UNTIL = "le"


COMPARISONS: dict[Compare, Callable[[datetime, datetime], bool]] = {
    Compare.AFTER: operator.gt,
    Compare.FROM: operator.ge,
    Compare.BEFORE: operator.lt,
    Compare.UNTIL: operator.le,
}


@dataclass(frozen=True)
class DirectorySearch:
    """What may be asked of the directory; every field left as None (or empty) matches everything."""

    ids: frozenset[str] | None = None  # public service ids
    active: bool | None = None  # True: the provider is accredited today (the only kind ORUK shows)
    category: str | None = None  # a ServiceCategory value
    organisation_id: str | None = None  # the provider's public id
    postcode: str | None = None  # a district ("SK1") or a whole postcode ("SK1 3TA") of one of its places
    text: str | None = None  # in the name, description or provider's name, any case
    taxonomy_term_id: str | None = None  # one of its terms (domain.taxonomy.term_ids)
    taxonomy_id: str | None = None  # one of its taxonomies (domain.taxonomy.taxonomies)
    age_from: int | None = None  # the people asked about are at least this old: the service must take them
    age_to: int | None = None  # ... and at most this old
    updated: tuple[tuple[Compare, datetime], ...] = ()  # every comparison must hold for its last change
    page: int = 1
    per_page: int | None = None  # None: all on one page


@dataclass(frozen=True)
class DirectoryPage:
    services: list[PublishedService]  # this page's, ordered by slug
    total: int  # matches over all pages


def search_directory(uow: UnitOfWork, search: DirectorySearch, *, today: date) -> DirectoryPage:
    """The listed services matching every part of `search`, one page of them, and how many match in all."""
    category = _category(search.category)
    if search.category is not None and category is None:
        return DirectoryPage([], 0)  # not a category of ours: nothing is filed under it
    rows = uow.directory.find_services(
        on=today,
        public_ids=search.ids,
        organisation_public_id=search.organisation_id,
        category=category,
        active=search.active,
        postcode=search.postcode,
    )
    found = [service for service in (publish(uow, row, today) for row in rows) if matches(service, search)]
    if search.per_page is None:
        return DirectoryPage(found, len(found))
    start = (search.page - 1) * search.per_page
    return DirectoryPage(found[start : start + search.per_page], len(found))


def matches(service: PublishedService, search: DirectorySearch) -> bool:
    """The parts of a search that only a published service can answer (SQL has done the rest)."""
    text = (search.text or "").strip().lower()
    if text and text not in f"{service.name} {service.description or ''} {service.organisation.name}".lower():
        return False
    terms = term_ids(service.category, service.pathway_system, service.pathway_code)
    if search.taxonomy_term_id and search.taxonomy_term_id not in terms:
        return False
    if search.taxonomy_id and search.taxonomy_id not in taxonomies(service.pathway_system):
        return False
    if search.age_from is not None and service.maximum_age is not None and service.maximum_age < search.age_from:
        return False
    if search.age_to is not None and service.minimum_age is not None and service.minimum_age > search.age_to:
        return False
    return all(COMPARISONS[compare](service.updated_at, moment) for compare, moment in search.updated)


def _category(value: str | None) -> ServiceCategory | None:
    try:
        return None if value is None else ServiceCategory(value)
    except ValueError:
        return None
