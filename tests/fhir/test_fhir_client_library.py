"""A real FHIR client library can read a referral and its Task from the running service.

The service is served over real HTTP (werkzeug, in a background thread) from its own database:
a new SQLite file, or a throwaway PostgreSQL database when the suite runs on PostgreSQL. The
per-test transactional session factory binds one connection and cannot be shared with a server
thread, so this module builds its own app, as `flask run` would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.fhir.ukcore import NHS_NUMBER_SYSTEM
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.database import throwaway_database
from tests.fixtures.fhir import VALID_NHS_NUMBER, entries_of, gp_referral_bundle, headers
from tests.fixtures.live import serving

CLIENT_ID = "gp-system"
CLIENT_SECRET = "gp-system-secret"
TIMEOUT = 30


@dataclass(frozen=True)
class LiveService:
    root: str  # http://127.0.0.1:{port}
    token: str

    @property
    def fhir_base(self) -> str:
        return f"{self.root}/fhir"

    def fhir_client(self, *, authorised: bool = True) -> SyncFHIRClient:
        authorization = f"Bearer {self.token}" if authorised else None
        return SyncFHIRClient(self.fhir_base, authorization=authorization, requests_config={"timeout": TIMEOUT})


@dataclass(frozen=True)
class PostedReferral:
    service_request_id: str
    task_id: str


@pytest.fixture(scope="module")
def live_database_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(database_url, tmp_path_factory.mktemp("live")) as url:
        yield url


@pytest.fixture(scope="module")
def live_service(live_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    """The app on a free port of 127.0.0.1, with a registered GP system and its bearer token."""
    engine = make_engine(live_database_url)
    try:
        migrations.upgrade(engine)
        with UnitOfWork(make_session_factory(engine)) as uow:
            add_api_client(uow, CLIENT_ID, practices=("RND", "P88001"), secret=CLIENT_SECRET, name="Test GP system")
    finally:
        engine.dispose()
    app = create_app(Settings.for_tests(live_database_url, instance_dir=tmp_path_factory.mktemp("i")))
    with serving(app, "live-fhir-server") as root:
        response = requests.post(
            f"{root}/oauth/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        yield LiveService(root=root, token=str(response.json()["access_token"]))


def post_referral(service: LiveService) -> PostedReferral:
    """A GP referral sent over HTTP as a BaRS message; the ids come from the processed Bundle."""
    response = requests.post(
        f"{service.fhir_base}/$process-message",
        data=json.dumps(gp_referral_bundle()),
        headers=headers(service.token),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    processed: dict[str, Any] = response.json()
    (service_request,) = entries_of(processed, "ServiceRequest")
    # The sender's own Task travels in the message too; ours is the one served from our base.
    (task,) = [e["resource"] for e in processed["entry"] if e["fullUrl"].startswith(f"{service.fhir_base}/Task/")]
    return PostedReferral(service_request_id=service_request["id"], task_id=task["id"])


def test_a_client_library_reads_the_referral_by_id_over_http(live_service: LiveService) -> None:
    posted = post_referral(live_service)

    service_request = live_service.fhir_client().reference("ServiceRequest", posted.service_request_id).to_resource()

    assert service_request.resource_type == "ServiceRequest"
    assert service_request.id == posted.service_request_id
    assert service_request["status"] == "active"
    (patient,) = [r for r in service_request["contained"] if r["resourceType"] == "Patient"]
    assert service_request["subject"]["reference"] == f"#{patient['id']}"
    assert {"system": NHS_NUMBER_SYSTEM, "value": VALID_NHS_NUMBER}.items() <= next(
        i for i in patient["identifier"] if i["system"] == NHS_NUMBER_SYSTEM
    ).items()


def test_a_client_library_finds_the_referrals_task_by_focus_awaiting_triage(live_service: LiveService) -> None:
    posted = post_referral(live_service)
    focus = f"ServiceRequest/{posted.service_request_id}"

    tasks = live_service.fhir_client().resources("Task").search(focus=focus).fetch()

    assert [task.id for task in tasks] == [posted.task_id]
    (task,) = tasks
    assert task["status"] == "requested"
    assert [coding["code"] for coding in task["businessStatus"]["coding"]] == ["link-worker"]
    assert task["focus"]["reference"] == focus
    assert task["for"]["identifier"] == {"system": NHS_NUMBER_SYSTEM, "value": VALID_NHS_NUMBER}
    read_back = live_service.fhir_client().reference("Task", posted.task_id).to_resource()
    assert read_back["focus"]["reference"] == focus
    assert read_back["businessStatus"]["coding"][0]["code"] == "link-worker"


def test_a_task_search_including_its_focus_returns_the_referral_too(live_service: LiveService) -> None:
    posted = post_referral(live_service)
    search = live_service.fhir_client().resources("Task").search(focus=f"ServiceRequest/{posted.service_request_id}")

    bundle = search.include("Task", "focus").fetch_raw()

    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "searchset"
    found = {(e["resource"]["resourceType"], e["resource"]["id"], e["search"]["mode"]) for e in bundle["entry"]}
    assert found == {
        ("Task", posted.task_id, "match"),
        ("ServiceRequest", posted.service_request_id, "include"),
    }
    assert bundle["total"] == 1


def test_the_capability_statement_is_readable_without_a_token(live_service: LiveService) -> None:
    anonymous = live_service.fhir_client(authorised=False)

    capability = anonymous.execute("metadata", method="get")

    assert capability["resourceType"] == "CapabilityStatement"
    assert capability["fhirVersion"].startswith("4.0")
    served = {resource["type"] for rest in capability["rest"] for resource in rest.get("resource", [])}
    assert {"ServiceRequest", "Task"} <= served


def test_a_referral_cannot_be_read_without_a_token(live_service: LiveService) -> None:
    posted = post_referral(live_service)

    with pytest.raises(AuthorizationError):
        live_service.fhir_client(authorised=False).reference("ServiceRequest", posted.service_request_id).to_resource()
