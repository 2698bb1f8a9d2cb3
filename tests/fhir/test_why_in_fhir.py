"""A Task before acceptance says why triage put it there, in sentences a clinician reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.link_worker import place_by_hand
from tests.fixtures.fhir import headers, plain_referral
from tests.fixtures.referrals import NOW


def _task(client: FlaskClient, token: str, referral_id: str) -> dict[str, Any]:
    found = client.get(f"/fhir/Task?focus=ServiceRequest/{referral_id}", headers=headers(token)).get_json()
    return dict(found["entry"][0]["resource"])


def test_a_referral_waiting_for_a_link_worker_says_why_in_words_and_an_override_says_who(
    client: FlaskClient, gp_token: str, uow: UnitOfWork, directory: None, make_api_client: Callable[..., Actor]
) -> None:
    referral = plain_referral()
    referral["contained"] = [c for c in referral["contained"] if c["id"] not in ("bp", "bmi")]
    referral["supportingInfo"] = [{"reference": "#activity"}]
    referral_id = client.post("/fhir/ServiceRequest", data=json.dumps(referral), headers=headers(gp_token)).get_json()[
        "id"
    ]

    task = _task(client, gp_token, referral_id)
    reason = task["statusReason"]["text"]
    assert "blood_pressure" not in reason and "mvl-exercise-referral" not in reason
    assert "a blood pressure reading" in reason and "12-week exercise referral programme" in reason
    notes = [note["text"] for note in task["note"]]
    assert notes[0].startswith("No service could safely take the referral")
    assert any("Evidence:" in note and "aged 65 on the referral date" in note for note in notes)
    assert not [note for note in notes if "_" in note], notes  # no field names

    link_worker = Actor(ActorKind.PORTAL_USER, "link-worker-7", role=UserRole.LINK_WORKER)
    with uow:
        place_by_hand(
            uow,
            referral_id,
            "gn-befriending",
            override_reason="befriending first, exercise later",
            actor=link_worker,
            now=NOW,
        )
    placed = [note["text"] for note in _task(client, gp_token, referral_id)["note"]]
    assert "Triage was overridden by link worker link-worker-7: " in placed[-1]
    assert "befriending first, exercise later" in placed[-1]
