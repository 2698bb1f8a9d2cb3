"""The quick walk over every request body (`_plainly_sound`) refuses exactly what the full walk
(`_check_values`) refuses, with the same OperationOutcome: it only skips building element paths,
and searching strings for characters that only a \\u escape can bring in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral_service.fhir.http import MAX_DEPTH, _check_values, load_json_value
from referral_service.fhir.outcomes import FhirError

TEXT = st.text(alphabet=st.sampled_from(["a", "é", "\x00", "\x1f", "\t", "\ud800", "\\", "u", '"']), max_size=6)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(TEXT, st.just("resourceType")), children, max_size=3),
    ),
    max_leaves=12,
)


def outcome(check: Any, document: Any) -> tuple[int, str] | None:
    try:
        check(document)
    except FhirError as error:
        return error.status, json.dumps(error.issues, default=str, sort_keys=True)
    return None


def by_full_walk(raw: bytes) -> tuple[int, str] | None:
    return outcome(_check_values, json.loads(raw.decode("utf-8")))


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_the_quick_walk_refuses_exactly_what_the_full_walk_refuses(value: Any) -> None:
    raw = json.dumps({"resourceType": "Bundle", "entry": [value]}).encode("utf-8", "surrogatepass")
    assert outcome(load_json_value, raw) == by_full_walk(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"resourceType": "Patient", "name": [{"family": "Sm\\u0001th"}]}',
        b'{"resourceType": "Patient", "name": [{"family": "Sm\\ud800th"}]}',
        b'{"resourceType": "Patient", "name": [{"fam\\ud800ily": "Smith"}]}',
        b'{"resourceType": "Patient", "contained": [{"resourceType": 5}]}',
        b'{"resourceType": "Patient", "valueDecimal": 1e999}',
        json.dumps({"resourceType": "Patient", "note": [{"text": "x" * (1024 * 1024 + 1)}]}).encode(),
        ('{"resourceType": "Patient", "a": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}").encode(),
    ],
    ids=["control", "lone-surrogate", "surrogate-in-name", "resource-type", "infinite", "too-long", "too-deep"],
)
def test_each_fault_is_refused_with_its_element_path(raw: bytes) -> None:
    refused = outcome(load_json_value, raw)
    assert refused is not None and refused == by_full_walk(raw)
    assert "Patient" in refused[1]  # the path names where, from the resource down
