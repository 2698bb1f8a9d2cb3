"""Issue 15's examples of hostile input, one row each: request -> expected status, never a 5xx.

The classes behind them (partial dates, non-string resourceTypes, extreme instants, Unicode
digits, JSON Patch shapes, lone surrogates, values longer than their column, relative focus
references, identifiers that could never be found again, unsafe echoed headers) are fuzzed in
tests/test_fuzz_endpoints.py; these rows keep each reported example fixed.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import NHS, entries_of, gp_referral_bundle, headers, plain_referral
from tests.fixtures.portal import People, sign_in

Change = Callable[[dict[str, Any]], None]


def service_request(bundle: dict[str, Any]) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if (e["resource"] or {}).get("resourceType") == "ServiceRequest")


def patient(bundle: dict[str, Any]) -> dict[str, Any]:
    return entries_of(bundle, "Patient")[0]


def header(bundle: dict[str, Any]) -> dict[str, Any]:
    return entries_of(bundle, "MessageHeader")[0]


def set_in(pick: Callable[[dict[str, Any]], dict[str, Any]], **values: Any) -> Change:
    return lambda bundle: pick(bundle).update(values)


def contained_resource_type(value: Any) -> Change:
    def change(bundle: dict[str, Any]) -> None:
        service_request(bundle)["contained"] = [
            {"resourceType": "Organization", "id": "a"},
            {"resourceType": value, "id": "b"},
        ]

    return change


def source_endpoint(value: str) -> Change:
    return lambda bundle: header(bundle)["source"].update(endpoint=value)


def identifier_system(value: str) -> Change:
    return lambda bundle: service_request(bundle).update(identifier=[{"system": value, "value": str(uuid.uuid4())}])


def full_width_nhs_number(bundle: dict[str, Any]) -> None:
    for identifier in patient(bundle)["identifier"]:
        if identifier["system"] == NHS:
            identifier["value"] = "".join(chr(ord(digit) + 0xFEE0) for digit in identifier["value"])


def very_large_number(bundle: dict[str, Any]) -> None:
    service_request(bundle)["extension"] = [{"url": "https://example.org/n", "valueDecimal": "@@HUGE@@"}]


MESSAGES: list[tuple[str, Change, int]] = [
    ("authored-on-a-day", set_in(service_request, authoredOn="2026-11-26"), 200),
    ("authored-on-a-month", set_in(service_request, authoredOn="2026-11"), 200),
    ("authored-on-a-year", set_in(service_request, authoredOn="2026"), 200),
    ("born-in-a-year", set_in(patient, birthDate="1970"), 200),
    ("born-in-a-month", set_in(patient, birthDate="1970-05"), 200),
    ("born-on-a-bad-day", set_in(patient, birthDate="1970-02-30"), 400),
    ("contained-resource-type-number", contained_resource_type(1), 400),
    ("contained-resource-type-null", contained_resource_type(None), 400),
    ("contained-resource-type-object", contained_resource_type({}), 400),
    ("authored-on-year-one-east-of-utc", set_in(service_request, authoredOn="0001-01-01T00:00:00+14:00"), 400),
    ("authored-on-year-9999-west-of-utc", set_in(service_request, authoredOn="9999-12-31T23:59:59-12:00"), 400),
    ("destination-endpoint-is-a-list", lambda b: header(b)["destination"][0].update(endpoint=[]), 400),
    ("destination-endpoint-is-a-number", lambda b: header(b)["destination"][0].update(endpoint=1), 400),
    ("an-entry-without-a-resource", lambda b: b["entry"].append({"fullUrl": "urn:uuid:x", "resource": None}), 200),
    ("lone-surrogate-in-source-endpoint", source_endpoint("https://gp.example.org/\ud800"), 400),
    ("gender-longer-than-its-column", set_in(patient, gender="not-specified"), 400),
    ("full-width-nhs-number", full_width_nhs_number, 400),
    ("identifier-system-with-a-bar", identifier_system("https://gp.example.org/a|b"), 400),
]


def stored_referrals(uow: UnitOfWork) -> int:
    with uow:
        return int(uow.session.execute(text("select count(*) from referrals")).scalar_one())


@pytest.mark.parametrize(("change", "status"), [pytest.param(c, s, id=n) for n, c, s in MESSAGES])
def test_each_reported_message_is_answered_as_r4_says(
    client: FlaskClient, uow: UnitOfWork, gp_token: str, change: Change, status: int
) -> None:
    bundle = gp_referral_bundle()
    change(bundle)
    before = stored_referrals(uow)
    response = client.post("/fhir/$process-message", data=json.dumps(bundle), headers=headers(gp_token))
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.get_json()["resourceType"] == ("Bundle" if status == 200 else "OperationOutcome")
    assert stored_referrals(uow) == before + (1 if status == 200 else 0)
    if status == 200:  # what is stored reads back, and polling with it still works
        read = client.get(
            f"/fhir/ServiceRequest/{service_request(response.get_json())['id']}", headers=headers(gp_token)
        )
        assert read.status_code == 200, read.get_data(as_text=True)[:2000]
        assert client.get("/fhir/Task?_include=Task:focus", headers=headers(gp_token)).status_code == 200


def test_a_number_too_large_for_a_float_is_refused(client: FlaskClient, uow: UnitOfWork, gp_token: str) -> None:
    """`1e999` is Infinity to Python and not JSON to PostgreSQL: refused on both databases alike."""
    bundle = gp_referral_bundle()
    very_large_number(bundle)
    body = json.dumps(bundle).replace('"@@HUGE@@"', "1e999")
    response = client.post("/fhir/$process-message", data=body, headers=headers(gp_token))
    assert response.status_code == 400, response.get_data(as_text=True)[:2000]
    assert response.get_json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("birth_date", ["1970", "1970-05", "1970-05-17"])
def test_a_partial_birth_date_is_kept_at_its_precision(client: FlaskClient, gp_token: str, birth_date: str) -> None:
    bundle = gp_referral_bundle()
    patient(bundle)["birthDate"] = birth_date
    response = client.post("/fhir/$process-message", data=json.dumps(bundle), headers=headers(gp_token))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    referral_id = service_request(response.get_json())["id"]
    read = client.get(f"/fhir/ServiceRequest/{referral_id}", headers=headers(gp_token))
    assert read.status_code == 200
    assert birth_date in read.get_data(as_text=True)


def test_a_focus_by_relative_reference_is_stored_readable_and_polling_still_works(
    client: FlaskClient, gp_token: str
) -> None:
    bundle = gp_referral_bundle()
    entry = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest")
    entry["resource"]["id"] = "sr1"
    header(bundle)["focus"] = [{"reference": "ServiceRequest/sr1"}]
    response = client.post("/fhir/$process-message", data=json.dumps(bundle), headers=headers(gp_token))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    referral_id = service_request(response.get_json())["id"]
    read = client.get(f"/fhir/ServiceRequest/{referral_id}", headers=headers(gp_token))
    assert read.status_code == 200, read.get_data(as_text=True)[:2000]
    assert read.get_json()["resourceType"] == "ServiceRequest"
    polled = client.get("/fhir/Task?_include=Task:focus", headers=headers(gp_token))
    assert polled.status_code == 200, polled.get_data(as_text=True)[:2000]
    included = [e["resource"] for e in polled.get_json()["entry"] if e["search"]["mode"] == "include"]
    assert included and all(resource["resourceType"] == "ServiceRequest" for resource in included)


def test_a_plain_service_request_with_a_bad_contained_resource_type_is_refused(
    client: FlaskClient, gp_token: str
) -> None:
    document = plain_referral()
    document["contained"][1]["resourceType"] = 1
    response = client.post("/fhir/ServiceRequest", data=json.dumps(document), headers=headers(gp_token))
    assert response.status_code == 400, response.get_data(as_text=True)[:2000]
    assert response.get_json()["resourceType"] == "OperationOutcome"


FHIR_SEARCHES = [
    ("/fhir/Task?_lastUpdated=gt0001-01-01T00:00:00%2B14:00", 400),
    ("/fhir/Task?_lastUpdated=lt9999-12-31T23:59:59-12:00", 400),
    ("/fhir/Task?_lastUpdated=gt2026-11-01T00:00:00Z", 200),
    ("/fhir/Task?_id=a%00b", 400),
    ("/fhir/Task?focus=ServiceRequest/a%00b", 400),
    ("/fhir/ServiceRequest?identifier=a%00b", 400),
    ("/fhir/Task?_count=%C2%B2", 400),
    ("/fhir/ServiceRequest?patient:identifier=" + quote("\uff19" * 10), 400),
    ("/fhir/ServiceRequest?patient:identifier=999%20610%200278", 200),
]


@pytest.mark.parametrize(("url", "status"), FHIR_SEARCHES)
def test_each_reported_fhir_search_is_answered_alike_on_both_databases(
    client: FlaskClient, gp_token: str, url: str, status: int
) -> None:
    response = client.get(url, headers=headers(gp_token))
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.get_json()["resourceType"] == ("Bundle" if status == 200 else "OperationOutcome")


ORUK = [
    ("/oruk/services?page=%C2%B2", 400),
    ("/oruk/services?per_page=%E2%91%A0", 400),
    ("/oruk/services?minimum_age=%E2%91%A0", 400),
    ("/oruk/services?maximum_age=%E2%91%A0", 400),
    ("/oruk/services?page=%EF%BC%92", 400),
    ("/oruk/services?page=2", 200),
    ("/oruk/services?modified_after=0001-01-01T00:00:00%2B14:00", 400),
    ("/oruk/services?text=a%00b", 400),
]


@pytest.mark.parametrize(("url", "status"), ORUK)
def test_each_reported_oruk_query_is_a_400_not_a_500(
    client: FlaskClient, directory: None, url: str, status: int
) -> None:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("query", ["to=0001-01-01", "to=9999-12-31", "from=0001-01-01", "from=9999-12-31"])
def test_report_filters_at_the_ends_of_the_calendar_are_a_400_not_a_500(
    client: FlaskClient, people: People, query: str
) -> None:
    sign_in(client, people.commissioner)
    for page in ("/reports/", "/reports/export.json"):
        response = client.get(f"{page}?{query}")
        assert response.status_code == 400, (page, response.get_data(as_text=True)[:500])


PATCHES: list[tuple[str, Any]] = [
    ("op-is-a-list", [{"op": ["replace"], "path": "/status", "value": "accepted"}]),
    ("op-is-an-object", [{"op": {}, "path": "/status", "value": "accepted"}]),
    ("path-is-an-object", [{"op": "replace", "path": {}, "value": "accepted"}]),
    ("path-is-a-list", [{"op": "replace", "path": ["/status"], "value": "accepted"}]),
]


@pytest.mark.parametrize("patch", [pytest.param(p, id=n) for n, p in PATCHES])
def test_a_json_patch_of_the_wrong_shape_is_a_400_operation_outcome(
    client: FlaskClient, gp_token: str, patch: Any
) -> None:
    response = client.patch(
        f"/fhir/Task/{uuid.uuid4()}",
        data=json.dumps(patch),
        headers={**headers(gp_token), "Content-Type": "application/json-patch+json"},
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:2000]
    assert response.get_json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("bad", ["abc\x00", "abc\x7f", "not-a-uuid", "x" * 300])
@pytest.mark.parametrize("name", ["X-Request-Id", "X-Correlation-Id"])
def test_a_message_header_that_is_not_a_uuid_is_refused_and_never_echoed(
    client: FlaskClient, gp_token: str, name: str, bad: str
) -> None:
    sent = {**headers(gp_token), name: bad}
    response = client.post("/fhir/$process-message", data=json.dumps(gp_referral_bundle()), headers=sent)
    assert response.status_code == 400
    assert response.get_json()["resourceType"] == "OperationOutcome"
    read = client.get("/fhir/Task", headers=sent)
    assert read.status_code == 400
    for answer in (response, read):
        echoed = answer.headers.get(name)
        assert echoed is None or (echoed != bad and uuid.UUID(echoed))


def test_a_valid_message_header_is_echoed(client: FlaskClient, gp_token: str) -> None:
    sent = headers(gp_token)
    response = client.get("/fhir/Task", headers=sent)
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == sent["X-Request-Id"]
    assert response.headers["X-Correlation-Id"] == sent["X-Correlation-Id"]


def test_unchanged_bundle_still_accepted(client: FlaskClient, gp_token: str) -> None:
    """The control: the bundle every row changes is itself taken."""
    response = client.post(
        "/fhir/$process-message", data=json.dumps(copy.deepcopy(gp_referral_bundle())), headers=headers(gp_token)
    )
    assert response.status_code == 200
