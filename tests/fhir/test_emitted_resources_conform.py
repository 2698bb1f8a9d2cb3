"""Everything the service emits is valid FHIR R4: the official JSON schema and fhirclient agree.

Referrals come in through both intake doors (a BaRS message and a plain ServiceRequest), over
HTTP, and are driven to every ending a referrer hears about; every read, search, error and outbox
message on the way is collected and checked, and every kind of message is among them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.events import MessageKind
from referral_service.domain.lifecycle import Action
from referral_service.domain.outbox import OutboxStatus
from referral_service.domain.outcomes import SWEMWBS_ITEMS
from referral_service.domain.progress import OutcomeInstrument, OutcomeTimepoint
from referral_service.jobs.delivery import deliver_due, http_sender
from referral_service.jobs.messages import ServiceIdentity
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.casework import record_outcome_measure, record_step
from referral_service.services.link_worker import ask_referrer, close_referral, place_by_hand
from referral_service.services.offers import accept_offer
from tests.fixtures.fhir import (
    addressed_to_us,
    conformance,
    entries_of,
    gp_referral_bundle,
    headers,
    plain_referral,
    token_for,
)
from tests.fixtures.fhir import with_nhs_number as bundle_with_nhs_number
from tests.fixtures.referrals import NOW, provider_of, task_of
from tests.jobs.receiver import Receiver, running_receiver

IDENTITY = ServiceIdentity("X99001", "https://fhir.nhs.uk/Id/dos-service-id|900000001")
LINK_WORKER = Actor(ActorKind.PORTAL_USER, "link-worker-1", role=UserRole.LINK_WORKER)
SOCIAL_PRESCRIBING = {"code": "871731000000106", "display": "Referral to social prescribing service"}
MEASURES = {
    OutcomeInstrument.SWEMWBS: dict.fromkeys((name for name, _ in SWEMWBS_ITEMS), 3),
    OutcomeInstrument.ONS4: {"life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 4},
    OutcomeInstrument.ACTIVITY_MINUTES: {"minutes": 40},
    OutcomeInstrument.WEIGHT: {"weight_kg": 92.5},
    OutcomeInstrument.BMI: {"bmi": 31.2},
    OutcomeInstrument.BLOOD_PRESSURE: {"systolic": 142, "diastolic": 88},
}


def nhs_numbers() -> Iterator[str]:
    """Valid NHS numbers (Modulus 11), one for each patient, so no referral waits behind another."""
    for stem in range(900000010, 900001000):
        digits = [int(d) for d in f"{stem:09d}"]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            yield f"{stem:09d}{check}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


class Collected:
    """Every resource the service emitted in this test, with where it came from."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token, self.items = client, token, list[tuple[str, dict[str, Any]]]()

    def keep(self, where: str, response: Any, status: int | None = None) -> dict[str, Any]:
        if status is not None:
            assert response.status_code == status, (where, response.status_code, response.get_data(as_text=True))
        body = response.get_json()
        assert isinstance(body, dict) and "resourceType" in body, where
        self.items.append((where, body))
        return body

    def get(self, path: str, status: int = 200, **options: Any) -> dict[str, Any]:
        return self.keep(f"GET {path}", self.client.get(path, headers=headers(self.token), **options), status)

    def post(self, path: str, body: Any, status: int) -> dict[str, Any]:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.keep(f"POST {path}", self.client.post(path, data=data, headers=headers(self.token)), status)


def _by_hand(uow: UnitOfWork, referral_id: str, slug: str) -> None:
    with uow:
        place_by_hand(
            uow,
            referral_id,
            slug,
            override_reason="known to the service; BMI checked by phone",
            actor=LINK_WORKER,
            now=NOW,
        )


def _programme(uow: UnitOfWork, referral_id: str, slug: str, steps: list[Action], *, measured: bool) -> None:
    staff = provider_of(uow, slug)
    with uow:
        accept_offer(uow, referral_id, actor=staff, now=NOW)
    for step in steps:
        if step is Action.COMPLETE and measured:
            _measure(uow, referral_id, staff, OutcomeTimepoint.END)
        with uow:
            record_step(
                uow, referral_id, step, actor=staff, now=NOW, reason="moved away" if step is Action.DROP_OUT else None
            )
        if step is Action.CONTACT and measured:
            _measure(uow, referral_id, staff, OutcomeTimepoint.START)


def _measure(uow: UnitOfWork, referral_id: str, staff: Actor, timepoint: OutcomeTimepoint) -> None:
    for instrument, answers in MEASURES.items():
        with uow:
            record_outcome_measure(
                uow,
                referral_id,
                instrument=instrument,
                timepoint=timepoint,
                measured_on=NOW.date(),
                answers=answers,
                actor=staff,
                now=NOW,
            )


def _referral_id(message_response: dict[str, Any]) -> str:
    return str(entries_of(message_response, "ServiceRequest")[0]["id"])


def _deliver(session_factory: SessionFactory) -> None:
    moment = utcnow()  # intake over HTTP ran on the real clock, the casework at NOW, before it
    for _ in range(20):
        report = deliver_due(session_factory, http_sender(timeout=2), IDENTITY, now=lambda: moment)  # noqa: B023
        if not (report.delivered or report.retrying or report.parked):
            return
        moment += timedelta(minutes=10)


def _dangling(bundle: dict[str, Any]) -> list[str]:
    """`urn:uuid:` references in a Bundle (and the Bundles inside it) that name none of its entries."""
    inside = {entry["fullUrl"] for entry in bundle.get("entry", [])}
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("resourceType") == "Bundle" and value is not bundle:
                found.extend(_dangling(value))
                return
            reference = value.get("reference")
            if isinstance(reference, str) and reference.startswith("urn:uuid:") and reference not in inside:
                found.append(reference)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for entry in bundle.get("entry", []):
        walk(entry["resource"])
    return found


def test_every_resource_the_service_emits_is_valid_fhir_r4(
    client: FlaskClient,
    uow: UnitOfWork,
    session_factory: SessionFactory,
    make_api_client: Callable[..., Actor],
    directory: None,
    set_places: Callable[[str, int], None],
    receiver: Receiver,
    conforms: Callable[[dict[str, Any], str], None],
) -> None:
    make_api_client("gp-pushed", practices=("RND", "P88001"), secret="gp-pushed-secret", callback_url=receiver.url)
    out = Collected(client, token_for(client, "gp-pushed", "gp-pushed-secret"))
    numbers = nhs_numbers()
    social = plain_referral(nhs_number=next(numbers))
    referrals = _drive_every_ending(out, uow, set_places, numbers, social)
    _read_everything(out, referrals, social)
    _provoke_errors(out)
    _deliver(session_factory)
    _check_messages(out, uow, receiver, dropped=referrals[1])

    for where, resource in out.items:
        conforms(resource, where)
    assert len(out.items) > 60


def _drive_every_ending(
    out: Collected,
    uow: UnitOfWork,
    set_places: Callable[[str, int], None],
    numbers: Iterator[str],
    social: dict[str, Any],
) -> list[str]:
    """Referrals through both doors to every ending the referrer hears about; their ids."""
    # Door 1, a BaRS message: the link worker places it by hand; the programme is completed, measured.
    completed = _referral_id(out.post("/fhir/$process-message", gp_referral_bundle(next(numbers)), 200))
    _by_hand(uow, completed, "gn-befriending")
    steps = [Action.CONTACT, Action.ATTEND, Action.DNA, Action.ATTEND, Action.COMPLETE]
    _programme(uow, completed, "gn-befriending", steps, measured=True)

    # Door 2, a plain ServiceRequest for social prescribing: offered, accepted, started, dropped out.
    social["code"]["coding"][0].update(SOCIAL_PRESCRIBING)
    del social["performer"]
    dropped = out.post("/fhir/ServiceRequest", social, 201)["id"]
    slug = task_of(uow, dropped)["service"]
    _programme(uow, dropped, slug, [Action.CONTACT, Action.ATTEND, Action.DROP_OUT], measured=False)

    # A question to the referrer, then closed; another cancelled by its sender; another waitlisted.
    asked = _referral_id(out.post("/fhir/$process-message", gp_referral_bundle(next(numbers)), 200))
    with uow:
        ask_referrer(uow, asked, question="Has the patient had a fall this year?", actor=LINK_WORKER, now=NOW)
    with uow:
        close_referral(uow, asked, reason="no suitable service; back to the GP", actor=LINK_WORKER, now=NOW)
    _sent_then_cancelled(out, next(numbers))
    for full in ("gn-befriending", "gn-telephone-befriending", "scp-link-worker", "smha-debt-housing-advice"):
        set_places(full, 0)
    waiting = plain_referral(nhs_number=next(numbers))
    waiting["code"]["coding"][0].update(SOCIAL_PRESCRIBING)
    del waiting["performer"]
    waitlisted = out.post("/fhir/ServiceRequest", waiting, 201)["id"]
    assert task_of(uow, waitlisted)["business"] == "waitlisted"
    return [completed, dropped, asked, waitlisted]


def _sent_then_cancelled(out: Collected, number: str) -> None:
    correlation = "c0ffee00-0000-4000-8000-000000000001"
    for where, bundle in (
        ("to be cancelled", gp_referral_bundle(number)),
        (
            "cancellation",
            bundle_with_nhs_number(addressed_to_us(conformance("bars-referral-cancel-revoked.json")), number),
        ),
    ):
        sent = out.client.post(
            "/fhir/$process-message", data=json.dumps(bundle), headers=headers(out.token, correlation_id=correlation)
        )
        out.keep(f"POST $process-message ({where})", sent, 200)


def _read_everything(out: Collected, referrals: list[str], social: dict[str, Any]) -> None:
    """Reads and searches, as a GP system makes them, and the directory."""
    for referral_id in referrals:
        read = out.get(f"/fhir/ServiceRequest/{referral_id}")
        assert "urn:uuid:" not in json.dumps(read), "a reference that means nothing outside its message"
        assert not [c for c in read.get("contained", []) if "lastUpdated" in c.get("meta", {})], "dom-4"
        tasks = out.get(f"/fhir/Task?focus=ServiceRequest/{referral_id}")
        out.get(f"/fhir/Task/{tasks['entry'][0]['resource']['id']}")
    nhs_number = social["contained"][0]["identifier"][0]["value"]
    out.get(f"/fhir/ServiceRequest?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs_number}")
    identifier = social["identifier"][0]
    out.get(f"/fhir/ServiceRequest?identifier={identifier['system']}|{identifier['value']}")
    out.get("/fhir/Task?_include=Task:focus")
    out.get("/fhir/Task?_lastUpdated=gt2020-01-01T00:00:00Z")
    out.get("/fhir/metadata")
    out.get("/fhir/MessageDefinition")
    # searches as client libraries make them: a page with its links, a count, no total; and a check
    first_page = out.get("/fhir/Task?_count=2")
    assert len(first_page["entry"]) == 2 and any(link["relation"] == "next" for link in first_page["link"])
    next_page = next(link["url"] for link in first_page["link"] if link["relation"] == "next")
    out.get(next_page[next_page.index("/fhir/") :])
    out.get("/fhir/Task?_summary=count")
    out.get("/fhir/Task?_total=none&_count=1")
    out.get("/fhir/OperationDefinition/ServiceRequest-triage")
    out.post("/fhir/ServiceRequest/$triage", plain_referral(nhs_number=nhs_number), 200)
    for entry in out.get("/fhir/HealthcareService")["entry"]:
        service = entry["resource"]
        out.get(f"/fhir/HealthcareService/{service['id']}")
        for reference in [service.get("providedBy", {}), *service.get("location", [])]:
            if reference.get("reference"):
                out.get(f"/fhir/{reference['reference']}")


def _provoke_errors(out: Collected) -> None:
    """Errors: each an OperationOutcome."""
    out.get("/fhir/ServiceRequest/no-such-referral", status=404)
    out.post("/fhir/$process-message", "{not json", 400)
    out.post("/fhir/ServiceRequest", plain_referral(nhs_number="9434765918"), 400)
    out.keep("GET /fhir/Task without a token", out.client.get("/fhir/Task"), 401)
    out.keep("DELETE /fhir/Task", out.client.delete("/fhir/Task/x", headers=headers(out.token)), 405)


def _check_messages(out: Collected, uow: UnitOfWork, receiver: Receiver, *, dropped: str) -> None:
    """Every message the referrer was sent, of every kind, addressed and coded as BaRS asks."""
    kinds = _kinds(uow)
    assert set(kinds.values()) == set(MessageKind), set(MessageKind) - set(kinds.values())
    assert set(kinds) == set(receiver.accepted), "every message delivered"
    for request_id, message in receiver.accepted.items():
        where = f"{kinds[request_id]} message"
        out.items.append((where, message))
        assert not _dangling(message), (where, _dangling(message))
        header = message["entry"][0]["resource"]
        assert header["definition"].endswith("bars-message-servicerequest-response-referral")
        [destination] = header["destination"]
        assert destination["receiver"]["reference"] and destination["endpoint"] != "referrer"
        request = next(e["resource"] for e in message["entry"] if e["fullUrl"] == header["focus"][0]["reference"])
        assert request["resourceType"] == "ServiceRequest"
        assert request["category"][0]["coding"][0]["code"] == "referral"
    stages = {kinds[r]: _stage_codes(m) for r, m in receiver.accepted.items() if _focus(m) == dropped}
    assert stages["accepted"] == ["871731000000106"]  # a plain ServiceRequest for social prescribing
    assert stages["dropped-out"] == ["871711000000103"]


def _kinds(uow: UnitOfWork) -> dict[str, str]:
    from sqlalchemy import select

    from referral_service.persistence.models import OutboxMessage

    with uow:
        rows = list(uow.session.scalars(select(OutboxMessage)))
        assert all(row.status is OutboxStatus.DELIVERED for row in rows), [(r.message_type, r.last_error) for r in rows]
        return {row.request_id: str(row.message_type) for row in rows}


def _focus(message: dict[str, Any]) -> str:
    return str(message["entry"][0]["resource"]["focus"][0]["reference"]).removeprefix("urn:uuid:")


def _stage_codes(message: dict[str, Any]) -> list[str]:
    task = next(e["resource"] for e in message["entry"] if e["resource"]["resourceType"] == "Task")
    return [
        c["code"]
        for o in task.get("output", [])
        if "valueCodeableConcept" in o
        for c in o["valueCodeableConcept"]["coding"]
    ]
