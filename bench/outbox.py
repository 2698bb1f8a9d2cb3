"""Outbox delivery throughput: messages delivered per second to a receiver on loopback.

The receiver runs in its own process (a threading HTTP server answering 200). The messages are
real: referrals are triaged, accepted, attended and completed through the service functions, which
queue their referrer's messages; then one delivery process drains them as the scheduler does: each
message claimed and rendered in one transaction, POSTed with none open, recorded in another.

Run: .venv/bin/python bench/outbox.py [--referrals 100] [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' referral factory

from referral_service.domain.access import Actor, ActorKind, ApiClientKind
from referral_service.domain.lifecycle import Action
from referral_service.jobs.delivery import deliver_due, http_sender
from referral_service.jobs.messages import ServiceIdentity
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.access import active_client
from referral_service.services.accounts import register_api_client
from referral_service.services.casework import record_step
from referral_service.services.directory import load_directory
from referral_service.services.intake import receive_referral
from referral_service.services.offers import accept_offer
from referral_service.services.passwords import password_hasher
from tests.factories import incoming

DEMO = Path(__file__).resolve().parent.parent / "providers" / "demo"
IDENTITY = ServiceIdentity("X99001", "https://fhir.nhs.uk/Id/dos-service-id|900000001")


def serve(port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def prepare(url: str, referrals: int, callback: str) -> int:
    """Referrals worked through their programme; returns how many messages that queued."""
    engine = make_engine(url)
    migrations.upgrade(engine)
    session_factory = make_session_factory(engine)
    now = datetime.now(UTC) - timedelta(minutes=5)
    with UnitOfWork(session_factory) as uow:
        providers = read_directory(DEMO).providers
        load_directory(uow, providers, complete=True)
        register_api_client(
            uow,
            client_id="bench-gp",
            name="bench",
            hasher=password_hasher("fast"),
            practices=("P88001",),
            callback_url=callback,
            secret="x" * 12,
        )
        service = uow.directory.service_by_slug("mvl-exercise-referral")
        assert service is not None
        organisation = service.organisation_id
        uow.session.execute(text("UPDATE capacity_pools SET places = :n"), {"n": referrals + 10})
    with UnitOfWork(session_factory) as uow:
        gp = active_client(uow, "bench-gp")
    staff = Actor(
        ActorKind.API_CLIENT, "bench-staff", client_kind=ApiClientKind.PROVIDER_SYSTEM, organisation_id=organisation
    )
    for _ in range(referrals):
        with UnitOfWork(session_factory) as uow:
            referral_id = receive_referral(uow, incoming(), actor=gp, now=now).referral_id
        with UnitOfWork(session_factory) as uow:
            accept_offer(uow, referral_id, actor=staff, now=now)
            for step in (Action.CONTACT, Action.ATTEND, Action.COMPLETE):
                record_step(uow, referral_id, step, actor=staff, now=now)
    with UnitOfWork(session_factory) as uow:
        queued = uow.outbox.count_by_status().get("pending", 0)
    engine.dispose()
    return queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=100, help="each queues 3 messages")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    arguments = parser.parse_args()
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    receiver = multiprocessing.Process(target=serve, args=(ports,), daemon=True)
    receiver.start()
    callback = f"http://127.0.0.1:{ports.get(timeout=10)}/fhir/$process-message"
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.database_url or f"sqlite:///{folder}/outbox.sqlite3"
        queued = prepare(url, arguments.referrals, callback)
        engine = make_engine(url)
        session_factory = make_session_factory(engine)
        started = time.perf_counter()
        report = deliver_due(session_factory, http_sender(), IDENTITY, now=lambda: datetime.now(UTC), batch=1000)
        elapsed = time.perf_counter() - started
        engine.dispose()
    receiver.terminate()
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{database}: {len(report.delivered)} of {queued} messages delivered in {elapsed:.2f} s")
    delivered = max(len(report.delivered), 1)
    print(f"{delivered / elapsed:.1f} messages/s, {1000 * elapsed / delivered:.2f} ms each")
    if len(report.delivered) != queued:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
