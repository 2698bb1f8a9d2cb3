"""A second open referral for one person on one pathway is received, with a warning to the referrer,
holds no second place, and waits for a link worker who sees both referrals side by side."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from referral_service.domain.access import UserRole
from referral_service.persistence.models import Offer, Referral
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.fhir import entries_of, gp_referral_bundle, headers, plain_referral
from tests.fixtures.portal import add_portal_user, sign_in

LINK_WORKER = "lw@example.org"
EXERCISE_REFERRAL = {"system": "http://snomed.info/sct", "code": "390893007", "display": "Exercise referral"}


def exercise_message() -> dict[str, Any]:
    """The BaRS GP example asking for exercise referral for someone in SK4 whom triage finds eligible."""
    bundle = gp_referral_bundle()
    patient_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    entries_of(bundle, "Patient")[0]["address"][0]["postalCode"] = "SK4 1AA"
    service_request = entries_of(bundle, "ServiceRequest")[0]
    service_request["code"] = {"coding": [EXERCISE_REFERRAL]}
    service_request["identifier"] = [{"system": "https://gp.example.org/referrals", "value": str(uuid.uuid4())}]
    for evidence in plain_referral()["contained"][1:]:  # its observations and condition
        evidence.pop("id")
        bundle["entry"].append(
            {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": {**evidence, "subject": {"reference": patient_url}}}
        )
    return bundle


def test_a_second_open_referral_is_received_with_a_warning_and_holds_no_second_place(
    app: Flask,
    uow: UnitOfWork,
    client: FlaskClient,
    gp_token: str,
    directory: None,
    post_message: Callable[..., Any],
) -> None:
    first = post_message(exercise_message())
    second = post_message(exercise_message())
    assert (first.status_code, second.status_code) == (200, 200)
    first_id, second_id = (entries_of(r.get_json(), "ServiceRequest")[0]["id"] for r in (first, second))
    assert first_id != second_id  # received: the GP may mean it

    assert not any("open referral" in text for text in _warnings(first.get_json()))
    assert any("already has an open referral on this pathway" in text for text in _warnings(second.get_json()))

    first_task, second_task = (_task(client, gp_token, referral_id) for referral_id in (first_id, second_id))
    assert first_task["businessStatus"]["coding"][0]["code"] == "offered"
    assert second_task["businessStatus"]["coding"][0]["code"] == "link-worker"
    assert "another open referral for this person on this pathway" in second_task["statusReason"]["text"]
    with uow:
        ids = uow.session.scalars(select(Referral.id).where(Referral.public_id.in_((first_id, second_id)))).all()
        assert uow.session.scalar(select(func.count(Offer.id)).where(Offer.referral_id.in_(ids))) == 1

    link_worker = _signed_in_link_worker(app, uow)
    queue = link_worker.get("/portal/link-worker").get_data(as_text=True)
    assert second_id in queue and first_id not in queue
    assert "another open referral for this person on this pathway" in queue
    page = link_worker.get(f"/portal/referrals/{second_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    start = html.index("Other open referrals for this person on this pathway")
    beside = html[start : html.index("</table>", start)]
    assert "Practice RND" in beside and "Offered, waiting for an answer" in beside
    assert "12-week exercise referral programme (SK1-SK5)" in beside
    assert first_id not in beside  # the link worker may not open a referral a provider holds
    assert "Sam" not in beside and "9449306613" not in beside  # no patient details from the other referral


def _warnings(processed: dict[str, Any]) -> list[str]:
    return [
        issue["diagnostics"]
        for outcome in entries_of(processed, "OperationOutcome")
        for issue in outcome["issue"]
        if issue["severity"] == "warning"
    ]


def _task(client: FlaskClient, token: str, referral_id: str) -> dict[str, Any]:
    found = client.get(f"/fhir/Task?focus=ServiceRequest/{referral_id}", headers=headers(token)).get_json()
    task: dict[str, Any] = found["entry"][0]["resource"]
    return task


def _signed_in_link_worker(app: Flask, uow: UnitOfWork) -> FlaskClient:
    with uow:
        add_portal_user(uow, LINK_WORKER, UserRole.LINK_WORKER)
    browser = app.test_client()
    sign_in(browser, LINK_WORKER)
    return browser


def test_posting_a_second_service_request_for_the_person_warns_the_referrer(
    client: FlaskClient, gp_token: str, directory: None
) -> None:
    answers = [
        client.post(
            "/fhir/ServiceRequest",
            data=json.dumps(plain_referral()),
            headers={**headers(gp_token), "Prefer": "return=OperationOutcome"},  # as intake's own warnings
        )
        for _ in range(2)
    ]
    assert [answer.status_code for answer in answers] == [201, 201]
    first, second = ([i for i in a.get_json()["issue"] if i["severity"] == "warning"] for a in answers)
    assert not any("open referral" in issue["diagnostics"] for issue in first)
    assert [issue["code"] for issue in second if "already has an open referral" in issue["diagnostics"]] == [
        "business-rule"
    ]
