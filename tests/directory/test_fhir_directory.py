"""The directory over FHIR: HealthcareService says what is true today, capacity included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from referral_service.fhir.resources import parse
from tests.fixtures.fhir import headers

CAPACITY = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ExtensionHealthcareServiceCapacityStatus"
)


def services(client: FlaskClient, token: str, query: str = "") -> list[dict[str, Any]]:
    bundle = client.get(f"/fhir/HealthcareService{query}", headers=headers(token)).get_json()
    parse(bundle)
    return [entry["resource"] for entry in bundle.get("entry", [])]


def by_name(found: list[dict[str, Any]], fragment: str) -> dict[str, Any]:
    return next(s for s in found if fragment in s["name"])


def capacity_of(service: dict[str, Any]) -> tuple[str, str]:
    [extension] = [e for e in service["extension"] if e["url"] == CAPACITY]
    values = {sub["url"]: sub for sub in extension["extension"]}
    return values["capacityStatus"]["valueCodeableConcept"]["coding"][0]["code"], values["capacityNotes"]["valueString"]


@pytest.mark.usefixtures("directory")
def test_every_service_is_valid_r4_and_a_lapsed_provider_is_inactive(client: FlaskClient, gp_token: str) -> None:
    found = services(client, gp_token)
    assert len(found) == 13
    for service in found:
        parse(service)
    assert [s["name"] for s in found if not s["active"]] == ["12-week exercise referral programme (Hazel Grove)"]
    exercise = by_name(found, "(SK1-SK5)")
    assert exercise["type"][0]["coding"][0]["code"] == "390893007"
    assert exercise["eligibility"][0]["code"]["text"] == "aged 16+"
    assert "Resting BP 180/100 or above" in exercise["extraDetails"]
    assert exercise["program"] == [{"text": "12 weeks, 24 sessions"}]
    assert capacity_of(exercise) == ("capacity", "40 places free now")


@pytest.mark.usefixtures("directory")
def test_capacity_follows_the_places(
    client: FlaskClient, gp_token: str, set_places: Callable[[str, int], None]
) -> None:
    set_places("mvl-exercise-referral", 0)
    set_places("tmw-health-walks", 0)
    found = services(client, gp_token)
    assert capacity_of(by_name(found, "(SK1-SK5)")) == ("waitlist", "full; 0 on the waiting list")
    assert capacity_of(by_name(found, "health walks"))[0] == "no-capacity"
    set_places("mvl-exercise-referral", 3)
    assert capacity_of(by_name(services(client, gp_token), "(SK1-SK5)")) == ("capacity", "3 places free now")


@pytest.mark.usefixtures("directory")
def test_searches(client: FlaskClient, gp_token: str) -> None:
    everything = services(client, gp_token)
    exercise = by_name(everything, "(SK1-SK5)")
    category = "https://referral-service.example.org/fhir/CodeSystem/service-categories|cardiac-rehab"
    cardiac = services(client, gp_token, f"?service-category={category}")
    assert [s["name"] for s in cardiac] == ["Cardiac rehabilitation phase IV exercise classes"]
    assert [s["name"] for s in services(client, gp_token, "?active=false")] == [
        "12-week exercise referral programme (Hazel Grove)"
    ]
    organisation = exercise["providedBy"]["reference"]
    assert {s["id"] for s in services(client, gp_token, f"?organization={organisation}")} == {exercise["id"]}
    sk1 = {s["name"] for s in services(client, gp_token, "?location.address-postalcode=SK1")}
    assert "12-week exercise referral programme (SK1-SK5)" in sk1  # Riverside Pools, SK1 3TA
    assert "12-week exercise referral programme (Hazel Grove)" not in sk1  # SK7 only: SK1 is a district, not a prefix
    assert services(client, gp_token, "?location.address-postalcode=SK1 3TA")[0]["name"] in sk1
    assert services(client, gp_token, f"?_id={exercise['id']}")[0]["id"] == exercise["id"]
    assert services(client, gp_token, "?_lastUpdated=gt2999-01-01T00:00:00Z") == []


@pytest.mark.usefixtures("directory")
def test_organization_and_location_reads(client: FlaskClient, gp_token: str) -> None:
    exercise = by_name(services(client, gp_token), "(SK1-SK5)")
    organisation = client.get(f"/fhir/{exercise['providedBy']['reference']}", headers=headers(gp_token)).get_json()
    location = client.get(f"/fhir/{exercise['location'][0]['reference']}", headers=headers(gp_token)).get_json()
    parse(organisation)
    parse(location)
    assert organisation["name"] == "Mersey Vale Leisure Trust"
    assert {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "XMV01"} in organisation["identifier"]
    assert location["address"]["postalCode"] == "SK1 3TA"
    assert client.get("/fhir/Organization/nope", headers=headers(gp_token)).status_code == 404


def test_the_directory_needs_a_token(client: FlaskClient) -> None:
    assert client.get("/fhir/HealthcareService").status_code == 401
