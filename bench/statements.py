"""SQL statements per referral on the intake path, by door: what `docs/performance.md` profiles.

The app in-process (Flask's test client, no HTTP), the demo directory loaded, an API client for
RND; a SQLAlchemy `before_cursor_execute` listener counts every statement (and every transaction
begun) of the last of --requests referrals by each door, then prints them, shortened.

Run: .venv/bin/python bench/statements.py [--database-url postgresql+psycopg://…] [--requests 20]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, event

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

import intake

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.accounts import register_api_client
from referral_service.services.directory import load_directory
from referral_service.services.passwords import password_hasher


def shorten(statement: str) -> str:
    """`INSERT INTO referrals`, `read organisations`, `UPDATE tasks`: the verb and the table."""
    words = " ".join(statement.split())
    found = re.match(r"(INSERT INTO|UPDATE|DELETE FROM) (\w+)", words) or re.search(r"FROM (\w+)", words)
    if found is None:
        return words[:60]
    if words.startswith("SELECT") or words.startswith("WITH"):
        return f"read {found.group(1)}"
    return f"{found.group(1)} {found.group(2)}"


def in_process_app(url: str, folder: str) -> tuple[Engine, FlaskClient, str]:
    """The app on `url` (migrated, the demo directory, the bench's GP client) under Flask's test
    client, and that client's bearer token."""
    engine = make_engine(url)
    migrations.upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        load_directory(uow, read_directory(intake.PROJECT / "providers" / "demo").providers, complete=True)
        register_api_client(
            uow, client_id="bench-gp", name="bench", hasher=password_hasher("fast"),
            practices=(intake.SENDER_ODS,), callback_url=None, secret="s" * 16,
        )  # fmt: skip
    app = create_app(Settings.for_tests(url, instance_dir=Path(folder) / "instance"), session_factory=factory)
    client = app.test_client()
    credentials = {"grant_type": "client_credentials", "client_id": "bench-gp", "client_secret": "s" * 16}
    return engine, client, client.post("/oauth/token", data=credentials).get_json()["access_token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--verbose", action="store_true", help="also print each statement in order, in full")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.database_url or f"sqlite:///{folder}/statements.sqlite3"
        engine, client, token = in_process_app(url, folder)
        seen: list[str] = []
        full: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(shorten(statement))
            full.append(" ".join(statement.split()))

        @event.listens_for(engine, "begin")
        def begun(_conn: Any) -> None:
            seen.append("BEGIN")

        for endpoint in intake.endpoints():
            for _ in range(arguments.requests):
                seen.clear()
                full.clear()
                headers = intake.request_headers(token)
                headers["X-Request-Id"] = str(uuid.uuid4())
                response = client.post(endpoint.path, data=endpoint.body(), headers=headers)
                assert response.status_code == endpoint.service_status, response.get_data(as_text=True)[:500]
            statements = [s for s in seen if s != "BEGIN"]
            print(f"{endpoint.name}: {len(statements)} statements, {seen.count('BEGIN')} transactions")
            for text, times in Counter(statements).most_common():
                print(f"  {times} x {text}")
            if arguments.verbose:
                for number, text in enumerate(full, 1):
                    print(f"  {number:3}. {text[:400]}")
        engine.dispose()


if __name__ == "__main__":
    main()
