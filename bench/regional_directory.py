"""A region's provider directory, generated: thousands of services across many pathways and districts.

Each demo provider file is a template; copies of it get their own ids, names, ODS-style codes and a
catchment of a few postcode districts drawn from a whole region (Greater Manchester and Cheshire),
so a referral's pathway and district match a realistic handful of services, not all of them.
The output is a directory `flask --app wsgi providers load DIR` reads (the demo's code sets copied
beside it, as the rules refer to them by relative path).

Run: .venv/bin/python bench/regional_directory.py --services 10000 --out /tmp/region
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import random
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, when run as a script

from referral_service.domain.directory import Identifier, ProviderDefinition, ServiceDefinition
from referral_service.schemas.directory import read_directory

DEMO = Path(__file__).resolve().parent.parent / "providers" / "demo"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
# Postcode districts of a region: Stockport (the demo's SK3 9HD stays inside), Manchester, Oldham,
# Bolton, Wigan, Warrington, Cheshire and Macclesfield.
AREAS = {"SK": 23, "M": 46, "OL": 16, "BL": 9, "WN": 8, "WA": 16, "CW": 12}
DISTRICTS = [f"{area}{n}" for area, count in AREAS.items() for n in range(1, count + 1)]


def _templates() -> list[dict[str, Any]]:
    """The demo's provider files, not its areas file: the generated region has no areas (one implicit area)."""
    return [yaml.safe_load(path.read_text()) for path in sorted(DEMO.glob("*.yaml")) if path.name != "areas.yaml"]


def _provider_slug(organisation_id: str, number: int) -> str:
    return f"region-{number:05d}-{organisation_id}"[:60]


def _service_slug(provider_slug: str, index: int) -> str:
    return f"{provider_slug}-{index}"[:80]


def _numbered(name: str, number: int) -> str:
    return f"{name} ({number})"


def _ods_code(number: int) -> str:
    return f"Y{number:05d}"


def _catchment(rng: random.Random) -> list[str]:
    """2 to 6 districts of the region: the count drawn first, then the districts."""
    return rng.sample(DISTRICTS, rng.randint(2, 6))


def provider(template: dict[str, Any], number: int, rng: random.Random) -> dict[str, Any]:
    """One copy of a demo provider: new ids and a catchment of 2 to 6 districts of the region."""
    document = copy.deepcopy(template)
    organisation = document["organisation"]
    slug = _provider_slug(organisation["id"], number)
    organisation["id"] = slug
    organisation["name"] = _numbered(organisation["name"], number)
    organisation["identifiers"] = [{"system": ODS_SYSTEM, "value": _ods_code(number)}]
    organisation.pop("area", None)
    for index, service in enumerate(document.get("services", [])):
        service["id"] = _service_slug(slug, index)
        service["name"] = _numbered(service["name"], number)
        service.pop("area", None)
        if service.get("catchment", {}).get("postcode_districts"):
            service["catchment"]["postcode_districts"] = _catchment(rng)
    return document


def write_region(out: Path, services: int, seed: int = 19) -> int:
    """Write provider files until `services` services exist; returns how many were written."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DEMO / "code_sets", out / "code_sets", dirs_exist_ok=True)
    rng = random.Random(seed)
    templates = _templates()
    written = number = 0
    while written < services:
        document = provider(templates[number % len(templates)], number, rng)
        document["services"] = document.get("services", [])[: services - written]
        text = yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False)  # libyaml: 5x the pure-Python dumper
        (out / f"{document['organisation']['id']}.yaml").write_text(text)
        written += len(document["services"])
        number += 1
    return written


def region_providers(services: int, seed: int = 19) -> list[ProviderDefinition]:
    """The providers `write_region` writes, made in memory: the demo's files read once and copied as
    `provider` copies them (the same ids, names, codes and catchments, drawn in the same order).
    Writing and reading back 10,000 services' files takes about a minute; this, a second. Reading a
    region's files is `providers load`'s work, timed by `bench/run.py --providers-load`."""
    rng = random.Random(seed)
    templates = list(zip(_templates(), read_directory(DEMO).providers, strict=True))
    providers: list[ProviderDefinition] = []
    written = number = 0
    while written < services:
        document, template = templates[number % len(templates)]
        slug = _provider_slug(document["organisation"]["id"], number)
        copies = tuple(
            _service_copy(service, slug, index, number, rng)
            for index, service in enumerate(template.services[: services - written])
        )
        providers.append(
            dataclasses.replace(
                template,
                slug=slug,
                name=_numbered(template.name, number),
                identifiers=(Identifier(ODS_SYSTEM, _ods_code(number)),),
                area=None,
                services=copies,
            )
        )
        written += len(copies)
        number += 1
    return providers


def _service_copy(
    service: ServiceDefinition, slug: str, index: int, number: int, rng: random.Random
) -> ServiceDefinition:
    districts = service.catchment_districts
    if districts:  # drawn as `provider` draws them, for each service with a catchment
        districts = frozenset(_catchment(rng))
    return dataclasses.replace(
        service,
        slug=_service_slug(slug, index),
        name=_numbered(service.name, number),
        area=None,
        catchment_districts=districts,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    print(f"{write_region(arguments.out, arguments.services)} services written to {arguments.out}")


if __name__ == "__main__":
    main()
