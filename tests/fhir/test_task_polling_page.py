"""A polled page at a region's scale (issue 19): a GP system's `GET /fhir/Task?_lastUpdated=gt…
&_include=Task:focus` (and a ServiceRequest search) costs the same few statements for 3 referrals as
for 30, with one audit row per referral shown; and what the page says of each Task and ServiceRequest
is, byte for byte, what reading that one resource says (waiting places, overrides, owners and all)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.persistence.models import AuditEvent
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.link_worker import place_by_hand
from tests.fhir.test_intake_statements import counted, statements  # noqa: F401 (the fixture)
from tests.fixtures.fhir import entries_of, gp_referral_bundle, headers, plain_referral, token_for
from tests.fixtures.referrals import NOW

POLL = "/fhir/Task?_lastUpdated=gt2000-01-01T00:00:00Z&_include=Task:focus"
LINK_WORKER = Actor(ActorKind.PORTAL_USER, "link-worker-1", role=UserRole.LINK_WORKER)


def nhs_numbers() -> Iterator[str]:
    """Valid NHS numbers (Modulus 11), one for each patient, so no referral waits behind another."""
    for stem in range(900000010, 900001000):
        digits = [int(d) for d in f"{stem:09d}"]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check != 10:
            yield f"{stem:09d}{check % 11}"


class Referrer:
    """Sends referrals of every kind a poll shows: offered a place, sent to the link worker and
    placed there by hand, and (once the services are full) waiting in a queue."""

    def __init__(self, client: FlaskClient, token: str, uow: UnitOfWork) -> None:
        self.client, self.token, self.uow = client, token, uow
        self.numbers = nhs_numbers()
        self.sent = 0

    def offered(self) -> str:
        referral = plain_referral(f"page-{self.sent}", next(self.numbers))
        self.sent += 1
        created = self.client.post("/fhir/ServiceRequest", data=json.dumps(referral), headers=headers(self.token))
        assert created.status_code == 201, created.get_json()
        return str(created.get_json()["id"])

    def to_link_worker(self, *, placed: bool) -> str:
        answer = self.client.post(
            "/fhir/$process-message",
            data=json.dumps(gp_referral_bundle(next(self.numbers))),
            headers=headers(self.token),
        )
        assert answer.status_code == 200, answer.get_json()
        referral_id = str(entries_of(answer.get_json(), "ServiceRequest")[0]["id"])
        if placed:
            with self.uow:
                place_by_hand(
                    self.uow, referral_id, "gn-befriending", override_reason="known to the service",
                    actor=LINK_WORKER, now=NOW,
                )  # fmt: skip
        return referral_id

    def every_kind(self, each: int, set_places: Callable[[str, int], None]) -> None:
        for _ in range(each):
            self.offered()
            self.to_link_worker(placed=False)
            self.to_link_worker(placed=True)
        set_places("mvl-exercise-referral", 0)
        for _ in range(each):
            self.offered()  # waits
        set_places("mvl-exercise-referral", 1000)


def poll_statements(client: FlaskClient, token: str, seen: list[str], path: str = POLL) -> tuple[int, int]:
    client.get(path, headers=headers(token))  # warm: the client's token and anything cached once
    seen.clear()
    polled = client.get(path, headers=headers(token))
    assert polled.status_code == 200, polled.get_json()
    return counted(seen)


def test_a_poll_costs_the_same_statements_for_3_referrals_as_for_30(
    client: FlaskClient,
    gp_token: str,
    uow: UnitOfWork,
    directory: None,
    set_places: Callable[[str, int], None],
    statements: list[str],  # noqa: F811
) -> None:
    referrer = Referrer(client, gp_token, uow)
    referrer.every_kind(1, set_places)  # 4 referrals, one of each kind
    few = poll_statements(client, gp_token, statements)
    referrer.every_kind(7, set_places)  # 32
    many = poll_statements(client, gp_token, statements)

    assert many == few, "\n".join(statements)  # before issue 19 part f: 45 statements for 4, 339 for 32 (SQLite)
    polled = client.get(POLL, headers=headers(gp_token)).get_json()
    assert polled["total"] == 32
    assert sum(e["search"]["mode"] == "include" for e in polled["entry"]) == 32


def test_every_task_polled_is_audited_once_in_one_insert(
    client: FlaskClient,
    gp_token: str,
    uow: UnitOfWork,
    directory: None,
    set_places: Callable[[str, int], None],
    statements: list[str],  # noqa: F811
) -> None:
    Referrer(client, gp_token, uow).every_kind(2, set_places)
    request_id = "6a0c3f55-54a3-4d1b-8d7e-0c5fd1d6b7a1"
    statements.clear()
    polled = client.get(POLL, headers=headers(gp_token, request_id)).get_json()

    assert sum(s.startswith("INSERT INTO audit_events") for s in statements) == 1, statements
    tasks = [e["resource"]["id"] for e in polled["entry"] if e["search"]["mode"] == "match"]
    with uow:
        audited = uow.session.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id)).all()
        rows = [(a.action, a.resource_type, a.actor_kind, a.actor_id, a.detail) for a in audited]
        referrals = {a.resource_id for a in audited}
        patients = {a.patient_id for a in audited}
    assert len(tasks) == 8
    assert rows == [("search", "Task", ActorKind.API_CLIENT, "gp-system", None)] * 8
    focus = {e["resource"]["focus"]["reference"].removeprefix("ServiceRequest/") for e in polled["entry"][:8]}
    assert referrals == focus
    assert None not in patients and len(patients) == 8


def _read(client: FlaskClient, token: str, resource: dict[str, Any]) -> Any:
    read = client.get(f"/fhir/{resource['resourceType']}/{resource['id']}", headers=headers(token))
    assert read.status_code == 200, read.get_json()
    return read.get_json()


@pytest.mark.parametrize("who", ["gp", "provider"])
def test_the_page_says_of_each_task_and_referral_what_reading_it_says(
    client: FlaskClient,
    gp_token: str,
    uow: UnitOfWork,
    directory: None,
    set_places: Callable[[str, int], None],
    make_api_client: Callable[..., Actor],
    who: str,
) -> None:
    Referrer(client, gp_token, uow).every_kind(3, set_places)
    make_api_client("mvl-system", provider="mersey-vale-leisure", secret="mvl-system-secret")
    token = gp_token if who == "gp" else token_for(client, "mvl-system", "mvl-system-secret")

    polled = client.get(POLL, headers=headers(token))
    assert polled.status_code == 200, polled.get_json()
    entries = polled.get_json()["entry"]

    resources = [entry["resource"] for entry in entries]
    assert resources == [_read(client, token, resource) for resource in resources]
    tasks = [r for r in resources if r["resourceType"] == "Task"]
    reasons = [t.get("statusReason", {}).get("text", "") for t in tasks]
    notes = [" ".join(n["text"] for n in t.get("note", [])) for t in tasks]
    if who == "gp":
        assert len(tasks) == 12
        assert sorted(r for r in reasons if r.startswith("waiting list position")) == [
            f"waiting list position {n} at 12-week exercise referral programme (SK1-SK5)" for n in (1, 2, 3)
        ]
        assert sum("overridden by link worker" in n for n in notes) == 3
        assert {t["owner"].get("display") for t in tasks if "owner" in t} >= {"Mersey Vale Leisure Trust"}
    else:
        assert tasks and all(t["owner"]["identifier"] == tasks[0]["owner"]["identifier"] for t in tasks)


def test_a_service_request_search_costs_the_same_statements_for_2_referrals_as_for_6(
    client: FlaskClient,
    gp_token: str,
    directory: None,
    statements: list[str],  # noqa: F811
) -> None:
    path = "/fhir/ServiceRequest?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009"

    def send(count: int) -> None:
        for _ in range(count):
            answer = client.post(
                "/fhir/$process-message", data=json.dumps(gp_referral_bundle("9000000009")), headers=headers(gp_token)
            )
            assert answer.status_code == 200, answer.get_json()

    send(2)
    few = poll_statements(client, gp_token, statements, path)
    send(4)
    many = poll_statements(client, gp_token, statements, path)

    assert many == few, "\n".join(statements)  # before issue 19 part f: 9 for 2, 21 for 6 (SQLite)
    found = client.get(path, headers=headers(gp_token)).get_json()
    assert found["total"] == 6
    assert [e["resource"] for e in found["entry"]] == [_read(client, gp_token, e["resource"]) for e in found["entry"]]
