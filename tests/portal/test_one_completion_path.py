"""One way through the house: a provider that completes a programme in the portal and one that does it
with `PATCH /fhir/Task` leave the same Task, the same finalised register, the same history and the
same messages to the referrer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.access import Actor
from referral_service.persistence.models import OutboxMessage, SessionAttendance
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.demo import DEMO_PROVIDER_SLUG
from tests.fixtures.portal import People, sign_in, submit

SECRET = "provider-secret"


def _form(client: FlaskClient, page: str, data: dict[str, str], action: str | None = None) -> None:
    """Post a portal form as a browser would, with the page's CSRF token."""
    response = submit(client, page, data, action)
    assert response.status_code == 302, response.get_data(as_text=True)


def _through_the_portal(client: FlaskClient, email: str, referral_id: str) -> None:
    sign_in(client, email)
    base = f"/portal/referrals/{referral_id}"
    today = datetime.now(UTC).date().isoformat()
    _form(client, base, {}, action=f"{base}/accept")
    contact = {"attempted_on": today, "attempted_time": "00:00", "method": "phone", "outcome": "reached", "note": ""}
    _form(client, f"{base}/contact", contact)
    for status in ("attended", "dna", "attended"):
        _form(client, f"{base}/sessions", {"session_on": today, "status": status})
    _form(client, f"{base}/finish", {"ending": "completed", "reason": ""})


def _fhir(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json-patch+json",
        "X-Request-Id": str(uuid.uuid4()),
        "X-Correlation-Id": str(uuid.uuid4()),
    }


def _replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value}


def _step(code: str) -> dict[str, Any]:
    return _replace("/businessStatus", {"coding": [{"code": code}]})


def _through_fhir(client: FlaskClient, token: str, task_id: str) -> None:
    for operations in (
        [_replace("/status", "accepted")],
        [_replace("/status", "in-progress"), _step("5.1.1")],
        [_step("5.1.4")],
        [_step("5.1.2")],
        [_step("5.1.4")],
        [_replace("/status", "completed"), _step("7.0")],
    ):
        response = client.patch(f"/fhir/Task/{task_id}", data=json.dumps(operations), headers=_fhir(token))
        assert response.status_code == 200, response.get_json()


def _task_id(uow: UnitOfWork, referral_id: str) -> str:
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        return referral.task.public_id


def _end_state(client: FlaskClient, token: str, uow: UnitOfWork, referral_id: str) -> dict[str, Any]:
    """What the referral came to: the Task as FHIR shows it, the register, the history, the messages."""
    task = client.get(f"/fhir/Task/{_task_id(uow, referral_id)}", headers=_fhir(token)).get_json()
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        register = uow.session.scalars(
            select(SessionAttendance)
            .where(SessionAttendance.referral_id == referral.id)
            .order_by(SessionAttendance.session_number)
        )
        messages = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.referral_id == referral.id).order_by(OutboxMessage.id)
        )
        return {
            "task": (task["status"], task["businessStatus"]["coding"][0]["code"], task.get("output")),
            "register": [(line.session_number, line.status.value, line.is_final) for line in register],
            "events": [event.event_type for event in uow.referrals.events(referral)],
            "messages": [message.message_type for message in messages],
        }


def test_completion_by_the_portal_and_by_fhir_ends_the_same(
    client: FlaskClient,
    people: People,
    offered: Callable[..., str],
    uow: UnitOfWork,
    make_api_client: Callable[..., Actor],
) -> None:
    make_api_client("mvl-system", provider=DEMO_PROVIDER_SLUG, secret=SECRET, name="Mersey Vale Leisure's own system")
    with uow:
        referrer = uow.access.api_client("gp-system")
        assert referrer is not None
        referrer.callback_url = "http://127.0.0.1:9/referrer"  # so the referrer's messages are queued
    grant = {"grant_type": "client_credentials", "client_id": "mvl-system", "client_secret": SECRET}
    token = str(client.post("/oauth/token", data=grant).get_json()["access_token"])
    by_portal, by_fhir = offered(), offered()

    _through_the_portal(client, people.provider, by_portal)
    _through_fhir(client, token, _task_id(uow, by_fhir))

    portal, fhir = _end_state(client, token, uow, by_portal), _end_state(client, token, uow, by_fhir)
    assert portal["register"] == [(1, "attended", True), (2, "dna", True), (3, "attended", True)]
    assert portal["task"][:2] == ("completed", "7.0")
    assert portal["messages"] == ["accepted", "first-attendance", "did-not-attend", "completed"]
    assert fhir == portal
