"""Property-based hostile input for every FHIR, ORUK, portal and report endpoint (issue 15).

Mutations of the real BaRS bundles in ../shared/conformance/ and of a valid ServiceRequest,
arbitrary JSON bodies, query strings, path values and message headers: never a 5xx, every FHIR
error an OperationOutcome, nothing stored by a rejected request, and every accepted referral
readable and findable by its identifiers (polling with _include included).

`make test` runs the bounded profile (a few dozen examples per test); `make fuzz` runs the same
tests with HYPOTHESIS_PROFILE=fuzz, thousands of examples each.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nhs_number import is_valid as nhs_is_valid  # type: ignore[attr-defined]
from sqlalchemy import text
from werkzeug.test import TestResponse

from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import NHS, addressed_to_us, conformance, gp_referral_bundle, headers, plain_referral
from tests.fixtures.portal import People, sign_in

COMMON = {"deadline": None, "suppress_health_check": list(HealthCheck), "database": None}
settings.register_profile("bounded", max_examples=25, **COMMON)  # type: ignore[arg-type]
settings.register_profile("fuzz", max_examples=3000, **COMMON)  # type: ignore[arg-type]
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "bounded")
fuzzing = settings(settings.get_profile(PROFILE))

HOSTILE_TEXT = [
    "2026-11-26", "2026-11", "2026", "1970", "1970-05", "1970-02-30", "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00", "²", "①", "\uff19" * 10, "a|b", "not-specified", "\ud800", "\x00",
    "\x7f", "ServiceRequest/sr1", "#patient", "", " ", "x" * 300, "1e999", "-1", "Infinity",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(HOSTILE_TEXT)
    | st.text(max_size=20)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=8,
)
QUERY_NAMES = [
    "_id", "_lastUpdated", "_include", "_count", "focus", "identifier", "patient:identifier", "page", "per_page",
    "minimum_age", "maximum_age", "modified_after", "text", "search", "taxonomy_id", "from", "to", "practice",
    "pcn", "provider", "service", "pathway", "q", "status",
]  # fmt: skip
QUERY_VALUES = st.sampled_from(HOSTILE_TEXT) | st.text(max_size=30)
QUERIES = st.lists(st.tuples(st.sampled_from(QUERY_NAMES) | st.text(max_size=8), QUERY_VALUES), max_size=4)
HEADER_VALUES = st.one_of(
    st.just(None),
    st.uuids().map(str),
    st.text(alphabet=st.characters(max_codepoint=255, blacklist_characters="\r\n"), max_size=40),
)
CONFORMANCE_MESSAGES = ("bars-referral-request-gp-to-pharmacy.json", "bars-referral-cancel-revoked.json")


def stored_referrals(uow: UnitOfWork) -> int:
    with uow:
        return int(uow.session.execute(text("select count(*) from referrals")).scalar_one())


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every element path of a JSON document, the root's children first."""
    if isinstance(document, dict):
        items: Any = document.items()
    elif isinstance(document, list):
        items = enumerate(document)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def mutate(document: Any, data: st.DataObject) -> Any:
    """One to three changes at paths drawn from the document: replace, delete or add a key."""
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        where = list(paths(document))
        if not where:
            break
        path = data.draw(st.sampled_from(where), label="path")
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
        if action == "replace":
            parent[path[-1]] = data.draw(JSON, label="value")
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[
                data.draw(st.sampled_from(["resourceType", "id", "extension", "contained"]) | st.text(max_size=8))
            ] = data.draw(JSON, label="added")
    return document


def assert_fhir_answer(response: TestResponse) -> None:
    raw = response.get_data(as_text=True)
    assert response.status_code < 500, raw[:2000]
    if response.status_code >= 400:
        assert response.mimetype == "application/fhir+json", raw[:500]
        assert json.loads(raw)["resourceType"] == "OperationOutcome", raw[:500]
    for name in ("X-Request-Id", "X-Correlation-Id"):
        echoed = response.headers.get(name)
        assert echoed is None or re.fullmatch(r"[0-9a-f-]{36}", echoed), echoed


def assert_readable_and_findable(client: FlaskClient, token: str, referral: dict[str, Any]) -> None:
    """An accepted referral reads back, is found by its identifier, and polling (with its focus) works."""
    read = client.get(f"/fhir/ServiceRequest/{referral['id']}", headers=headers(token))
    assert read.status_code == 200, read.get_data(as_text=True)[:2000]
    assert read.get_json()["resourceType"] == "ServiceRequest"
    identifier = next((i for i in read.get_json().get("identifier") or [] if i.get("value")), None)
    if identifier is not None:
        query = urlencode({"identifier": f"{identifier.get('system') or ''}|{identifier['value']}"})
        found = client.get(f"/fhir/ServiceRequest?{query}", headers=headers(token))
        assert found.status_code == 200, found.get_data(as_text=True)[:2000]
        assert referral["id"] in {e["resource"]["id"] for e in found.get_json()["entry"]}
    for patient in (read.get_json().get("contained") or [])[-1:]:  # the referral's Patient is contained last
        numbers = patient.get("identifier") or [] if patient.get("resourceType") == "Patient" else []
        for number in [n for n in numbers if n.get("system") == NHS][:1]:  # intake reads the first
            if isinstance(number.get("value"), str):
                query = urlencode({"patient:identifier": f"{NHS}|{number['value'].replace(' ', '')}"})
                found = client.get(f"/fhir/ServiceRequest?{query}", headers=headers(token))
                assert found.status_code == 200, found.get_data(as_text=True)[:2000]
                assert referral["id"] in {e["resource"]["id"] for e in found.get_json()["entry"]}
    polled = client.get("/fhir/Task?_include=Task:focus", headers=headers(token))
    assert polled.status_code == 200, polled.get_data(as_text=True)[:2000]


def accepted_service_request(response: TestResponse) -> dict[str, Any]:
    body = response.get_json()
    if body["resourceType"] == "ServiceRequest":
        return dict(body)
    return next(e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "ServiceRequest")


def send_and_check(
    client: FlaskClient, uow: UnitOfWork, token: str, url: str, body: bytes, sent: dict[str, str]
) -> None:
    before = stored_referrals(uow)
    response = client.post(url, data=body, headers=sent)
    assert_fhir_answer(response)
    if response.status_code >= 400:
        assert stored_referrals(uow) == before, response.get_data(as_text=True)[:2000]
    elif response.get_json()["resourceType"] != "OperationOutcome":  # a cancellation answers an outcome
        assert_readable_and_findable(client, token, accepted_service_request(response))


def nhs_number(first_nine: int) -> str | None:
    """A valid NHS number from nine digits (Modulus 11), or None when those nine have no check digit."""
    digits = [int(d) for d in f"{first_nine:09d}"]
    check = 11 - sum((10 - i) * d for i, d in enumerate(digits)) % 11
    return None if check == 10 else "".join(map(str, digits)) + str(check % 11)


def valid_nhs_numbers() -> Iterator[str]:
    """Every valid NHS number from 400 000 000x up: each example its own patient, even while
    hypothesis shrinks (a drawn number would shrink to one patient with hundreds of referrals)."""
    for first_nine in itertools.count(400_000_000):
        number = nhs_number(first_nine)
        if number and nhs_is_valid(number):
            yield number


NEXT_PATIENT = valid_nhs_numbers()


def fresh_message(name: str, patient: str) -> dict[str, Any]:
    if name == CONFORMANCE_MESSAGES[0]:
        bundle = gp_referral_bundle(patient)
    else:
        bundle = addressed_to_us(conformance(name))
        bundle["id"] = str(uuid.uuid4())
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "ServiceRequest":
            entry["resource"]["identifier"] = [
                {"system": "https://gp.example.org/referrals", "value": str(uuid.uuid4())}
            ]
    return bundle


def test_mutated_bars_messages_are_answered_and_what_is_taken_reads_back(
    client: FlaskClient, uow: UnitOfWork, gp_token: str
) -> None:
    @fuzzing
    @given(data=st.data(), name=st.sampled_from(CONFORMANCE_MESSAGES))
    def check(data: st.DataObject, name: str) -> None:
        body = json.dumps(mutate(fresh_message(name, next(NEXT_PATIENT)), data)).encode("utf-8", "surrogatepass")
        send_and_check(client, uow, gp_token, "/fhir/$process-message", body, headers(gp_token))

    check()


def test_mutated_service_requests_are_answered_and_what_is_taken_reads_back(
    client: FlaskClient, uow: UnitOfWork, gp_token: str
) -> None:
    @fuzzing
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        body = json.dumps(mutate(plain_referral(nhs_number=next(NEXT_PATIENT)), data)).encode("utf-8", "surrogatepass")
        send_and_check(client, uow, gp_token, "/fhir/ServiceRequest", body, headers(gp_token))

    check()


def fhir_writes(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/fhir"):
            found += [(method, rule.rule) for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"})]
    return found


def concrete(rule: str, values: list[str]) -> str:
    """The rule with each <converter:name> replaced by the next value, percent-encoded."""
    parts = iter(values)
    return re.sub(r"<[^>]+>", lambda _: quote(next(parts, "x"), safe="", errors="surrogatepass") or "x", rule)


def test_arbitrary_json_to_every_fhir_write_is_answered_with_nothing_stored(
    app: Flask, client: FlaskClient, uow: UnitOfWork, gp_token: str
) -> None:
    writes = fhir_writes(app)
    assert writes

    @fuzzing
    @given(
        target=st.sampled_from(writes),
        document=JSON,
        ids=st.lists(st.text(max_size=12), min_size=2, max_size=2),
        as_resource=st.sampled_from(["ServiceRequest", "Bundle", "Task", None]),
    )
    def check(target: tuple[str, str], document: Any, ids: list[str], as_resource: str | None) -> None:
        method, rule = target
        if as_resource and isinstance(document, dict):
            document["resourceType"] = as_resource
        before = stored_referrals(uow)
        response = client.open(
            concrete(rule, ids),
            method=method,
            data=json.dumps(document).encode("utf-8", "surrogatepass"),
            headers=headers(gp_token),
        )
        assert_fhir_answer(response)
        assert stored_referrals(uow) == before

    check()


def reads(app: Flask, prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and rule.rule.startswith(prefixes) and "static" not in rule.endpoint
    )


def query_check(client: FlaskClient, rules: list[str], sent: Callable[[dict[str, str]], dict[str, str]]) -> None:
    @fuzzing
    @given(
        rule=st.sampled_from(rules),
        ids=st.lists(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=12), min_size=2, max_size=2),
        query=QUERIES,
        request_id=HEADER_VALUES,
        correlation_id=HEADER_VALUES,
    )
    def check(
        rule: str, ids: list[str], query: list[tuple[str, str]], request_id: str | None, correlation_id: str | None
    ) -> None:
        extra = {k: v for k, v in (("X-Request-Id", request_id), ("X-Correlation-Id", correlation_id)) if v is not None}
        url = concrete(rule, ids) + ("?" + urlencode(query, errors="surrogatepass") if query else "")
        response = client.get(url, headers=sent(extra))
        if rule.startswith("/fhir"):
            assert_fhir_answer(response)
        else:
            assert response.status_code < 500, (url, response.get_data(as_text=True)[:2000])

    check()


def test_hostile_queries_and_headers_to_every_fhir_and_oruk_read(
    app: Flask, client: FlaskClient, gp_token: str, directory: None
) -> None:
    rules = reads(app, ("/fhir", "/oruk"))
    assert any(r.startswith("/oruk") for r in rules) and any(r.startswith("/fhir") for r in rules)
    query_check(client, rules, lambda extra: {**headers(gp_token), **extra})


@pytest.mark.parametrize("role", ["provider", "link_worker", "admin", "commissioner"])
def test_hostile_queries_to_every_portal_and_report_page(
    app: Flask, client: FlaskClient, people: People, role: str
) -> None:
    sign_in(client, getattr(people, role))
    rules = reads(app, ("/portal", "/reports"))
    assert any(r.startswith("/reports") for r in rules) and any(r.startswith("/portal") for r in rules)
    query_check(client, rules, lambda extra: extra)
