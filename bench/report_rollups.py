"""Time the report roll-ups over a database bench/reports.py left: their full rebuild, the
`refresh-reports` tick after a few new referrals, and the report read through them.

Run from the project root, on a database holding a generated history (say 1,000,000 referrals):

    .venv/bin/python bench/report_rollups.py postgresql+psycopg://postgres@127.0.0.1:5432/reports_bench
        [--new 100] [--repeat 3] [--area stockport-north]

It migrates the database first (a history generated before the roll-ups existed gets their
tables), so the same database gives the before figure (bench/reports.py --measure-only on the
older code) and the after figure (this script). With `--area`, one area's commissioner is timed too
(bench/reports.py `--area`; the history needs the demo areas, which bench/reports.py loads).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports import measure_only  # type: ignore[import-not-found]

from referral_service.jobs.tasks import refresh_reports
from referral_service.persistence import migrations
from referral_service.persistence.bulk import analyse_tables
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.read_models.rollup_refresh import refresh_rollups
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.synthetic.generate import INSERT_ORDER, generate_batch, prepare_catalogue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--new", type=int, default=100, help="referrals added before timing the tick")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--area", help="also time this area's report (an id in providers/demo/areas.yaml)")
    args = parser.parse_args()
    engine = make_engine(args.url)
    migrations.upgrade(engine)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with UnitOfWork(factory) as uow:
        referrals = uow.session.scalar(text("SELECT COUNT(*) FROM report_journeys"))
        started = time.perf_counter()
        refresh_rollups(uow.session, None)
        full = time.perf_counter() - started
        analyse_tables(uow.session)
    rows = {}
    with UnitOfWork(factory) as uow:
        for table in ("report_rollups", "report_equity_rollups", "report_wait_rollups", "report_tally_rollups"):
            rows[table] = uow.session.scalar(text(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608 (fixed names)
    print(f"{referrals:,} journeys: roll-ups rebuilt in {full:.1f}s; rows {rows}", flush=True)
    refresh_reports(factory, now=lambda: now)  # brings the mark up to date (a migration clears it)
    with UnitOfWork(factory) as uow:
        generate_batch(uow, prepare_catalogue(uow), seed=2, batch=999, count=args.new, now=now)
        uow.synthetic.after_bulk_load(INSERT_ORDER)
    started = time.perf_counter()
    refresh_reports(factory, now=lambda: now)
    print(f"refresh-reports tick after {args.new} new referrals: {time.perf_counter() - started:.2f}s", flush=True)
    engine.dispose()
    measure_only(args.url, args.repeat, args.area)


if __name__ == "__main__":
    main()
