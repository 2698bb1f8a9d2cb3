"""Issue 19's promise: `make serve` runs the production shape, and it works end to end.

On a fresh PostgreSQL database, `make serve` with two gunicorn workers and two scheduler processes
migrates, serves and schedules; a GP system posts a referral (and one with a bad NHS number), the
provider's system accepts it over FHIR, the "accepted" outcome message reaches the GP system's
loopback receiver exactly once although two schedulers race for it, and `/metrics` (admin token
only) reports the requests by route, the intake outcomes and an empty outbox, with no patient data.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from referral_service.config import PROJECT_ROOT
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.directory import load_directory
from tests.fixtures.api_clients import add_api_client
from tests.fixtures.fhir import SECOND_NHS_NUMBER, VALID_NHS_NUMBER, gp_referral_bundle, headers, plain_referral
from tests.jobs.receiver import Receiver, running_receiver

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEMO = PROJECT_ROOT / "providers" / "demo"
SECRET = "make-serve-secret"
DELIVERY_WAIT_SECONDS = 40.0  # deliveries tick every 10 s


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(url: str, data: bytes | None = None, sent: dict[str, str] | None = None, method: str | None = None):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(url, data=data, headers=sent or {}, method=method)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextlib.contextmanager
def make_serve(database_url: str, folder: Path) -> Iterator[tuple[str, Path]]:
    """`make serve` in a process group of its own, ready; afterwards stopped by SIGTERM, as Ctrl-C would."""
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"TEST_DATABASE_URL", "DATABASE_URL"} and not key.startswith("REFERRAL_SERVICE_")
    }
    environment |= {
        "DATABASE_URL": database_url,
        "REFERRAL_SERVICE_SECRET_KEY": secrets.token_urlsafe(48),
        "REFERRAL_SERVICE_INSTANCE_DIR": str(folder / "instance"),
        "PYTHONUNBUFFERED": "1",
    }
    log = folder / "serve.log"
    command = ["make", "--no-print-directory", "serve", f"BIND=127.0.0.1:{port}", "WEB_WORKERS=2", "SCHEDULERS=2"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"make serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"make serve was not ready:\n{log.read_text()}"
            with contextlib.suppress(OSError):
                if _call(f"{root}/readyz")[0] == 200 and log.read_text().count("scheduler running:") == 2:
                    break
            time.sleep(0.5)
        yield root, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode is not None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def _register(database_url: str, receiver: Receiver) -> dict[str, str]:
    """The demo directory, a GP system that takes pushes, each provider's system and a monitoring client.
    Returns provider name -> client id."""
    engine = make_engine(database_url)
    try:
        providers = read_directory(DEMO).providers
        with UnitOfWork(make_session_factory(engine)) as uow:
            load_directory(uow, providers, complete=True)
            add_api_client(uow, "gp-system", practices=("RND", "P88001"), secret=SECRET, callback_url=receiver.url)
            add_api_client(uow, "monitoring", secret=SECRET, admin=True)
            for provider in providers:
                add_api_client(uow, f"system-{provider.slug}", provider=provider.slug, secret=SECRET)
        return {provider.name: f"system-{provider.slug}" for provider in providers}
    finally:
        engine.dispose()


def _token(root: str, client_id: str) -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": SECRET})
    status, body = _call(f"{root}/oauth/token", form.encode())
    assert status == 200, body
    return str(json.loads(body)["access_token"])


def _post_referral(root: str, token: str, nhs_number: str = VALID_NHS_NUMBER) -> tuple[int, dict[str, Any]]:
    status, body = _call(
        f"{root}/fhir/$process-message", json.dumps(gp_referral_bundle(nhs_number)).encode(), headers(token)
    )
    return status, json.loads(body)


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (labels in any order)."""
    for line in metrics.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(3))
    raise AssertionError(f"no sample {name} {labels} in:\n{metrics}")


def _refer_and_accept(root: str, gp: str, systems: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A ServiceRequest (which triage offers to a provider, whose system accepts it), a BaRS message
    (which goes to a link worker) and one with a bad NHS number. Returns the first referral and its Task."""
    status, body = _call(f"{root}/fhir/ServiceRequest", json.dumps(plain_referral()).encode(), headers(gp))
    assert status == 201, body
    referral_id = json.loads(body)["id"]
    status, processed = _post_referral(root, gp)
    assert status == 200, processed
    refused, outcome = _post_referral(root, gp, nhs_number="1234567890")  # fails the check digit
    assert refused == 400, outcome
    found = json.loads(_call(f"{root}/fhir/Task?focus=ServiceRequest/{referral_id}", sent=headers(gp))[1])
    task = found["entry"][0]["resource"]
    assert task["businessStatus"]["coding"][0]["code"] == "offered", task
    owner = task["owner"]["display"]
    provider = _token(root, systems[owner])
    accept = json.dumps([{"op": "replace", "path": "/status", "value": "accepted"}]).encode()
    sent = {**headers(provider), "Content-Type": "application/json-patch+json"}
    status, body = _call(f"{root}/fhir/Task/{task['id']}", accept, sent, method="PATCH")
    assert status == 200, body
    return referral_id, task


def _assert_metrics(metrics: str, task_id: str, referral_id: str) -> None:
    intake = "referral_service_intake_total"
    assert _sample(metrics, intake, door="bars-message", outcome="accepted", reason="ok") == 1
    assert _sample(metrics, intake, door="service-request", outcome="accepted", reason="ok") == 1
    assert _sample(metrics, intake, door="bars-message", outcome="refused", reason="REC_BAD_REQUEST") == 1
    # Requests answered by both workers, added up, under the URL rule and never the raw path.
    latency = "referral_service_request_seconds_count"
    assert _sample(metrics, latency, route="/fhir/$process-message", method="POST", status="200") == 1
    assert _sample(metrics, latency, route="/fhir/Task/<task_id>", method="PATCH", status="200") == 1
    assert _sample(metrics, latency, route="/oauth/token", method="POST", status="200") >= 3
    assert (
        task_id not in metrics
        and referral_id not in metrics
        and VALID_NHS_NUMBER not in metrics
        and "1234567890" not in metrics
        and SECOND_NHS_NUMBER not in metrics
    )
    assert _sample(metrics, "referral_service_outbox_backlog") == 0
    assert _sample(metrics, "referral_service_outbox_parked") == 0
    assert _sample(metrics, "referral_service_outbox_oldest_age_seconds") == 0
    assert _sample(metrics, "referral_service_offers_due_within_one_working_day") == 0  # accepted


def _assert_logs(log: Path, search_id: str) -> None:
    """Production logs are JSON lines, the access line with our request id, and no patient data."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    searched = [line for line in lines if line.get("logger") == "gunicorn.access" and search_id in line["message"]]
    assert len(searched) == 1 and "patient:identifier=[redacted]" in searched[0]["message"], searched
    assert SECOND_NHS_NUMBER not in log.read_text() and VALID_NHS_NUMBER not in log.read_text()
    assert any(line.get("request_id") for line in lines)  # lines logged while serving a request carry its id
    assert any(line["message"] == "Shutting down: Master" for line in lines)  # stopped cleanly, as Ctrl-C would


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_serve_takes_a_referral_to_a_delivered_outcome_and_reports_it_in_metrics(
    fresh_database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    with make_serve(fresh_database_url, tmp_path) as (root, log):
        output = log.read_text()
        assert "database at head" in output  # migrations first, on the empty database
        assert output.count("Booting worker with pid") == 2
        systems = _register(fresh_database_url, receiver)
        gp = _token(root, "gp-system")

        referral_id, task = _refer_and_accept(root, gp, systems)

        # Two outcome messages: "accepted" for the first, "sent to a link worker" for the second.
        deadline = time.monotonic() + DELIVERY_WAIT_SECONDS
        while len(receiver.order) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(12)  # one more delivery tick of either scheduler: nothing is sent twice
        assert len(receiver.order) == 2, receiver.order
        assert sorted(receiver.attempts) == sorted(receiver.order), "two schedulers, one attempt per message"
        accepted = [m for m in receiver.messages() if referral_id in json.dumps(m)]
        assert len(accepted) == 1 and '"accepted"' in json.dumps(accepted[0])

        search_id = str(uuid.uuid4())
        query = urllib.parse.quote(f"https://fhir.nhs.uk/Id/nhs-number|{SECOND_NHS_NUMBER}")
        search = _call(f"{root}/fhir/ServiceRequest?patient:identifier={query}", sent=headers(gp, request_id=search_id))
        assert search[0] == 200, search

        assert _call(f"{root}/metrics")[0] == 401
        assert _call(f"{root}/metrics", sent={"Authorization": f"Bearer {gp}"})[0] == 403
        status, metrics = _call(f"{root}/metrics", sent={"Authorization": f"Bearer {_token(root, 'monitoring')}"})
        assert status == 200, metrics
    _assert_metrics(metrics, task["id"], referral_id)
    _assert_logs(log, search_id)
