"""Task polling in-process: one GP system's poll of a full page (100 Tasks and their ServiceRequests).

The app in-process (Flask's test client, no HTTP, no gunicorn), the demo directory loaded and one API
client for RND. Referrals are sent through both doors, each for its own patient (the plain ServiceRequest is
offered a place, the BaRS Bundle goes to the link worker); after the first half every service is made
full, so later ones wait. Then `GET /fhir/Task?_lastUpdated=gt…&_include=Task:focus` (bench/run.py's polling loop)
is timed: wall and this process's CPU milliseconds per poll (CPU is the steadier figure on a shared
machine; on PostgreSQL the server's own CPU is not in it), and SQL statements per poll.

Run: .venv/bin/python bench/polling.py [--database-url postgresql+psycopg://…/bench_poll] [--referrals 100]
    [--polls 30] [--profile] [--keep] [--dump FILE]
`--keep` seeds nothing when the database already has referrals (so two checkouts can poll the same
data: `PYTHONPATH=/tmp/old .venv/bin/python bench/polling.py --database-url sqlite:////tmp/p.db --keep
--dump old.json`, then the same without PYTHONPATH, and `cmp` the dumps).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select, update

sys.path.append(str(Path(__file__).resolve().parent.parent))  # the tests' referral fixtures (after PYTHONPATH)
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

import intake
from flask.testing import FlaskClient

import referral_service
from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.models import CapacityPool, Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.accounts import register_api_client
from referral_service.services.directory import load_directory
from referral_service.services.passwords import password_hasher
from tests.fixtures.fhir import gp_referral_bundle, plain_referral

POLL = "/fhir/Task?_lastUpdated=gt2000-01-01T00:00:00Z&_include=Task:focus"
SECRET = "s" * 16


def nhs_numbers() -> Iterator[str]:
    """Valid NHS numbers (Modulus 11), one for each patient, so no referral waits behind another."""
    for stem in range(900000010, 900100000):
        digits = [int(d) for d in f"{stem:09d}"]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check != 10:
            yield f"{stem:09d}{check % 11}"


def seed(client: FlaskClient, factory: Any, token: str, referrals: int) -> None:
    """Two in three plain ServiceRequests (offered a place; waiting once the services are full), one in
    three BaRS Bundles (to the link worker), each for its own patient."""
    numbers = nhs_numbers()
    for number in range(referrals):
        if number == referrals // 2:
            with UnitOfWork(factory) as uow:  # every service full: the rest wait
                uow.session.execute(update(CapacityPool).values(places=0))
        headers = intake.request_headers(token)
        if number % 3 == 2:
            path, body, status = "/fhir/$process-message", gp_referral_bundle(next(numbers)), 200
        else:
            path, body, status = "/fhir/ServiceRequest", plain_referral(f"poll-{uuid.uuid4()}", next(numbers)), 201
        response = client.post(path, data=json.dumps(body), headers=headers)
        assert response.status_code == status, response.get_data(as_text=True)[:500]


def counting(engine: Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--referrals", type=int, default=100)
    parser.add_argument("--polls", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="cProfile one poll, print the top functions")
    parser.add_argument("--keep", action="store_true", help="seed nothing if the database has referrals")
    parser.add_argument("--dump", help="write one poll's response body here")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.database_url or f"sqlite:///{folder}/polling.sqlite3"
        engine = make_engine(url)
        migrations.upgrade(engine)
        factory = make_session_factory(engine)
        with UnitOfWork(factory) as uow:
            fresh = not (arguments.keep and uow.session.scalar(select(func.count()).select_from(Referral)))
            if fresh:
                load_directory(uow, read_directory(intake.PROJECT / "providers" / "demo").providers, complete=True)
                register_api_client(
                    uow, client_id="bench-gp", name="bench", hasher=password_hasher("fast"),
                    practices=(intake.SENDER_ODS, "P88001"), callback_url=None, secret=SECRET,
                )  # fmt: skip
        app = create_app(Settings.for_tests(url, instance_dir=Path(folder) / "instance"), session_factory=factory)
        client = app.test_client()
        credentials = {"grant_type": "client_credentials", "client_id": "bench-gp", "client_secret": SECRET}
        token = client.post("/oauth/token", data=credentials).get_json()["access_token"]
        if fresh:
            seed(client, factory, token, arguments.referrals)
        headers = intake.request_headers(token)

        def poll() -> bytes:
            response = client.get(POLL, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)[:500]
            return response.get_data()

        body = poll()
        if arguments.dump:
            Path(arguments.dump).write_bytes(body)
        seen = counting(engine)
        poll()
        statements = len(seen)
        wall = cpu = 0.0
        for _ in range(arguments.polls):
            started, started_cpu = time.perf_counter(), time.process_time()
            poll()
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
        backend = engine.dialect.name
        tasks = sum(entry["search"]["mode"] == "match" for entry in json.loads(body)["entry"])
        print(
            f"{backend}: {tasks} Tasks per poll, {statements} statements per poll, "
            f"{1000 * wall / arguments.polls:.1f} ms wall, {1000 * cpu / arguments.polls:.1f} ms CPU per poll "
            f"({arguments.polls} polls; code from {Path(referral_service.__file__).parent.parent})"
        )
        if arguments.profile:
            profiler = cProfile.Profile()
            profiler.runcall(poll)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        engine.dispose()


if __name__ == "__main__":
    main()
