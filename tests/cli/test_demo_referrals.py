"""`demo seed` sends the demo referrals as a GP system would, so the README's own poll reads back
valid FHIR that a strict client accepts, with a patient a provider can contact."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.fhir.resources import parse
from referral_service.persistence.engine import SessionFactory
from tests.fixtures.directory import DEMO_DIRECTORY


def test_the_demo_referrals_read_back_as_valid_fhir_with_a_contactable_patient(
    settings: Settings, session_factory: SessionFactory
) -> None:
    app: Flask = create_app(replace(settings, demo=True, demo_allow_any_db=True), session_factory=session_factory)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["providers", "load", str(DEMO_DIRECTORY)]).exit_code == 0
    seeded = runner.invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    assert "6 demo referrals sent" in seeded.output

    client = app.test_client()
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "demo-gp", "client_secret": "demo-gp-secret"},
    ).get_json()["access_token"]
    poll = client.get(
        "/fhir/Task?_lastUpdated=gt2000-01-01T00:00:00Z&_include=Task:focus",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert poll.status_code == 200
    bundle = poll.get_json()
    parse(bundle)  # the whole searchset, strictly, as fhir.resources reads R4
    requests = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest"]
    assert len(requests) == 6
    for service_request in requests:
        parse(service_request)
        (patient,) = [r for r in service_request["contained"] if r["resourceType"] == "Patient"]
        assert patient["name"][0]["family"] and patient["name"][0]["given"]
        assert any(t["system"] == "phone" for t in patient["telecom"])
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "demo referrals already there" in again.output
