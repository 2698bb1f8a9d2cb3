"""Read an Open Referral UK feed (v1 or 3.0, as live feeds vary) into a DRAFT provider directory.

The draft is our YAML format for a person to review and complete: eligibility rules are written
only where the feed states them in a form we can read (minimum and maximum age); everything the
feed cannot say (places, risk levels, clinical rules) is marked REVIEW in the file's header.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from referral_service.domain.directory import ServiceCategory
from referral_service.domain.identifiers import is_postcode, is_postcode_district

ORUK_ID_SYSTEM = "https://openreferraluk.org/id"
SNOMED = "http://snomed.info/sct"
CATEGORIES = frozenset(category.value for category in ServiceCategory)
ACCREDITATION = re.compile(r"^(?P<scheme>.+?)(?:, level (?P<level>\d))?, valid until (?P<until>\d{4}-\d{2}-\d{2})$")


@dataclass
class DraftProvider:
    organisation: dict[str, Any]
    services: list[dict[str, Any]] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


def slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70] or "service"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  (an operator-supplied feed URL)
        return json.loads(response.read())


def fetch_services(source: str) -> Iterator[dict[str, Any]]:
    """Services from a file (a Page, a list, or {"services"/"content": [...]}) or a feed URL
    (every page of /services, then each service in full from /services/{id})."""
    if source.startswith(("http://", "https://")):
        base = source.rstrip("/").removesuffix("/services")
        page = 1
        while True:
            listing = _get(f"{base}/services?page={page}&per_page=100")
            items: list[dict[str, Any]] = (
                listing.get("contents") or listing.get("content") or [] if isinstance(listing, dict) else listing or []
            )
            for item in items:
                yield _get(f"{base}/services/{item['id']}")
            if not isinstance(listing, dict) or listing.get("last_page", True) or not items:
                return
            page += 1
    document = json.loads(Path(source).read_text(encoding="utf-8"))
    if isinstance(document, dict):
        document = document.get("contents") or document.get("content") or document.get("services") or [document]
    yield from document or []


def _location(entry: dict[str, Any]) -> dict[str, Any] | None:
    location = entry.get("location") or entry
    addresses = location.get("addresses") or location.get("physical_addresses") or []
    address = addresses[0] if addresses else {}
    postcode = " ".join(str(address.get("postal_code", "")).upper().split())
    if not is_postcode(postcode):
        return None
    found: dict[str, Any] = {"name": location.get("name") or address.get("address_1") or "Location"}
    if address.get("address_1"):
        found["address"] = address["address_1"]
    if address.get("city"):
        found["town"] = address["city"]
    found["postcode"] = postcode
    return found


def _ages(service: dict[str, Any]) -> tuple[int | None, int | None]:
    low, high = service.get("minimum_age"), service.get("maximum_age")
    for eligibility in service.get("eligibilitys") or service.get("eligibilities") or []:  # ORUK v1
        low = eligibility.get("minimum_age", low)
        high = eligibility.get("maximum_age", high)
    return (int(low) if isinstance(low, int | float) else None, int(high) if isinstance(high, int | float) else None)


def _terms(service: dict[str, Any]) -> list[dict[str, Any]]:
    terms = [a.get("taxonomy_term") or {} for a in service.get("attributes") or []]
    terms += [t.get("taxonomy") or t for t in service.get("service_taxonomys") or []]  # ORUK v1
    return terms


def draft_service(service: dict[str, Any], taken: set[str], review: list[str]) -> dict[str, Any]:
    name = str(service.get("name") or "Unnamed service")
    terms = _terms(service)
    category = next((t.get("code") for t in terms if t.get("code") in CATEGORIES), None)
    pathway = next((t.get("code") for t in terms if t.get("taxonomy") == "SNOMED CT" and t.get("code")), None)
    areas = {str(area.get("name", "")).strip().upper() for area in service.get("service_areas") or []}
    districts = sorted(area for area in areas if is_postcode_district(area))
    locations = [found for entry in service.get("service_at_locations") or [] if (found := _location(entry))]
    intakes = sorted(
        {
            str(s.get("dtstart"))[:10]
            for s in service.get("schedules") or service.get("regular_schedules") or []
            if s.get("dtstart")
        }
    )
    low, high = _ages(service)
    description = str(service.get("description") or "").split("\n\nWho can be referred:")[0].strip()
    identifier = f"{slug(name, taken)}"
    problems = []
    if pathway is None:
        problems.append("pathway (the SNOMED CT referral code it answers)")
    if category is None:
        problems.append("category")
    if not districts:
        problems.append("catchment postcode districts")
    if not locations:
        problems.append("a location with a UK postcode")
    problems.append("capacity places (the feed does not publish them)")
    problems.append("eligibility rules beyond age, exclusions and risk levels (none are read from the feed)")
    review.append(f"service {identifier} ({service.get('id')}): " + "; ".join(problems))
    age = {key: value for key, value in (("min", low), ("max", high)) if value is not None} or {"min": 0}
    draft: dict[str, Any] = {
        "id": identifier,
        "name": name,
        **({"description": description} if description else {}),
        "pathway": f"{SNOMED}|{pathway}" if pathway else "REVIEW",  # not system|code: check refuses it
        "category": category or "other",
        "programme": {
            "weeks": int(next((s.get("count") for s in service.get("schedules") or [] if s.get("count")), 12)),
            "sessions": 1,
        },
        "locations": locations or [{"name": "REVIEW", "postcode": "REVIEW"}],
        "catchment": {"postcode_districts": districts or ["REVIEW"]},
        "capacity": {"model": "cohort", "places": 0, "waitlist": True, "intakes": intakes}
        if intakes
        else {"model": "rolling", "places": 0, "waitlist": True},
        "offer_response_days": 5,
        "eligibility": {"all": [{"age": age}], "risk_levels": ["low"]},
    }
    return draft


def draft_directory(services: Iterator[dict[str, Any]]) -> list[DraftProvider]:
    providers: dict[str, DraftProvider] = {}
    organisation_slugs: set[str] = set()
    service_slugs: set[str] = set()
    for service in services:
        org = service.get("organization") or (service.get("organizations") or [{}])[0] or {}
        key = str(org.get("id") or service.get("organization_id") or org.get("name") or "unknown")
        if key not in providers:
            identifiers = [
                {"system": str(i.get("identifier_scheme") or ORUK_ID_SYSTEM), "value": str(i.get("identifier"))}
                for i in org.get("organization_identifiers") or []
                if i.get("identifier")
            ] + [{"system": ORUK_ID_SYSTEM, "value": key}]
            contact = {"email": org.get("email") or service.get("email") or "review@example.org"}
            if org.get("website"):
                contact["website"] = org["website"]
            providers[key] = DraftProvider(
                organisation={
                    "id": slug(str(org.get("name") or key), organisation_slugs),
                    "name": str(org.get("name") or key),
                    **({"description": org["description"]} if org.get("description") else {}),
                    "identifiers": identifiers,
                    "contact": contact,
                    "accreditation": _accreditations(service),
                }
            )
        draft = providers[key]
        draft.services.append(draft_service(service, service_slugs, draft.review))
    return list(providers.values())


def _accreditations(service: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for part in str(service.get("accreditations") or "").split("; "):
        match = ACCREDITATION.match(part.strip())
        if match:
            entry: dict[str, Any] = {"scheme": match["scheme"], "valid_until": date.fromisoformat(match["until"])}
            if match["level"]:
                entry["level"] = int(match["level"])
            found.append(entry)
    return found or [{"scheme": "REVIEW: who accredits this provider?", "valid_until": date(2000, 1, 1)}]


def write_drafts(providers: list[DraftProvider], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for provider in providers:
        path = folder / f"{provider.organisation['id']}.yaml"
        header = ["# DRAFT imported from an Open Referral UK feed: review before loading.", "# REVIEW:"]
        header += [f"#   {line}" for line in provider.review]
        body = yaml.safe_dump(
            {"organisation": provider.organisation, "services": provider.services}, sort_keys=False, allow_unicode=True
        )
        path.write_text("\n".join(header) + "\n" + body, encoding="utf-8")
        written.append(path)
    return written
