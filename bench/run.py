"""`make bench`: every benchmark in one run, one Markdown table, each figure against a bare baseline.

Run from the project root: .venv/bin/python bench/run.py [--seconds 3] [--backends postgresql,sqlite]
[--million] [--out bench/last-run.md]

For each backend (PostgreSQL at BENCH_PG_SERVER, and SQLite, the embedded default) it:

1. migrates a fresh database, registers an API client and loads the demo directory with the CLI;
2. serves the service as production does (gunicorn with the committed gunicorn.conf.py, 2 sync
   workers, REFERRAL_SERVICE_ENV=production) and bench/baseline_app.py under the same config;
3. drives both from a separate load process (bench/intake.py's `drive`): intake by both doors at
   1, 8 and 32 clients, then Task polling reads; loads a generated regional directory of 10,000
   services (bench/regional_directory.py) and measures intake at 8 clients again; sends
   ServiceRequests until 10,000 referrals are stored (PostgreSQL) and reads each worker's VmRSS;
4. runs the one-process benchmarks as subprocesses: the outbox (bench/outbox.py) and notifications
   (bench/notifications.py) to loopback receivers; then, after both backends, the full report over
   `demo generate` histories of 10k and 100k referrals (1M with --million; bench/reports.py), the
   histories grown on both databases at once and each report timed alone; and triage alone
   (bench/triage.py).

The ratio column: for a rate, the figure over the baseline's at the same backend and clients (for
one-process jobs, over the baseline's 1-client rate); for a duration, the baseline's 1-client p50
over it, so "0.5" always means "half as fast as the baseline". The table is also written to --out.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import functools
import importlib
import math
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

import intake
from bulk_directory import bulk_load, settle
from intake import Endpoint, LevelResult, SetupFailed
from regional_directory import region_providers, write_region

from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork

PROJECT = intake.PROJECT
PYTHON = sys.executable
DEMO = PROJECT / "providers" / "demo"
RSS_AFTER = 10_000
FILL_LIMIT_SECONDS = 150.0


@dataclass
class Line:
    """One row of the table: what, where, at how many clients, the figure and its ratio."""

    measure: str
    backend: str
    clients: str
    value: str
    unit: str
    p50: str = ""
    p95: str = ""
    p99: str = ""
    ratio: str = ""


@dataclass
class Baseline:
    rates: dict[tuple[str, int], float]  # (endpoint, clients) → req/s
    p50_ms: float  # the 1-client insert's median


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _ratio(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.2f}"


def level_line(measure: str, backend: str, clients: int, result: LevelResult, base: float | None) -> Line:
    ratio = result.requests_per_second / base if base and result.successes else None
    errors = f" ({result.errors} errors)" if result.errors else ""
    if not result.successes:  # every request outlasted the measured window: a longer --seconds tells
        errors += " (none finished in the window)"
    return Line(
        measure,
        backend,
        str(clients),
        f"{result.requests_per_second:.1f}{errors}",
        "req/s",
        _ms(result.p50_ms),
        _ms(result.p95_ms),
        _ms(result.p99_ms),
        _ratio(ratio),
    )


# --- servers ------------------------------------------------------------------------------------


def start(name: str, app: str, env: dict[str, str], workdir: Path, chdir: Path) -> intake.Server:
    """gunicorn with the committed config; only the port (and the instance folder) vary."""
    port = intake.free_port()
    env = dict(env, REFERRAL_SERVICE_BIND=f"127.0.0.1:{port}", REFERRAL_SERVICE_WEB_WORKERS="2")
    env.setdefault("REFERRAL_SERVICE_INSTANCE_DIR", str(workdir / f"instance-{name}"))
    log_path = workdir / f"{name}.log"
    command = [str(intake.BIN / "gunicorn"), "-c", str(PROJECT / "gunicorn.conf.py"), "--chdir", str(chdir), app]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=chdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return intake.Server(name, process, f"http://127.0.0.1:{port}", log_path)


def worker_rss_mb(master_pid: int) -> list[float]:
    """VmRSS of each gunicorn worker (the master's children), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["PPid"]) == master_pid and "VmRSS" in fields:
                sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


@dataclass
class Backend:
    name: str
    service_url: str  # SQLAlchemy URL for the service
    baseline_url: str
    workdir: Path

    @property
    def postgres(self) -> bool:
        return self.name == "PostgreSQL"


@contextlib.contextmanager
def backend(name: str, root: Path) -> Iterator[Backend]:
    workdir = root / name.lower()
    workdir.mkdir()
    if name == "PostgreSQL":
        intake.recreate_databases(intake.SERVICE_DB, intake.BASELINE_DB)
        try:
            yield Backend(
                name,
                intake.database_url(intake.SERVICE_DB).replace("postgresql://", "postgresql+psycopg://", 1),
                intake.database_url(intake.BASELINE_DB),
                workdir,
            )
        finally:
            with contextlib.suppress(Exception):
                intake.drop_databases(intake.SERVICE_DB, intake.BASELINE_DB)
    else:
        yield Backend(name, f"sqlite:///{workdir}/service.sqlite3", f"sqlite:///{workdir}/baseline.sqlite3", workdir)


def count_referrals(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT COUNT(*) FROM referrals")).scalar_one())
    finally:
        engine.dispose()


# --- the HTTP part --------------------------------------------------------------------------------


def polling_endpoint() -> Endpoint:
    """The README's polling loop: Tasks changed since a moment, with their ServiceRequests."""
    since = (datetime.now(UTC) - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = f"/fhir/Task?_lastUpdated=gt{since}&_include=Task:focus"
    return Endpoint("Task polling", path, "", "", 200, 200, method="GET")


def http_part(args: argparse.Namespace, where: Backend, pool: concurrent.futures.Executor) -> tuple[list[Line], float]:
    """Intake, polling, the regional directory and RSS on one backend; returns lines and the baseline p50."""
    env = intake.service_environment(where.workdir / "instance")
    env["DATABASE_URL"] = where.service_url
    print(f"== {where.name}: migrating, registering {intake.CLIENT_ID}, loading the demo directory", flush=True)
    intake.flask_cli(env, "db", "upgrade")
    secret = intake.register_client(env)
    intake.flask_cli(env, "providers", "load", str(DEMO))
    baseline_env = dict(os.environ, BASELINE_DATABASE_URL=where.baseline_url)
    importlib.import_module("baseline_app").create_schema(
        where.baseline_url.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    servers = []
    try:
        service = start("service", "wsgi:app", env, where.workdir, PROJECT)
        servers.append(service)
        base = start("baseline", "baseline_app:create_app()", baseline_env, where.workdir, intake.BENCH_DIR)
        servers.append(base)
        intake.wait_until_ready(service, "/readyz")
        intake.wait_until_ready(base, "/healthz")
        token, _ = intake.fetch_token(service, secret)
        return measure(args, where, pool, env, service, base, token)
    finally:
        for server in servers:
            server.stop()


def drive(
    pool: concurrent.futures.Executor, args: argparse.Namespace, server: intake.Server, endpoint: Endpoint,
    token: str | None, clients: int, seconds: float | None = None,
) -> LevelResult:  # fmt: skip
    print(f"  {endpoint.name:<17} {server.name:<8} {clients:>3} clients ...", end="", flush=True)
    future = pool.submit(intake.drive, server.base_url, endpoint, token, clients, args.warmup, seconds or args.seconds)
    result = future.result(timeout=args.warmup + (seconds or args.seconds) + 90)
    print(f" {result.requests_per_second:7.1f} req/s, p99 {result.p99_ms:.0f} ms, {result.errors} errors", flush=True)
    if server.process.poll() is not None:
        raise SetupFailed(f"the {server.name} server died:\n{server.log_tail()}")
    return result


def measure(
    args: argparse.Namespace, where: Backend, pool: concurrent.futures.Executor, env: dict[str, str],
    service: intake.Server, base: intake.Server, token: str,
) -> tuple[list[Line], float]:  # fmt: skip
    lines: list[Line] = []
    rates: dict[tuple[str, int], float] = {}
    served: dict[str, float] = {}  # the service's req/s at 8 clients, by door
    p50 = float("nan")
    doors = intake.endpoints()
    for endpoint in doors:
        intake.preflight(service, endpoint, token, endpoint.service_status)
        intake.preflight(base, endpoint, None, endpoint.baseline_status)
        for clients in args.concurrency:
            floor = drive(pool, args, base, endpoint, None, clients)
            rates[(endpoint.name, clients)] = floor.requests_per_second
            if clients == 1 and endpoint.name == "ServiceRequest":
                p50 = floor.p50_ms
            lines.append(level_line(f"baseline insert ({endpoint.name} URL)", where.name, clients, floor, None))
            result = drive(pool, args, service, endpoint, token, clients)
            if clients == 8:
                served[endpoint.name] = result.requests_per_second
            lines.append(level_line(f"intake {endpoint.name}, demo directory", where.name, clients, result,
                                    floor.requests_per_second))  # fmt: skip
    polling = polling_endpoint()
    for clients in (1, 8):
        floor = drive(pool, args, base, polling, None, clients)
        lines.append(level_line("baseline read (20 newest rows)", where.name, clients, floor, None))
        result = drive(pool, args, service, polling, token, clients)
        lines.append(level_line("Task polling (_lastUpdated, _include)", where.name, clients, result,
                                floor.requests_per_second))  # fmt: skip

    lines.append(fill_and_measure_rss(args, where, pool, service, doors[1], token, served))
    lines += regional(args, where, pool, env, service, doors, token, rates)
    return lines, p50


def fill_and_measure_rss(
    args: argparse.Namespace, where: Backend, pool: concurrent.futures.Executor, service: intake.Server,
    door: Endpoint, token: str, served: dict[str, float],
) -> Line:  # fmt: skip
    """Send ServiceRequests until 10,000 referrals are stored (PostgreSQL), then each worker's VmRSS."""
    stored = count_referrals(where.service_url)
    if where.postgres and stored < RSS_AFTER:
        rate = max(served.get("ServiceRequest", 1.0), 1.0)  # the service's own 8-client rate
        print(f"  sending ServiceRequests until {RSS_AFTER:,} referrals are stored ({stored:,} now)", flush=True)
        deadline = time.monotonic() + FILL_LIMIT_SECONDS
        while stored < RSS_AFTER and time.monotonic() < deadline:
            step = drive(pool, args, service, door, token, 8, seconds=min((RSS_AFTER - stored) / rate, 20.0))
            rate = max(step.requests_per_second, 1.0)
            stored = count_referrals(where.service_url)
    rss = worker_rss_mb(service.process.pid)
    return Line(f"worker RSS after {stored:,} referrals", where.name, "", " / ".join(f"{mb:.0f}" for mb in rss),
                "MB per worker")  # fmt: skip


@functools.cache
def _region_providers(services: int) -> tuple[ProviderDefinition, ...]:
    """The generated region, made once per run for every backend: the providers its files would
    hold, made in memory (writing and reading 10,000 services' files took a minute of each run)."""
    return tuple(region_providers(services))


def regional(
    args: argparse.Namespace, where: Backend, pool: concurrent.futures.Executor, env: dict[str, str],
    service: intake.Server, doors: list[Endpoint], token: str, rates: dict[tuple[str, int], float],
) -> list[Line]:  # fmt: skip
    """Load the generated regional directory (timed) and measure intake at 8 clients against it."""
    lines = []
    print(f"  loading a regional directory of {args.region_services:,} services ...", end="", flush=True)
    region = where.workdir.parent / "region"  # generated once, for every backend
    if args.providers_load and not region.exists():
        write_region(region, args.region_services)
    providers = () if args.providers_load else _region_providers(args.region_services)  # made untimed
    engine = make_engine(env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    if args.providers_load:
        subprocess.run(  # not intake.flask_cli: its 2-minute limit is too short for a region
            [str(intake.BIN / "flask"), "--app", "wsgi", "providers", "load", str(region)],
            cwd=PROJECT, env=env, capture_output=True, check=True, timeout=3600,
        )  # fmt: skip
        how = "`providers load`"
    else:  # the same rows in a few INSERTs (bench/bulk_directory.py): minutes less per backend
        with UnitOfWork(make_session_factory(engine)) as uow:
            bulk_load(uow, providers)
        how = "bulk write (bench path; region made in memory, untimed)"
    loaded = time.perf_counter() - started
    settle(engine)  # untimed, either way
    engine.dispose()
    print(f" {loaded:.0f} s", flush=True)
    lines.append(Line(f"{how} of {args.region_services:,} services", where.name, "", f"{loaded:.1f}", "s"))
    for endpoint in doors:
        result = drive(pool, args, service, endpoint, token, 8)
        lines.append(level_line(f"intake {endpoint.name}, regional directory", where.name, 8, result,
                                rates.get((endpoint.name, 8))))  # fmt: skip
    return lines


# --- the one-process benchmarks -----------------------------------------------------------------------


def script(*command: str, timeout: float = 900) -> str:
    result = subprocess.run(
        [PYTHON, *command], cwd=PROJECT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise SetupFailed(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


@contextlib.contextmanager
def scratch_database(where: Backend, name: str) -> Iterator[str]:
    """A fresh database for one subprocess benchmark."""
    if not where.postgres:
        path = where.workdir / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        return
    intake.recreate_databases(name)
    try:
        yield intake.database_url(name).replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with contextlib.suppress(Exception):
            intake.drop_databases(name)


def delivery_lines(where: Backend, baseline_rate: float) -> list[Line]:
    lines = []
    with scratch_database(where, "bench_outbox") as url:
        print(f"  outbox to a loopback receiver ({where.name}) ...", flush=True)
        output = script("bench/outbox.py", "--referrals", "100", "--database-url", url)
    found = re.search(r"([\d.]+) messages/s", output)
    if found:
        rate = float(found.group(1))
        lines.append(Line("outbox → loopback HTTP receiver", where.name, "1 process", f"{rate:.1f}", "messages/s",
                          ratio=_ratio(rate / baseline_rate)))  # fmt: skip
    with scratch_database(where, "bench_notifications") as url:
        print(f"  notifications to loopback Notify and SMTP ({where.name}) ...", flush=True)
        output = script("bench/notifications.py", "--count", "200", "--database-url", url)
    for channel, rate_text in re.findall(r"^(\w+): .* ([\d.]+) messages/s", output, re.MULTILINE):
        rate = float(rate_text)
        lines.append(Line(f"notifications → loopback {channel}", where.name, "1 process", f"{rate:.1f}",
                          "messages/s", ratio=_ratio(rate / baseline_rate)))  # fmt: skip
    return lines


def report_seconds(url: str) -> float:
    """The other half of the agreement: bench/reports.py's `time_full_report`, else its --measure-only."""
    reports = importlib.import_module("reports")
    timer = getattr(reports, "time_full_report", None)
    if timer is not None:
        return float(timer(url))
    found = re.search(r"full ([\d.]+)s", script("bench/reports.py", "--measure-only", url, "--repeat", "1"))
    if not found:
        raise SetupFailed("bench/reports.py --measure-only printed no full report time")
    return float(found.group(1))


def report_lines(targets: list[tuple[Backend, float]], sizes: list[int]) -> list[Line]:
    """The full report over each backend's synthetic history at each size. The histories grow
    together, one untimed `demo generate` per database at once (each is mostly one process's CPU,
    so two share a two-core machine well), and then each report is timed with nothing else running."""
    found: dict[str, list[Line]] = {where.name: [] for where, _ in targets}
    with contextlib.ExitStack() as stack:
        prepared = []
        for where, p50_ms in targets:
            url = stack.enter_context(scratch_database(where, "bench_reports"))
            env = dict(intake.service_environment(where.workdir / "instance-reports"), DATABASE_URL=url)
            intake.flask_cli(env, "db", "upgrade")
            intake.flask_cli(env, "providers", "load", str(DEMO))
            prepared.append((where, url, env, p50_ms))
        have = 0
        for size in sizes:
            names = " and ".join(where.name for where, *_ in prepared)
            print(f"  full report over {size:,} referrals: generating on {names} at once ...", flush=True)
            generate_together([(where, env) for where, _, env, _ in prepared], count=size - have, seed=size)
            have = size
            for where, url, _, p50_ms in prepared:
                seconds = report_seconds(url)
                print(f"    {where.name}: {seconds:.3f} s", flush=True)
                measure = f"full commissioner report, {size:,} referrals"
                ratio = _ratio(p50_ms / 1000 / seconds)
                found[where.name].append(Line(measure, where.name, "1", f"{seconds:.3f}", "s", ratio=ratio))
    return [line for lines in found.values() for line in lines]


def generate_together(targets: list[tuple[Backend, dict[str, str]]], count: int, seed: int) -> None:
    """`demo generate --referrals count` on every target's database at once; waits for them all."""
    running = []
    for where, env in targets:
        log = (where.workdir / "generate.log").open("ab")
        command = [str(intake.BIN / "flask"), "--app", "wsgi", "demo", "generate", "--referrals", str(count),
                   "--seed", str(seed)]  # fmt: skip
        running.append((where, log, subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=log)))
    failed = []
    for where, log, process in running:
        try:
            process.wait(timeout=3600)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if process.returncode != 0:
            tail = (where.workdir / "generate.log").read_text(errors="replace")[-2000:]
            failed.append(f"demo generate on {where.name} failed:\n{tail}")
    if failed:
        raise SetupFailed("\n".join(failed))


def triage_lines(args: argparse.Namespace, p50_ms: float) -> list[Line]:
    """bench/triage.py's Markdown table: the pure decision, and triage through the service layer (the
    candidates narrowed in SQL) on each database, per referral."""
    print("  triage (bench/triage.py) ...", flush=True)
    output = script("bench/triage.py", "--seconds", str(args.triage_seconds))
    rows = [line.strip().strip("|").split("|") for line in output.splitlines() if line.startswith("|")]
    if len(rows) < 3:
        return []
    header = [cell.strip() for cell in rows[0]]
    lines = []
    for row in rows[2:]:
        cells = [cell.strip() for cell in row]
        for name, value in zip(header[1:], cells[1:], strict=False):
            ms = float(value.replace(",", ""))
            what = name.removesuffix(" (ms)")
            lines.append(Line(f"{what}, {cells[0]} services", "in process", "1", f"{ms:.2f}", "ms each",
                              ratio=_ratio(p50_ms / ms)))  # fmt: skip
    return lines


# --- the run ----------------------------------------------------------------------------------------


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), "unknown CPU",
    )  # fmt: skip
    memory = next(
        (int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal")), 0,
    )  # fmt: skip
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs ({model}), {memory} GB RAM, load average {load:.1f} at the start"


def format_table(lines: list[Line]) -> str:
    header = "| measure | database | clients | figure | unit | p50 ms | p95 ms | p99 ms | ratio to baseline |"
    rows = [header, "|---|---|---:|---:|---|---:|---:|---:|---:|"]
    rows += [
        f"| {x.measure} | {x.backend} | {x.clients} | {x.value} | {x.unit} | {x.p50} | {x.p95} | {x.p99} | {x.ratio} |"
        for x in lines
    ]
    return "\n".join(rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured time per HTTP level (default 3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured time before each level (default 1)")
    parser.add_argument("--concurrency", default="1,8,32", help="client counts for intake (default 1,8,32)")
    parser.add_argument("--backends", default="postgresql,sqlite", help="default postgresql,sqlite")
    parser.add_argument("--region-services", type=int, default=10_000)
    parser.add_argument(
        "--providers-load", action="store_true", help="load the region with `providers load` (minutes), not in bulk"
    )
    parser.add_argument("--report-sizes", default="10000,100000")
    parser.add_argument("--million", action="store_true", help="the full report at 1,000,000 referrals too")
    parser.add_argument("--triage-seconds", type=float, default=1.0)
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: http,delivery,reports,triage")
    parser.add_argument("--out", type=Path, default=intake.BENCH_DIR / "last-run.md")
    args = parser.parse_args(argv)
    args.concurrency = [int(part) for part in args.concurrency.split(",") if part.strip()]
    args.skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    sizes = {int(size) for size in args.report_sizes.split(",")}
    args.report_sizes = sorted(sizes | {1_000_000} if args.million else sizes)
    return args


def run(args: argparse.Namespace, root: Path) -> tuple[list[Line], list[str]]:
    """The table's lines, and how long each part took (so a run over ten minutes says where)."""
    lines: list[Line] = []
    took: list[str] = []
    names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    context = multiprocessing.get_context("spawn")
    p50_ms = float("nan")

    @contextlib.contextmanager
    def timed(label: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        took.append(f"{label} {time.monotonic() - started:.0f} s")

    reported: list[tuple[Backend, float]] = []  # each backend, with its baseline's p50 for the ratio
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        for key in (part.strip() for part in args.backends.split(",")):
            with backend(names[key], root) as where:
                base_p50 = float("nan")  # without the HTTP part there is no baseline, and no ratio
                if "http" not in args.skip:
                    with timed(f"{where.name} HTTP"):
                        found, base_p50 = http_part(args, where, pool)
                    lines += found
                    if where.postgres or math.isnan(p50_ms):
                        p50_ms = base_p50  # triage's ratio: against PostgreSQL's baseline when there is one
                if "delivery" not in args.skip:
                    with timed(f"{where.name} delivery"):
                        lines += delivery_lines(where, 1000 / base_p50)
                reported.append((where, base_p50))
    if "reports" not in args.skip and reported:
        with timed("reports"):
            lines += report_lines(reported, args.report_sizes)
    if "triage" not in args.skip:
        with timed("triage"):
            lines += triage_lines(args, p50_ms)
    return lines, took


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not intake.CONFORMANCE_EXAMPLE.exists():
        print(f"the BaRS example {intake.CONFORMANCE_EXAMPLE} is missing", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="bench-run-"))
    started, where_run, measured = time.monotonic(), machine(), intake.revision()  # what the servers run
    try:
        with intake.terminate_on_sigterm():
            lines, took = run(args, root)
    except (SetupFailed, requests.RequestException, subprocess.SubprocessError) as error:
        print(f"\nBENCH FAILED: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(root, ignore_errors=True)
    summary = (
        f"{measured}; {where_run}; gunicorn -c gunicorn.conf.py (2 sync workers) for service and baseline; "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s per level; {time.monotonic() - started:.0f} s in all"
        f" ({', '.join(took)})"
    )
    table = format_table(lines)
    print(f"\n{summary}\n\n{table}")
    args.out.write_text(f"{summary}\n\n{table}\n")
    return 1 if any("errors" in line.value for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
