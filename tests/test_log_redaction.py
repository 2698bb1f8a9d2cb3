"""The log mask, case by case: what must be masked however it is written, and what must stay."""

from __future__ import annotations

import pytest

from referral_service.logging import redact

MASKED = [
    ("9996100278", "[nhs-number]"),
    ("999 610 0278", "[nhs-number]"),
    ("999-610-0278", "[nhs-number]"),
    ("999%20610%200278", "[nhs-number]"),
    ("999+610+0278", "[nhs-number]"),
    ("https://fhir.nhs.uk/Id/nhs-number|999%20610%200278", "https://fhir.nhs.uk/Id/nhs-number|[nhs-number]"),
    ("nhs %209996100278 x", "nhs %20[nhs-number] x"),
    ("jo.bloggs+gp@example.org", "[email]"),
    ("jo.bloggs%40example.org", "[email]"),
    ("07700 900123", "[phone]"),
    ("07700900123", "[phone]"),
    ("+44 7700 900123", "[phone]"),
    ("+447700900123", "[phone]"),
    ("%2B447700900123", "[phone]"),
    ("0044 7700 900 123", "[phone]"),
    ("+44 (0)161 496 0000", "[phone]"),
    ("(0161) 496 0000", "[phone]"),
    ("020-7946-0000", "[phone]"),
    ("0161%20496%200000", "[phone]"),
    ("LS1 4AP", "[postcode]"),
    ("ls14ap", "[postcode]"),
    ("SW1A 1AA", "[postcode]"),
    ("EC1A%201BB", "[postcode]"),
    ("M1+1AE", "[postcode]"),
    (
        '"GET /fhir/ServiceRequest?identifier=x|9996100278&family=Smith HTTP/1.1" 200',
        '"GET /fhir/ServiceRequest?identifier=[redacted]&family=[redacted] HTTP/1.1" 200',
    ),
    ("/portal/referrals?q=Jo%20Bloggs;page=2", "/portal/referrals?q=[redacted];page=[redacted]"),
    ("[parameters: ('Jo', 'Bloggs', '1970-05-01')]", "[parameters hidden]"),
    ("DETAIL:  Key (nhs_number)=(Bloggs) already exists.", "DETAIL: [hidden]"),
    ("  DETAIL:  Failing row contains (1, Jo, Bloggs).", "  DETAIL: [hidden]"),
    ('invalid input syntax for type integer: "Bloggs"', "invalid input syntax for type integer: [hidden]"),
]

KEPT = [
    "request 7c9e6679-7425-40de-944b-e07fc1f90ae7 took 12 ms",
    "referral 01234567-8901-4234-9012-345678901234 triaged",
    "2026-12-01 11:54:13,123 INFO referral_service.jobs.tasks: expired 3 offers",
    "authored 2026-11-26T09:30:00.123456+00:00, next attempt 2026-12-01T12:00:00Z",
    "SELECT patients.id FROM patients WHERE patients.nhs_number = ? AND patients.id IN (?, ?)",
    "[generated in 0.00012s] [SQL parameters hidden due to hide_parameters=True]",
    "outbox message 42 parked: HTTP 503 after 5 attempts",
    "alembic revision 3f2a9c1b7d4e applied",
    "UNIQUE constraint failed: patients.nhs_number",
    "GET /healthz HTTP/1.1 200",
]


@pytest.mark.parametrize(("written", "masked"), MASKED)
def test_patient_values_are_masked_however_written(written: str, masked: str) -> None:
    assert redact(written) == masked


@pytest.mark.parametrize("line", KEPT)
def test_ids_timestamps_and_statements_stay_readable(line: str) -> None:
    assert redact(line) == line
