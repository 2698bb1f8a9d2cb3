"""Triage against regional directories of 10, 100, 1,000 and 10,000 services.

The directory is the demo's exercise referral service copied `size` times across 20 pathways and
120 postcode districts (each copy covers 3), as a regional ORUK feed brings: thousands of services,
a handful per pathway and area. Figures per size:
- decide (all): the pure domain decision with every service on the referral's pathway assessed
  (the worst case, what triage did before it was narrowed in SQL);
- triage, first sight: the service-layer triage read and decision (the narrowed directory query,
  rules parsed once per service version, live capacity and waiting lists, the decision) for each of
  200 people once, so the narrowing kept per pathway, day, district and age has nothing for most of
  them: a region's usual case, as its referrals rarely share a district and an age;
- triage: the same over and over for those 200 people, the kept narrowing in use (wall, and this
  process's CPU), on SQLite and on PostgreSQL;
- intake: the whole path a referral takes in the service layer (store, triage, reserve, events, one
  transaction), on SQLite and on PostgreSQL.

Run: .venv/bin/python bench/triage.py [--seconds 3] [--sizes 10,100,1000,10000]
    [--backends sqlite,postgresql] [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_triage]
    [--crowd 170] [--distinct-rules]
`--crowd N`: N of the exercise services also cover SK3 and every patient lives there, so N services
are real candidates for each referral (the regional directory puts about 170 in SK3).
`--distinct-rules`: every copy's inclusion rule differs (a BMI ceiling of its own, above any
patient's), so no two services share rules and nothing can be judged once for many.
Prints a Markdown table (milliseconds per referral; "CPU" is this process's CPU time, without
PostgreSQL's, the steadier figure on a shared machine).
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
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

from bulk_directory import bulk_load, settle
from sqlalchemy import make_url, text

from referral_service.domain.choice import ServiceProfile, decide
from referral_service.domain.directory import ProviderDefinition
from referral_service.domain.facts import Dated, PatientFacts
from referral_service.domain.rules import AllOf, BmiRule, Range
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.access import active_client
from referral_service.services.accounts import register_api_client
from referral_service.services.candidates import narrowed_profiles
from referral_service.services.intake import receive_referral
from referral_service.services.passwords import password_hasher
from tests.factories import incoming

DEMO = Path(__file__).resolve().parent.parent / "providers" / "demo"
EXERCISE = "http://snomed.info/sct|390893007"
PATHWAYS = 20  # the exercise pathway and 19 others
DISTRICTS = [f"{area}{n}" for area in ("SK", "M", "OL", "WA", "BL", "WN") for n in range(1, 21)]
TODAY = date(2026, 11, 26)


def exercise_template() -> tuple[ProviderDefinition, int]:
    providers = read_directory(DEMO).providers
    provider = next(p for p in providers if p.slug == "mersey-vale-leisure")
    return provider, 0


CROWDED = "SK3"


def synthetic_providers(size: int, crowd: int = 0, distinct: bool = False) -> list[ProviderDefinition]:
    """`size` copies of the demo's exercise referral service, each with its own id, one of PATHWAYS
    pathways and a catchment of 3 districts of DISTRICTS (one in PATHWAYS answers exercise); the
    first `crowd` exercise copies also cover CROWDED; with `distinct`, each its own inclusion rule."""
    template, index = exercise_template()
    service = template.services[index]
    rng = random.Random(size)
    providers = []
    for n in range(size):
        districts = frozenset(rng.sample(DISTRICTS, 3))
        if n % PATHWAYS == 0 and n // PATHWAYS < crowd:
            districts = frozenset({*sorted(districts)[:2], CROWDED})
        pathway = service.pathway if n % PATHWAYS == 0 else replace(service.pathway, code=f"90000{n % PATHWAYS:02d}")
        eligibility = service.eligibility
        if distinct:  # a BMI ceiling of its own, 60 to 61, above any bench patient's: same verdicts
            limit = BmiRule(Range(None, 60 + n / 10_000))
            eligibility = replace(eligibility, include=AllOf((*eligibility.include.rules, limit)))
        copy = replace(
            service,
            slug=f"bench-service-{n}",
            name=f"Exercise referral {n}",
            catchment_districts=districts,
            pathway=pathway,
            eligibility=eligibility,
        )
        providers.append(replace(template, slug=f"bench-provider-{n}", identifiers=(), services=(copy,)))
    return providers


def profiles(size: int, distinct: bool = False) -> list[ServiceProfile]:
    """Every service as if it answered the exercise pathway: the worst case for the pure decision."""
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
        for p in synthetic_providers(size, distinct=distinct)
    ]


def patients(count: int, district: str | None = None) -> list[PatientFacts]:
    rng = random.Random(7)
    people = []
    for _ in range(count):
        measured = TODAY - timedelta(days=rng.randint(1, 120))
        people.append(
            PatientFacts(
                referral_date=TODAY,
                birth_date=date(rng.randint(1940, 2005), rng.randint(1, 12), 1),
                sex=rng.choice(["female", "male"]),
                postcode=f"{district or rng.choice(DISTRICTS)} 1AA",
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
    per_second, done, _cpu = timed_rate(seconds, work)
    return per_second, done


def timed_rate(seconds: float, work: object) -> tuple[float, int, float]:
    """Calls per second, calls, and this process's CPU milliseconds per call (on a busy machine the
    CPU figure is the steadier one: it leaves out time spent waiting for a core)."""
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        work()  # type: ignore[operator]
        done += 1
    return done / (time.perf_counter() - started), done, (time.process_time() - cpu) * 1000 / max(done, 1)


def bench_decide(size: int, seconds: float, distinct: bool = False) -> float:
    candidates = profiles(size, distinct)
    people = patients(200)
    cursor = iter(range(10**9))
    per_second, _ = rate(seconds, lambda: decide(people[next(cursor) % len(people)], candidates))
    return per_second


def fresh_database(backend: str, postgres_url: str, folder: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder}/bench.sqlite3"
    url = make_url(postgres_url)
    if url.database in {"test", "postgres"}:
        raise SystemExit("use a database of its own for the benchmark (default bench_triage)")
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def bench_service(
    backend: str, size: int, seconds: float, postgres_url: str, crowd: int = 0, distinct: bool = False
) -> tuple[float, float, float, float]:
    """Milliseconds per referral: the service-layer triage read and decision at first sight of each
    person, then again and again (wall, and this process's CPU), then whole intakes (wall)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(fresh_database(backend, postgres_url, folder))
        migrations.upgrade(engine)
        session_factory = make_session_factory(engine)
        with UnitOfWork(session_factory) as uow:
            bulk_load(uow, synthetic_providers(size, crowd, distinct))  # the rows `providers load` writes, in seconds
            register_api_client(
                uow,
                client_id="bench-gp",
                name="bench",
                hasher=password_hasher("fast"),
                practices=("P88001",),
                secret="x" * 12,
            )
        settle(engine)
        with UnitOfWork(session_factory) as uow:
            gp = active_client(uow, "bench-gp")
        now = datetime(2026, 11, 26, 10, tzinfo=UTC)
        people = patients(200, CROWDED if crowd else None)
        cursor = iter(range(10**9))

        def triage(facts: PatientFacts) -> None:
            with UnitOfWork(session_factory) as uow:
                found = narrowed_profiles(uow, facts, TODAY)
                decide(facts, found.profiles, left_out=found.left_out).to_document()

        def triage_only() -> None:
            triage(people[next(cursor) % len(people)])

        def intake() -> None:
            with UnitOfWork(session_factory) as uow:
                postcode = f"{CROWDED if crowd else random.choice(DISTRICTS)} 1AA"
                receive_referral(uow, incoming(postcode=postcode), actor=gp, now=now)

        started = time.perf_counter()
        for facts in people:
            triage(facts)
        first_sight = (time.perf_counter() - started) * 1000 / len(people)
        triaged, _, cpu = timed_rate(seconds, triage_only)
        received, _ = rate(seconds, intake)
        engine.dispose()
    return first_sight, 1000 / triaged, cpu, 1000 / received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_triage")
    parser.add_argument("--crowd", type=int, default=0, help=f"exercise services that also cover {CROWDED}")
    parser.add_argument("--distinct-rules", action="store_true", help="no two services share an inclusion rule")
    arguments = parser.parse_args()
    backends = arguments.backends.split(",")
    header = ["services", "decide, all assessed (ms)"]
    for backend in backends:
        header += [
            f"triage {backend} first sight (ms)",
            f"triage {backend} (ms)",
            f"triage {backend} CPU (ms)",
            f"intake {backend} (ms)",
        ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    for size in (int(n) for n in arguments.sizes.split(",")):
        cells = [f"{size:,}", f"{1000 / bench_decide(size, arguments.seconds, arguments.distinct_rules):.2f}"]
        for backend in backends:
            first_sight, triaged, cpu, received = bench_service(
                backend, size, arguments.seconds, arguments.postgres_url, arguments.crowd, arguments.distinct_rules
            )
            cells += [f"{first_sight:.2f}", f"{triaged:.2f}", f"{cpu:.2f}", f"{received:.2f}"]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
