"""A whole journey logged at DEBUG, every logger on, and not one patient value or secret in it.

Both intake doors, searches with the patients' identifiers and names in the query string (over a
real HTTP server, so the access log is in it), the portal signed in, a database error raised
inside a request, and the scheduler as a real process at DEBUG with SQL echo: every line written
is scanned for the patients' NHS numbers, names, birth dates, postcodes, phones and emails, and for
the client secret, bearer token, portal password and session cookie.
"""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.domain.access import UserRole
from referral_service.domain.directory import ProviderDefinition
from referral_service.logging import redacting_handler
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.models import Patient
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import create_portal_user
from referral_service.services.demo import DEMO_PROVIDER_SLUG
from referral_service.services.directory import load_directory
from referral_service.services.passwords import password_hasher
from referral_service.web.context import EXTENSION_KEY
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.fhir import NHS, entries_of, gp_referral_bundle, headers, plain_referral, token_for
from tests.fixtures.live import jobs_run_once, serving
from tests.fixtures.portal import sign_in, submit
from tests.jobs.receiver import running_receiver

CLIENT_ID, CLIENT_SECRET = "gp-logs", "gp-logs-client-secret-7Qx"
PORTAL_EMAIL, PORTAL_PASSWORD = "desk@mersey.example.org", "portal-password-Zk81"
LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "werkzeug", "flask.app", "referral_service", "apscheduler")

# Two patients, one per door; each value is one the logs must never show, in any usual spelling.
PATIENTS = [
    {
        "nhs": "9449306613",
        "given": "Philippa",
        "family": "Featherstonehaugh",
        "birth": "1959-05-04",
        "postcode": "SK4 2HD",
        "phone": "07700 900461",
        "email": "philippa.f@example.net",
    },
    {
        "nhs": "9000000009",
        "given": "Ottoline",
        "family": "Quennell-Marsh",
        "birth": "1961-02-03",
        "postcode": "SK4 1AA",
        "phone": "0161 496 0732",
        "email": "o.quennell@example.com",
    },
]


def _spellings(value: str) -> set[str]:
    squeezed = value.replace(" ", "")
    return {value, value.lower(), value.upper(), squeezed, squeezed.lower(), quote(value), value.replace(" ", "+")}


def _with_patient(patient: dict[str, Any], details: dict[str, str]) -> None:
    patient["identifier"] = [{"system": NHS, "value": details["nhs"]}]
    patient["name"] = [{"use": "official", "family": details["family"], "given": [details["given"]]}]
    patient["birthDate"] = details["birth"]
    patient["address"] = [{"use": "home", "postalCode": details["postcode"]}]
    patient["telecom"] = [
        {"system": "phone", "value": details["phone"], "use": "mobile"},
        {"system": "email", "value": details["email"]},
    ]
    patient.pop("contact", None)


@contextmanager
def every_log_line() -> Iterator[io.StringIO]:
    """The production handler on the root logger at DEBUG, and every chatty logger turned up."""
    stream = io.StringIO()
    handler = redacting_handler(stream)
    root = logging.getLogger()
    before = root.level, {name: logging.getLogger(name).level for name in LOGGERS}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(before[0])
        for name, level in before[1].items():
            logging.getLogger(name).setLevel(level)


def _add_failing_route(app: Flask, details: dict[str, str]) -> None:
    """A request that breaks a unique index with a patient's details in the statement's parameters."""

    @app.get("/test-only/duplicate-patient")
    def duplicate_patient() -> str:
        with app.extensions[EXTENSION_KEY].unit_of_work() as uow:
            uow.session.add(
                Patient(
                    nhs_number=details["nhs"],
                    given_name=details["given"],
                    family_name=details["family"],
                    birth_date=date.fromisoformat(details["birth"]),
                    postcode=details["postcode"],
                    phone=details["phone"],
                    email=details["email"],
                )
            )
            uow.session.flush()
        return "unreachable"


def _journey(app: Flask, live_url: str) -> list[str]:
    """Every door once; answers the secrets it met on the way (token, session cookie)."""
    client = app.test_client()
    token = token_for(client, CLIENT_ID, CLIENT_SECRET)
    bundle = gp_referral_bundle(PATIENTS[0]["nhs"])
    _with_patient(entries_of(bundle, "Patient")[0], PATIENTS[0])
    sent = client.post("/fhir/$process-message", data=json.dumps(bundle), headers=headers(token))
    assert sent.status_code == 200, sent.get_data(as_text=True)

    request = plain_referral(nhs_number=PATIENTS[1]["nhs"])
    _with_patient(request["contained"][0], PATIENTS[1])
    posted = client.post("/fhir/ServiceRequest", data=json.dumps(request), headers=headers(token))
    assert posted.status_code == 201, posted.get_data(as_text=True)

    for details in PATIENTS:  # searches by identifier, spaced and encoded, over real HTTP (the access log)
        for value in (details["nhs"], f"{details['nhs'][:3]} {details['nhs'][3:6]} {details['nhs'][6:]}"):
            url = f"{live_url}/fhir/ServiceRequest?identifier={quote(NHS + '|' + value)}&family={details['family']}"
            search = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
            try:
                with urllib.request.urlopen(search, timeout=30) as answer:  # noqa: S310 (loopback)
                    status = answer.status
            except urllib.error.HTTPError as refused:  # an unknown search parameter is a 400: logged alike
                status = refused.code
            assert status < 500
        found = client.get(f"/fhir/Task?patient.identifier={NHS}|{details['nhs']}", headers=headers(token))
        assert found.status_code < 500

    sign_in(client, PORTAL_EMAIL, PORTAL_PASSWORD)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    inbox = client.get("/portal/referrals")
    assert inbox.status_code == 200
    ids = sorted(set(_referral_links(inbox.get_data(as_text=True))))
    assert ids, "the provider should have an offer waiting"
    for referral_id in ids:
        base = f"/portal/referrals/{referral_id}"
        assert submit(client, base, {}, action=f"{base}/accept").status_code == 302
    client.get(f"/portal/referrals?q={quote(PATIENTS[0]['family'])}")

    failed = client.get("/test-only/duplicate-patient")
    assert failed.status_code == 500
    return [token, cookie.value if cookie else ""]


def _referral_links(html: str) -> list[str]:
    return re.findall(r'href="/portal/referrals/([0-9a-f-]{36})"', html)


def test_a_full_journey_at_debug_logs_no_patient_value_and_no_secret(
    fresh_database_url: str,
    demo_providers: tuple[ProviderDefinition, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = make_engine(fresh_database_url)
    migrations.upgrade(engine)
    session_factory = make_session_factory(engine)
    with running_receiver() as receiver:
        with UnitOfWork(session_factory) as uow:
            load_directory(uow, demo_providers, complete=True)
            add_api_client(uow, CLIENT_ID, practices=("RND", "P88001"), secret=CLIENT_SECRET, callback_url=receiver.url)
            create_portal_user(
                uow,
                email=PORTAL_EMAIL,
                display_name="Front desk",
                role=UserRole.PROVIDER,
                password=PORTAL_PASSWORD,
                hasher=password_hasher("fast"),
                provider_slug=DEMO_PROVIDER_SLUG,
                now=datetime.now(UTC),
            )
        engine.dispose()
        app = create_app(Settings.for_tests(fresh_database_url, instance_dir=tmp_path / "instance"))
        _add_failing_route(app, PATIENTS[0])
        with every_log_line() as stream, serving(app) as live_url:
            secrets = _journey(app, live_url)
        monkeypatch.setenv("REFERRAL_SERVICE_LOG_LEVEL", "DEBUG")
        scheduler = jobs_run_once(fresh_database_url, tmp_path / "jobs")
        scheduler_output = scheduler.communicate(timeout=120)[0]
        assert scheduler.returncode == 0, scheduler_output
        assert receiver.accepted, "the scheduler should have told the referrer of the acceptance"

    lines = stream.getvalue().splitlines() + scheduler_output.splitlines()
    forbidden = {CLIENT_SECRET, PORTAL_PASSWORD, *filter(None, secrets)}
    for details in PATIENTS:
        for value in details.values():
            forbidden |= _spellings(value)
    forbidden |= {"944 930 6613", "900 000 0009", "944%20930%206613"}
    leaks = [(value, line) for line in lines for value in forbidden if value in line]
    assert not leaks, "\n".join(f"{value!r} in: {line[:300]}" for value, line in leaks[:20])
    assert any("INSERT INTO patients" in line for line in lines), "SQL echo should be in the capture"
    assert any("GET /fhir/ServiceRequest?" in line for line in lines), "the access log should be in the capture"
    assert any("IntegrityError" in line for line in lines), "the database error should be in the capture"
    assert "SELECT" in scheduler_output, scheduler_output[-2000:]
