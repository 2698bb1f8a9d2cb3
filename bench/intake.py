"""Intake throughput: the referral service against a minimal Flask + SQLAlchemy baseline, over real HTTP.

Run from the project root:

    .venv/bin/python bench/intake.py [--seconds 10] [--warmup 2] [--concurrency 1,8,32]

One run does everything, so the numbers always come from the same setup:

1. creates two PostgreSQL databases (`bench_intake`, `bench_baseline`; never `test`, which the test
   suite owns), migrates the service's with `flask --app wsgi db upgrade` and registers an API client
   for practice RND (the sender in the BaRS example) with `flask --app wsgi clients create`;
2. serves the service with gunicorn (2 workers, production settings, a random secret key) and the
   baseline in bench/baseline_app.py with the same gunicorn settings, each on a free loopback port;
3. fetches one access token (argon2 at production cost is paid once, not per request) and checks
   each endpoint answers as expected, so a broken setup fails loudly instead of benchmarking errors;
4. drives `POST /fhir/$process-message` and `POST /fhir/ServiceRequest` on both servers from a
   separate process (threads, one `requests.Session` each) at each concurrency, for a bounded time
   after a warm-up, and prints one table;
5. stops both servers (their process groups) and drops both databases, whatever happened.

Exit status: 0 when every request succeeded, 1 when some failed (the table says which, and the first
error body is printed), 2 when the setup failed (a server did not start, a preflight request failed).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import copy
import json
import math
import multiprocessing
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests
from psycopg import sql

PROJECT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT / "bench"
BIN = Path(sys.executable).parent
CONFORMANCE_EXAMPLE = PROJECT.parent / "shared" / "conformance" / "bars-referral-request-gp-to-pharmacy.json"

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
SERVICE_DB = "bench_intake"
BASELINE_DB = "bench_baseline"
PROTECTED_DATABASES = frozenset({"test", "postgres", "template0", "template1"})

CLIENT_ID = "bench-gp"
SENDER_ODS = "RND"
OUR_ENDPOINT = "https://fhir.nhs.uk/Id/dos-service-id|900000001"
OUR_ODS = "X99001"
USE_CASE_SYSTEM = "https://referral-service.example.org/fhir/CodeSystem/usecase-categories"
BARS_USE_CASE_SYSTEM = "https://fhir.nhs.uk/CodeSystem/usecases-categories-bars"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
VALID_NHS_NUMBER = "9449306613"

STARTUP_TIMEOUT_SECONDS = 45.0
REQUEST_TIMEOUT_SECONDS = 30.0
ERROR_BODY_CHARS = 800


# --- request bodies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL under test: a JSON body template whose placeholder becomes a fresh uuid4 per request.

    The service refuses a repeated Bundle.id / ServiceRequest.identifier as the same referral (it
    answers 200 with the first one, doing less work), so every request must carry a new one; string
    replacement on a pre-serialised template keeps that cheap for the load generator.
    """

    name: str
    path: str
    template: str
    placeholder: str
    service_status: int
    baseline_status: int
    method: str = "POST"  # GET: a read (the template is then the query string's fixed part, sent as is)

    def body(self) -> bytes | None:
        if self.method == "GET":
            return None
        return self.template.replace(self.placeholder, str(uuid.uuid4()), 1).encode()


def gp_referral_bundle(example: dict[str, Any]) -> dict[str, Any]:
    """The BaRS GP-to-pharmacy example made one of ours, exactly as tests/fhir/conftest.py does it:
    re-addressed to our endpoint and ODS code, a valid NHS number, and our use-case code."""
    bundle = copy.deepcopy(example)
    destination = bundle["entry"][0]["resource"]["destination"][0]
    destination["endpoint"] = OUR_ENDPOINT
    receiver_url = destination["receiver"]["reference"]
    resources = [entry["resource"] for entry in bundle["entry"]]
    for entry in bundle["entry"]:
        if entry.get("fullUrl") == receiver_url:
            entry["resource"]["identifier"] = [{"system": ODS_SYSTEM, "value": OUR_ODS}]
    for patient in (r for r in resources if r["resourceType"] == "Patient"):
        for identifier in patient.get("identifier", []):
            if identifier["system"] == NHS_NUMBER_SYSTEM:
                identifier["value"] = VALID_NHS_NUMBER
    for service_request in (r for r in resources if r["resourceType"] == "ServiceRequest"):
        for category in service_request.get("category", []):
            for coding in category.get("coding", []):
                if coding["system"] == BARS_USE_CASE_SYSTEM:
                    coding.update(system=USE_CASE_SYSTEM, code="active-pathway", display="active-pathway")
    return bundle


def service_request(identifier: str) -> dict[str, Any]:
    """A plain-REST referral: one ServiceRequest carrying its Patient, a BMI and a condition as contained."""
    return {
        "resourceType": "ServiceRequest",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "pat",
                "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": VALID_NHS_NUMBER}],
                "name": [{"use": "official", "family": "Bench", "given": ["Ada"]}],
                "gender": "female",
                "birthDate": "1970-01-01",
                "address": [{"use": "home", "postalCode": "SK3 9HD"}],  # inside the demo directory's catchment
            },
            {
                "resourceType": "Observation",
                "id": "bmi",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5", "display": "BMI"}]},
                "subject": {"reference": "#pat"},
                "effectiveDateTime": "2026-01-10",
                "valueQuantity": {
                    "value": 31,
                    "unit": "kg/m2",
                    "system": "http://unitsofmeasure.org",
                    "code": "kg/m2",
                },
            },
            {
                "resourceType": "Condition",
                "id": "htn",
                "clinicalStatus": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
                },
                "code": {
                    "coding": [
                        {"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertensive disorder"}
                    ]
                },
                "subject": {"reference": "#pat"},
                "recordedDate": "2025-06-01",
            },
        ],
        "identifier": [{"system": "https://example.org/referrals", "value": identifier}],
        "status": "active",
        "intent": "order",
        "authoredOn": "2026-01-15T09:30:00+00:00",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "390893007"}]},
        "subject": {"reference": "#pat"},
        "requester": {"identifier": {"system": ODS_SYSTEM, "value": SENDER_ODS}},
        "reasonReference": [{"reference": "#htn"}],
        "supportingInfo": [{"reference": "#bmi"}],
    }


def endpoints() -> list[Endpoint]:
    placeholder = str(uuid.uuid4())
    bundle = gp_referral_bundle(json.loads(CONFORMANCE_EXAMPLE.read_text()))
    bundle["id"] = placeholder
    found = [
        Endpoint("$process-message", "/fhir/$process-message", json.dumps(bundle), placeholder, 200, 200),
        Endpoint(
            "ServiceRequest", "/fhir/ServiceRequest", json.dumps(service_request(placeholder)), placeholder, 201, 201
        ),
    ]
    for endpoint in found:
        if endpoint.template.count(placeholder) != 1:
            raise RuntimeError(f"{endpoint.name}: the per-request id must occur exactly once in the body")
    return found


def request_headers(token: str | None) -> dict[str, str]:
    headers = {
        "Content-Type": "application/fhir+json",
        "Accept": "application/fhir+json",
        "X-Request-Id": str(uuid.uuid4()),
        "X-Correlation-Id": str(uuid.uuid4()),
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


# --- the load generator (runs in its own process) -----------------------------------------------------


@dataclass
class LevelResult:
    """What one (endpoint, server, concurrency) run measured. Latencies are of successful requests."""

    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    successes: int
    errors: int
    first_error: str | None
    client_cpu_percent: float  # of one core, the load generator's own CPU while measuring
    host_cpu_percent: float | None  # of all cores, everything on the machine while measuring


@dataclass
class _ThreadLog:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


def _host_cpu() -> tuple[int, int] | None:
    """(busy, total) jiffies from /proc/stat, to tell whether the 2 cores were saturated; None off Linux."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (NaN when empty)."""
    if not ordered:
        return float("nan")
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def drive(
    base_url: str, endpoint: Endpoint, token: str | None, concurrency: int, warmup: float, seconds: float
) -> LevelResult:
    """Keep `concurrency` requests in flight for warmup + seconds; measure the last `seconds`.

    Counted: requests that complete inside the measured window (whenever they started), so req/s is
    completions per second at steady state. Errors are counted over the whole level, warm-up included,
    so none is hidden. Runs in a process of its own so the client never shares a GIL with a server.
    """
    url = base_url + endpoint.path
    logs = [_ThreadLog() for _ in range(concurrency)]
    ready = threading.Barrier(concurrency + 1)
    window: dict[str, float] = {}

    def client(log: _ThreadLog) -> None:
        with requests.Session() as session:
            ready.wait()
            start, end = window["start"], window["end"]
            while (sent := time.perf_counter()) < end:
                try:
                    response = session.request(
                        endpoint.method,
                        url,
                        data=endpoint.body(),
                        headers=request_headers(token),
                        timeout=REQUEST_TIMEOUT_SECONDS,
                    )
                    error = None if response.ok else f"HTTP {response.status_code}: {response.text[:ERROR_BODY_CHARS]}"
                except requests.RequestException as failure:
                    error = f"{type(failure).__name__}: {failure}"
                done = time.perf_counter()
                if error is not None:
                    log.errors += 1
                    log.first_error = log.first_error or error
                elif start <= done <= end:
                    log.latencies.append(done - sent)

    threads = [threading.Thread(target=client, args=(log,), daemon=True) for log in logs]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    window["start"], window["end"] = now + warmup, now + warmup + seconds
    ready.wait()
    time.sleep(max(0.0, window["start"] - time.perf_counter()))
    cpu_before, host_before = resource.getrusage(resource.RUSAGE_SELF), _host_cpu()
    time.sleep(max(0.0, window["end"] - time.perf_counter()))
    cpu_after, host_after = resource.getrusage(resource.RUSAGE_SELF), _host_cpu()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_SECONDS + 5)

    latencies = sorted(latency for log in logs for latency in log.latencies)
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    host = None
    if host_before and host_after and host_after[1] > host_before[1]:
        host = 100.0 * (host_after[0] - host_before[0]) / (host_after[1] - host_before[1])
    return LevelResult(
        requests_per_second=len(latencies) / seconds,
        p50_ms=1000 * _percentile(latencies, 0.50),
        p95_ms=1000 * _percentile(latencies, 0.95),
        p99_ms=1000 * _percentile(latencies, 0.99),
        successes=len(latencies),
        errors=sum(log.errors for log in logs),
        first_error=next((log.first_error for log in logs if log.first_error), None),
        client_cpu_percent=100.0 * client_cpu / seconds,
        host_cpu_percent=host,
    )


# --- setup and teardown -------------------------------------------------------------------------------


class SetupFailed(RuntimeError):
    """The benchmark could not get both servers running and answering correctly (exit status 2)."""


def database_url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5)


def recreate_databases(*names: str) -> None:
    """Fresh, empty databases, dropping leftovers of an interrupted run first."""
    try:
        with _admin() as connection:
            for name in names:
                if name in PROTECTED_DATABASES:
                    raise SetupFailed(f"refusing to touch database {name!r}")
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise SetupFailed(f"cannot create the databases on {PG_SERVER}: {error}") from None


def drop_databases(*names: str) -> None:
    with _admin() as connection:
        for name in names:
            if name not in PROTECTED_DATABASES:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def service_environment(instance_dir: Path) -> dict[str, str]:
    """Production settings: the standard argon2 cost, a random key, and INFO logging as deployed."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("REFERRAL_SERVICE_"):
            del env[name]
    env.update(
        DATABASE_URL=database_url(SERVICE_DB),
        REFERRAL_SERVICE_ENV="production",
        REFERRAL_SERVICE_SECRET_KEY=secrets.token_urlsafe(48),
        REFERRAL_SERVICE_INSTANCE_DIR=str(instance_dir),
    )
    return env


def flask_cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise SetupFailed(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def register_client(env: dict[str, str]) -> str:
    output = flask_cli(
        env, "clients", "create", CLIENT_ID, "--name", "Intake benchmark GP system", "--practice", SENDER_ODS
    )
    for line in output.splitlines():
        if line.startswith("client_secret="):
            return line.partition("=")[2].strip()
    raise SetupFailed(f"no client_secret in the output of clients create:\n{output}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A gunicorn master in a process group of its own, so stopping it stops every worker."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM to the whole group (workers too, even if the master already died), then SIGKILL."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start_gunicorn(
    name: str, app: str, env: dict[str, str], log_dir: Path, args: argparse.Namespace, chdir: Path
) -> Server:
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "--chdir",
        str(chdir),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, app], cwd=chdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(name, process, f"http://127.0.0.1:{port}", log_path)


def wait_until_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SetupFailed(f"the {server.name} server exited ({server.process.returncode}):\n{server.log_tail()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(server.base_url + path, timeout=2).ok:
                return
        time.sleep(0.2)
    raise SetupFailed(
        f"the {server.name} server did not answer {path} in {STARTUP_TIMEOUT_SECONDS:.0f}s:\n{server.log_tail()}"
    )


def fetch_token(server: Server, secret: str) -> tuple[str, float]:
    """The one token every client thread shares (valid an hour); returns it and how long it took."""
    started = time.perf_counter()
    response = requests.post(
        server.base_url + "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": secret},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SetupFailed(f"POST /oauth/token answered {response.status_code}: {response.text[:ERROR_BODY_CHARS]}")
    return str(response.json()["access_token"]), elapsed


def preflight(server: Server, endpoint: Endpoint, token: str | None, expected: int) -> None:
    """One real request before measuring: a benchmark of error responses would be worse than none."""
    response = requests.request(
        endpoint.method,
        server.base_url + endpoint.path,
        data=endpoint.body(),
        headers=request_headers(token),
        timeout=60,
    )
    if response.status_code != expected:
        raise SetupFailed(
            f"{server.name} {endpoint.path} answered {response.status_code}, expected {expected}:\n"
            f"{response.text[:ERROR_BODY_CHARS]}"
        )


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so the `finally` clean-up runs when the run is killed politely."""

    def handler(_signum: int, _frame: object) -> None:
        raise SystemExit(143)

    previous: Callable[[int, Any], Any] | int | None = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- reporting --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    endpoint: str
    server: str
    concurrency: int
    result: LevelResult


def format_table(rows: list[Row]) -> str:
    """A Markdown table, readable in a terminal and pasted as-is into docs/performance.md."""
    baseline = {(r.endpoint, r.concurrency): r.result.requests_per_second for r in rows if r.server == "baseline"}
    header = (
        "| endpoint | server | clients | req/s | p50 ms | p95 ms | p99 ms | errors | service/baseline "
        "| client CPU % | host CPU % |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for row in rows:
        result = row.result
        ratio = "—"
        base = baseline.get((row.endpoint, row.concurrency))
        if row.server == "service" and base:
            ratio = f"{result.requests_per_second / base:.2f}"
        host = "—" if result.host_cpu_percent is None else f"{result.host_cpu_percent:.0f}"
        lines.append(
            f"| {row.endpoint} | {row.server} | {row.concurrency} | {result.requests_per_second:.1f} "
            f"| {result.p50_ms:.1f} | {result.p95_ms:.1f} | {result.p99_ms:.1f} | {result.errors} | {ratio} "
            f"| {result.client_cpu_percent:.0f} | {host} |"
        )
    return "\n".join(lines)


# --- the run ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per level (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured time before each level (default 2)")
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(part) for part in text.split(",") if part.strip()],
        default=[1, 8, 32],
        help="comma-separated numbers of concurrent clients (default 1,8,32)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default="sync",
        help="gunicorn worker class for both servers (default sync: faster for the CPU-bound service, see docs)",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument(
        "--only", choices=["$process-message", "ServiceRequest"], help="bench one endpoint instead of both"
    )
    parser.add_argument(
        "--providers",
        type=Path,
        help="load this provider directory first (e.g. providers/demo), so triage finds services and makes "
        "offers instead of sending every referral to the link worker as unmet demand",
    )
    args = parser.parse_args(argv)
    if not args.concurrency or min(args.concurrency) < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("concurrency levels must be positive, --seconds > 0 and --warmup >= 0")
    return args


def run(args: argparse.Namespace, workdir: Path, servers: list[Server]) -> list[Row]:
    """Everything between creating the databases and cleaning up; raises SetupFailed when setup fails."""
    if not CONFORMANCE_EXAMPLE.exists():
        raise SetupFailed(f"the BaRS example {CONFORMANCE_EXAMPLE} is missing (../shared beside the project)")
    targets = [e for e in endpoints() if args.only in (None, e.name)]

    print(f"creating databases {SERVICE_DB} and {BASELINE_DB}; migrating and registering {CLIENT_ID}", flush=True)
    recreate_databases(SERVICE_DB, BASELINE_DB)
    service_env = service_environment(workdir / "instance")
    flask_cli(service_env, "db", "upgrade")
    secret = register_client(service_env)
    if args.providers is not None:
        print(flask_cli(service_env, "providers", "load", str(args.providers.resolve())).strip(), flush=True)
    baseline_env = dict(os.environ, BASELINE_DATABASE_URL=database_url(BASELINE_DB))
    sys.path.insert(0, str(BENCH_DIR))
    from baseline_app import create_schema  # bench/ is not a package: imported by path

    create_schema(baseline_env["BASELINE_DATABASE_URL"])

    workers = f"{args.workers} {args.worker_class} workers" + (
        f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    )
    print(f"starting gunicorn ({workers}) for the service and the baseline", flush=True)
    service = start_gunicorn("service", "wsgi:app", service_env, workdir, args, PROJECT)
    servers.append(service)
    baseline = start_gunicorn("baseline", "baseline_app:create_app()", baseline_env, workdir, args, BENCH_DIR)
    servers.append(baseline)
    wait_until_ready(service, "/readyz")
    wait_until_ready(baseline, "/healthz")

    token, token_seconds = fetch_token(service, secret)
    print(f"access token fetched once in {1000 * token_seconds:.0f} ms (argon2id, production cost)", flush=True)
    for endpoint in targets:
        preflight(service, endpoint, token, endpoint.service_status)
        preflight(baseline, endpoint, None, endpoint.baseline_status)

    rows: list[Row] = []
    level_timeout = args.warmup + args.seconds + REQUEST_TIMEOUT_SECONDS + 30
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        for endpoint in targets:
            for concurrency in args.concurrency:
                for server, server_token in ((service, token), (baseline, None)):
                    print(f"  {endpoint.name:<17} {server.name:<8} {concurrency:>3} clients ...", end="", flush=True)
                    future = pool.submit(
                        drive, server.base_url, endpoint, server_token, concurrency, args.warmup, args.seconds
                    )
                    result = future.result(timeout=level_timeout)
                    print(f" {result.requests_per_second:7.1f} req/s, {result.errors} errors", flush=True)
                    rows.append(Row(endpoint.name, server.name, concurrency, result))
                    if server.process.poll() is not None:
                        raise SetupFailed(f"the {server.name} server died during the run:\n{server.log_tail()}")
    return rows


def revision() -> str:
    """The commit measured (and whether the work tree differed from it), for the record."""
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown revision"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    servers: list[Server] = []
    started = time.monotonic()
    measured = revision()
    try:
        with terminate_on_sigterm():
            rows = run(args, workdir, servers)
    except SetupFailed as error:
        print(f"\nSETUP FAILED: {error}", file=sys.stderr)
        return 2
    finally:
        for server in servers:
            server.stop()
        with contextlib.suppress(psycopg.Error):
            drop_databases(SERVICE_DB, BASELINE_DB)
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"{measured}; {os.cpu_count()} CPUs; {args.workers} gunicorn {args.worker_class} workers per server; "
        f"{args.warmup:g}s warm-up + {args.seconds:g}s measured per level; "
        f"total {time.monotonic() - started:.0f}s"
    )
    print(format_table(rows))
    failed = [row for row in rows if row.result.errors]
    for row in failed:
        print(f"\nfirst error, {row.endpoint} {row.server} {row.concurrency} clients: {row.result.first_error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
