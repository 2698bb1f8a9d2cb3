"""Triage throughput against directories of 10, 100, 1,000 and 10,000 services.

Two figures per size:
- decide: the pure domain decision (facts -> every candidate assessed -> ranked choice) with every
  service answering the referral's pathway, the worst case (all are assessed);
- service: the whole path a referral takes in the service layer on SQLite (store, triage reading
  the directory and its live capacity from the database, reserve, event), up to 1,000 services
  (loading 10,000 into SQLite for each run would dominate the benchmark's time).

Run: .venv/bin/python bench/triage.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' referral factory

from referral_service.domain.choice import ServiceProfile, decide
from referral_service.domain.directory import ProviderDefinition
from referral_service.domain.facts import Dated, PatientFacts
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.access import active_client
from referral_service.services.accounts import register_api_client
from referral_service.services.directory import load_directory
from referral_service.services.intake import receive_referral
from referral_service.services.passwords import password_hasher
from tests.factories import incoming

DEMO = Path(__file__).resolve().parent.parent / "providers" / "demo"
EXERCISE = "http://snomed.info/sct|390893007"
DISTRICTS = [f"SK{n}" for n in range(1, 13)]
TODAY = date(2026, 11, 26)


def exercise_template() -> tuple[ProviderDefinition, int]:
    providers = read_directory(DEMO).providers
    provider = next(p for p in providers if p.slug == "mersey-vale-leisure")
    return provider, 0


def synthetic_providers(size: int) -> list[ProviderDefinition]:
    """`size` copies of the demo's exercise referral service, each with its own id and catchment."""
    template, index = exercise_template()
    service = template.services[index]
    rng = random.Random(size)
    providers = []
    for n in range(size):
        districts = frozenset(rng.sample(DISTRICTS, 3))
        copy = replace(service, slug=f"bench-service-{n}", name=f"Exercise referral {n}", catchment_districts=districts)
        providers.append(replace(template, slug=f"bench-provider-{n}", identifiers=(), services=(copy,)))
    return providers


def profiles(size: int) -> list[ServiceProfile]:
    return [
        ServiceProfile(
            slug=p.services[0].slug,
            name=p.services[0].name,
            pathway=EXERCISE,
            districts=p.services[0].catchment_districts,
            eligibility=p.services[0].eligibility,
            accredited=True,
            has_room=True,
            takes_waitlist=True,
            waiting=0,
            places=40,
        )
        for p in synthetic_providers(size)
    ]


def patients(count: int) -> list[PatientFacts]:
    rng = random.Random(7)
    people = []
    for _ in range(count):
        measured = TODAY - timedelta(days=rng.randint(1, 120))
        people.append(
            PatientFacts(
                referral_date=TODAY,
                birth_date=date(rng.randint(1940, 2005), rng.randint(1, 12), 1),
                sex=rng.choice(["female", "male"]),
                postcode=f"{rng.choice(DISTRICTS)} 1AA",
                pathway=EXERCISE,
                conditions=dict.fromkeys(rng.sample(["38341003", "44054006", "35489007", "22298006"], 1)),
                measurements={
                    "bmi": Dated(rng.uniform(22, 42), measured),
                    "blood_pressure": Dated(rng.uniform(110, 185), measured, rng.uniform(65, 105)),
                    "activity_minutes_per_week": Dated(rng.uniform(0, 60), measured),
                },
            )
        )
    return people


def rate(seconds: float, work: object) -> tuple[float, int]:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        work()  # type: ignore[operator]
        done += 1
    return done / (time.perf_counter() - started), done


def bench_decide(size: int, seconds: float) -> float:
    candidates = profiles(size)
    people = patients(200)
    cursor = iter(range(10**9))
    per_second, _ = rate(seconds, lambda: decide(people[next(cursor) % len(people)], candidates))
    return per_second


def bench_service(size: int, seconds: float) -> float:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.sqlite3")
        migrations.upgrade(engine)
        session_factory = make_session_factory(engine)
        with UnitOfWork(session_factory) as uow:
            load_directory(uow, synthetic_providers(size), complete=True)
            register_api_client(
                uow,
                client_id="bench-gp",
                name="bench",
                hasher=password_hasher("fast"),
                practices=("P88001",),
                secret="x" * 12,
            )
        with UnitOfWork(session_factory) as uow:
            gp = active_client(uow, "bench-gp")
        now = datetime(2026, 11, 26, 10, tzinfo=UTC)

        def one() -> None:
            with UnitOfWork(session_factory) as uow:
                receive_referral(uow, incoming(postcode=f"{random.choice(DISTRICTS)} 1AA"), actor=gp, now=now)

        per_second, _ = rate(seconds, one)
        engine.dispose()
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    arguments = parser.parse_args()
    print(f"{'services':>9} {'decide/s':>10} {'ms each':>8} {'service/s (SQLite)':>19} {'ms each':>8}")
    for size in (10, 100, 1_000, 10_000):
        decided = bench_decide(size, arguments.seconds)
        served = bench_service(size, arguments.seconds) if size <= 1_000 else None
        service_text = f"{served:>19.1f} {1000 / served:>8.2f}" if served else f"{'-':>19} {'-':>8}"
        print(f"{size:>9} {decided:>10.1f} {1000 / decided:>8.2f} {service_text}", flush=True)


if __name__ == "__main__":
    main()
