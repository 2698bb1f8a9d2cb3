"""The public Open Referral UK feed: the ORUK 3.0 shapes, filters, live status, and nothing private."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.directory import load_directory
from tests.directory import oruk_schema
from tests.fixtures.fhir import headers, plain_referral

pytestmark = pytest.mark.usefixtures("directory")


def page(client: FlaskClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/oruk/services{query}")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body: dict[str, Any] = response.get_json()
    assert oruk_schema.problems_in_page(body) == []
    return body


def all_services(client: FlaskClient) -> list[dict[str, Any]]:
    return [client.get(f"/oruk/services/{item['id']}").get_json() for item in page(client, "?per_page=100")["contents"]]


def test_the_root_and_openapi_document(client: FlaskClient) -> None:
    root = client.get("/oruk/").get_json()
    assert oruk_schema.problems_in_root(root) == []
    openapi = client.get(root["openapi_url"].removeprefix("http://localhost")).get_json()
    supported = ("search", "page", "per_page", "taxonomy_term_id", "taxonomy_id", "minimum_age", "maximum_age")
    assert oruk_schema.problems_in_openapi(openapi, required_parameters=supported) == []
    # the profile's schedule filters (day, start_time, end_time) are not offered: services here have
    # intake dates, not opening hours
    assert {p["name"] for p in openapi["paths"]["/services"]["get"]["parameters"]} >= {*supported, "modified_after"}


def test_services_are_paginated_and_fully_nested(client: FlaskClient) -> None:
    first = page(client, "?per_page=5")
    assert (first["total_items"], first["total_pages"], first["size"], first["first_page"]) == (12, 3, 5, True)
    last = page(client, "?per_page=5&page=3")
    assert (last["size"], last["last_page"]) == (2, True)
    for service in all_services(client):
        assert oruk_schema.problems_in_service(service) == [], service["name"]
    exercise = next(s for s in all_services(client) if s["name"].endswith("(SK1-SK5)"))
    assert exercise["minimum_age"] == 16
    assert exercise["organization"]["name"] == "Mersey Vale Leisure Trust"
    assert exercise["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "SK1 3TA"


def test_a_lapsed_accreditation_is_not_in_the_feed(client: FlaskClient, gp_token: str) -> None:
    names = {item["name"] for item in page(client, "?per_page=100")["contents"]}
    assert "12-week exercise referral programme (Hazel Grove)" not in names
    bundle = client.get("/fhir/HealthcareService?active=false", headers=headers(gp_token)).get_json()
    lapsed_id = bundle["entry"][0]["resource"]["id"]
    assert client.get(f"/oruk/services/{lapsed_id}").status_code == 404


def test_filters(client: FlaskClient) -> None:
    assert {s["name"] for s in page(client, "?search=befriending")["contents"]} == {
        "Face-to-face befriending",
        "Telephone befriending",
    }
    befriending = client.get(f"/oruk/services/{page(client, '?text=telephone')['contents'][0]['id']}").get_json()
    term = next(
        a["taxonomy_term"]["id"] for a in befriending["attributes"] if a["taxonomy_term"]["code"] == "social-connection"
    )
    assert len(page(client, f"?taxonomy_term_id={term}")["contents"]) == 2
    assert page(client, "?modified_after=2999-01-01T00:00:00Z")["empty"] is True
    assert len(page(client, "?taxonomy_id=SNOMED CT&per_page=100")["contents"]) == 12
    falls = {s["name"] for s in page(client, "?maximum_age=40&per_page=100")["contents"]}
    assert "Strength and balance classes (group, 24 weeks)" not in falls  # 65 and over
    assert "Face-to-face befriending" in falls
    assert client.get("/oruk/services?per_page=1000").status_code == 400


def test_capacity_shows_only_as_status_and_alert(client: FlaskClient, set_places: Callable[[str, int], None]) -> None:
    set_places("tmw-health-walks", 0)
    set_places("mvl-exercise-referral", 0)
    statuses = {s["name"]: (s["status"], s.get("alert")) for s in page(client, "?per_page=100")["contents"]}
    assert statuses["Led health walks (drop-in groups)"] == (
        "temporarily closed",
        "No places at present (full; no waiting list).",
    )
    assert statuses["12-week exercise referral programme (SK1-SK5)"] == (
        "active",
        "Waiting list: full; 0 on the waiting list.",
    )
    set_places("tmw-health-walks", 60)
    assert page(client, "?text=health walks")["contents"][0]["status"] == "active"


def test_ids_are_stable_across_reloads(
    client: FlaskClient, uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    before = json.dumps(all_services(client), sort_keys=True)
    with uow:
        load_directory(uow, demo_providers, complete=True)
    after = json.dumps(all_services(client), sort_keys=True)
    assert before == after


def test_no_patient_data_ever(client: FlaskClient, gp_token: str) -> None:
    referral = plain_referral()
    referral["contained"][0]["name"] = [{"family": "Zebedee-Quixote", "given": ["Xanthe"]}]
    assert client.post("/fhir/ServiceRequest", data=json.dumps(referral), headers=headers(gp_token)).status_code == 201
    feed = json.dumps([page(client, "?per_page=100"), all_services(client), client.get("/oruk/").get_json()])
    for private in ("Zebedee", "Xanthe", "9000000009"):
        assert private not in feed
