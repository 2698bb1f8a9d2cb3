"""Time to build the full commissioner report over 10,000, 100,000 and 1,000,000 synthetic referrals.

Run from the project root:

    .venv/bin/python bench/reports.py [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/reports_bench] [--repeat 3]

For each backend it starts from an empty, migrated database (a SQLite file under /tmp, or the
PostgreSQL database `reports_bench`, created if missing; never `test`), loads the demo directory and
the demo deprivation lookup, then grows the synthetic history (`demo generate`'s bulk path) to each
size in turn. At each size it times:

- generate: writing the extra referrals' rows;
- summary: rebuilding the reports' per-referral summary from the whole history, and its roll-ups by
  month (what a nightly `reports refresh --full` or `demo generate` does);
- report: `commissioner_report` for the whole period (the page's work: incremental refresh, every
  aggregate query, suppression), best of --repeat runs; and the same for one practice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from referral_service.domain.reporting.definitions import ReportFilter
from referral_service.persistence import migrations
from referral_service.persistence.bulk import analyse_tables
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.schemas.lookups import read_lsoa_deciles, read_postcode_lsoas
from referral_service.services.deprivation import apply_deprivation, store_deciles, store_postcodes
from referral_service.services.directory import load_directory
from referral_service.services.reports import commissioner_report
from referral_service.services.synthetic.generate import (
    finish_generation,
    generate_batch,
    prepare_catalogue,
)

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000


def fresh_database(backend: str, postgres_url: str) -> str:
    if backend == "sqlite":
        path = Path(tempfile.gettempdir()) / "reports_bench.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = make_url(postgres_url)
    if url.database in {"test", "postgres"}:
        raise SystemExit("use a database of its own for the benchmark (default reports_bench)")
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run(
    backend: str, sizes: list[int], postgres_url: str, repeat: int
) -> list[tuple[str, int, float, float, float, float]]:
    url = fresh_database(backend, postgres_url)
    engine = make_engine(url)
    migrations.upgrade(engine)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with UnitOfWork(factory) as uow:
        reading = read_directory(ROOT / "providers" / "demo")
        load_directory(uow, reading.providers, complete=True, areas=reading.areas)
        store_deciles(uow, list(read_lsoa_deciles(ROOT / "deprivation" / "demo" / "lsoa_imd.csv")))
        store_postcodes(uow, list(read_postcode_lsoas(ROOT / "deprivation" / "demo" / "postcode_lsoa.csv")))
        apply_deprivation(uow, now=now)
    with UnitOfWork(factory) as uow:
        catalogue = prepare_catalogue(uow)
    results = []
    written, batch = 0, 0
    whole = ReportFilter(date(2000, 1, 1), now.date())
    one_practice = ReportFilter(date(2000, 1, 1), now.date(), practice="P88001")
    for size in sizes:
        started = time.perf_counter()
        while written < size:
            count = min(BATCH, size - written)
            with UnitOfWork(factory) as uow:
                generate_batch(uow, catalogue, seed=1, batch=batch, count=count, now=now)
            written, batch = written + count, batch + 1
        generate = time.perf_counter() - started

        def summarise() -> None:
            with UnitOfWork(factory) as uow:
                finish_generation(uow, now=now)

        def report(report_filter: ReportFilter) -> Callable[[], None]:
            def build() -> None:
                with UnitOfWork(factory) as uow:
                    commissioner_report(uow, report_filter, threshold=7, now=now)

            return build

        summary = timed(summarise)
        full = min(timed(report(whole)) for _ in range(repeat))
        practice = min(timed(report(one_practice)) for _ in range(repeat))
        results.append((backend, size, generate, summary, full, practice))
        print(f"{backend:<10} {size:>9,} generate {generate:8.1f}s  summary {summary:7.1f}s  "
              f"report {full:6.3f}s  one practice {practice:6.3f}s", flush=True)  # fmt: skip
    engine.dispose()
    return results


def _report_timings(
    url: str, repeat: int, filters: dict[str, ReportFilter] | None = None
) -> tuple[str, int, dict[str, float]]:
    """(dialect, referrals, best seconds per filter) over an existing database, after refreshing
    the planner's statistics; the whole period only unless `filters` says otherwise."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with UnitOfWork(factory) as uow:
        referrals = int(uow.session.scalar(text("SELECT COUNT(*) FROM referrals")) or 0)
        analyse_tables(uow.session)
    chosen = filters or {"full": ReportFilter(date(2000, 1, 1), now.date())}

    def report(report_filter: ReportFilter) -> Callable[[], None]:
        def build() -> None:
            with UnitOfWork(factory) as uow:
                commissioner_report(uow, report_filter, threshold=7, now=now)

        return build

    timings = {name: min(timed(report(f)) for _ in range(repeat)) for name, f in chosen.items()}
    dialect = engine.dialect.name
    engine.dispose()
    return dialect, referrals, timings


def time_full_report(url: str, repeat: int = 1) -> float:
    """Seconds for the full commissioner report (the whole period, every practice) over the
    database at `url`, best of `repeat`: what `make bench` (bench/run.py) prints per size."""
    return _report_timings(url, repeat)[2]["full"]


def area_id(url: str, slug: str) -> int:
    """The id of the area `slug` (providers/demo/areas.yaml) in the database at `url`."""
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT id FROM areas WHERE slug = :slug"), {"slug": slug}).scalar()
    engine.dispose()
    if found is None:
        raise SystemExit(f"no area {slug!r} in the database (was the history generated with the areas file?)")
    return int(found)


def measure_only(url: str, repeat: int, area: str | None = None) -> None:
    """Time the report over a database a previous run left (after refreshing the planner's statistics);
    with `area`, also as a commissioner of that area sees it (the whole period, and the self-referrals)."""
    today = datetime.now(UTC).date()
    filters = {
        "full": ReportFilter(date(2000, 1, 1), today),
        "last 12 months": ReportFilter(today - timedelta(days=365), today),
        "one practice": ReportFilter(date(2000, 1, 1), today, practice="P88001"),
        "gp source": ReportFilter(date(2000, 1, 1), today, source="gp"),
    }
    if area:
        one_area = area_id(url, area)
        filters |= {
            f"area {area}": ReportFilter(date(2000, 1, 1), today, area_id=one_area),
            f"area {area} last 12 months": ReportFilter(today - timedelta(days=365), today, area_id=one_area),
            f"area {area} gp source": ReportFilter(date(2000, 1, 1), today, area_id=one_area, source="gp"),
        }
    dialect, referrals, timings = _report_timings(url, repeat, filters)
    print(f"{dialect} {referrals:,} referrals: " + ", ".join(f"{k} {v:.3f}s" for k, v in timings.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/reports_bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure-only", metavar="DATABASE_URL", help="only time reports over an existing database")
    parser.add_argument("--area", help="with --measure-only, also time one area's report (an areas.yaml id)")
    args = parser.parse_args()
    if args.measure_only:
        measure_only(args.measure_only, args.repeat, args.area)
        return
    sizes = sorted(int(size) for size in args.sizes.split(","))
    results = []
    for backend in args.backends.split(","):
        results += run(backend, sizes, args.postgres_url, args.repeat)
    print("\n| backend | referrals | generate (s) | summary rebuild (s) | full report (s) | one practice (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend, size, generate, summary, full, practice in results:
        print(f"| {backend} | {size:,} | {generate:.1f} | {summary:.1f} | {full:.3f} | {practice:.3f} |")


if __name__ == "__main__":
    main()
