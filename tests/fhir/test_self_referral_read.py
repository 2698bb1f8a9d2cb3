"""A self-referral read over FHIR by the provider holding it: nobody sent a ServiceRequest, so the
service writes one from the form's answers, valid FHIR R4, the person as its Patient and requester."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask.testing import FlaskClient

from referral_service.domain.access import Actor
from referral_service.domain.self_referral import PAR_Q_PLUS, SelfReferral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import ensure_referrer
from referral_service.services.self_referral import submit_self_referral
from tests.fixtures.fhir import headers, token_for
from tests.fixtures.referrals import NOW


def test_the_provider_system_reads_a_self_referral_as_a_service_request(
    client: FlaskClient,
    uow: UnitOfWork,
    directory: None,
    make_api_client: Callable[..., Actor],
    conforms: Callable[[dict[str, Any], str], None],
) -> None:
    with uow:
        ensure_referrer(uow, "P84001", "Heaton Moor Medical Centre")
    answers = SelfReferral(
        given_name="Jo",
        family_name="Bloggs",
        birth_date=date(1970, 6, 14),
        postcode="SK1 3TA",
        service_slug="tmw-health-walks",
        practice_ods="P84001",
        tell_gp=True,
        mobile="07700 900982",
        sms_consent=True,
        nhs_number="943 476 5919",
        sex="female",
        ethnicity_code="A",
        readiness=dict.fromkeys((q.key for q in PAR_Q_PLUS), False),
        height_cm=165.0,
        weight_kg=60.0,
        blood_pressure=(118, 76),
    )
    with uow:
        receipt = submit_self_referral(uow, answers, now=NOW)
    assert receipt.offered_at is not None and "Led health walks" in receipt.offered_at
    make_api_client("walks-system", provider="tame-mersey-health-walks", secret="walks-secret")
    token = token_for(client, "walks-system", "walks-secret")
    tasks = client.get("/fhir/Task", headers=headers(token)).get_json()
    [task] = [e["resource"] for e in tasks.get("entry", []) if e["resource"]["resourceType"] == "Task"]
    assert "requester" not in task  # the practice named on the form did not refer them
    request_id = task["focus"]["reference"].removeprefix("ServiceRequest/")
    response = client.get(f"/fhir/ServiceRequest/{request_id}", headers=headers(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    resource = response.get_json()
    conforms(resource, "a self-referral's ServiceRequest")
    [patient] = resource["contained"]
    assert patient["name"] == [{"family": "Bloggs", "given": ["Jo"]}]
    assert patient["identifier"][0]["value"] == "9434765919"
    assert resource["requester"] == {"reference": "#patient"} and resource["category"] == [{"text": "Self-referral"}]
    assert resource["code"]["coding"][0]["code"] == "390893007"
