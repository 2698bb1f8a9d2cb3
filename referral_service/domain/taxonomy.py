"""The taxonomies a service is filed under, and the stable ids of its terms.

Every service answers two terms: its category (our own code system) and its pathway (a SNOMED
CT procedure, usually). Term ids are UUIDs derived from the term itself, so they survive every
reload of the directory; the Open Referral UK feed publishes them and the directory search
filters on them.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1c2f4e-9d0a-4c8e-8b3a-1f2e3d4c5b6a")  # ours; fixes the derived ids for good
CATEGORY_TAXONOMY = "https://referral-service.example.org/fhir/CodeSystem/service-categories"
SNOMED = "http://snomed.info/sct"


def stable_id(*parts: str) -> str:
    """The same parts always give the same UUID."""
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def category_term_id(category: str) -> str:
    return stable_id("category", category)


def pathway_term_id(system: str, code: str) -> str:
    return stable_id("pathway", system, code)


def pathway_taxonomy(system: str) -> str:
    """How the pathway's code system is named as a taxonomy: "SNOMED CT", else the system itself."""
    return "SNOMED CT" if system == SNOMED else system


def term_ids(category: str, pathway_system: str, pathway_code: str) -> frozenset[str]:
    return frozenset({category_term_id(category), pathway_term_id(pathway_system, pathway_code)})


def taxonomies(pathway_system: str) -> frozenset[str]:
    return frozenset({CATEGORY_TAXONOMY, pathway_taxonomy(pathway_system)})
