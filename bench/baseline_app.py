"""The floor the intake benchmark measures the service against: Flask + SQLAlchemy doing the least work.

Same framework, same WSGI server, same driver (psycopg 3) and same PostgreSQL as the service, and the
same two URLs (and a read for the Task polling figure), but each request only parses the body with
`json.loads` and inserts one row. The ratio service/baseline throughput then says how much the
service's own work (auth, FHIR validation, intake rules, several rows per referral) costs, with the
fixed costs of HTTP, WSGI and a commit taken out. SQLite works too (BASELINE_DATABASE_URL=sqlite:///…).

Served by bench/intake.py and bench/run.py (the latter with gunicorn.conf.py) as
`gunicorn --chdir bench 'baseline_app:create_app()'` with BASELINE_DATABASE_URL set.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, jsonify, request
from sqlalchemy import Column, DateTime, Engine, LargeBinary, MetaData, String, Table, create_engine, select

metadata = MetaData()
received = Table(
    "received",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("payload", LargeBinary, nullable=False),
)


def database_url() -> str:
    """psycopg 3, as the service uses (SQLAlchemy would otherwise pick psycopg2 for postgresql://)."""
    url = os.environ["BASELINE_DATABASE_URL"]  # or sqlite:///… for the SQLite run
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_schema(url: str | None = None) -> None:
    """Called once by the benchmark before gunicorn starts, so two workers never race to create the table."""
    engine = create_engine(url or database_url())
    metadata.create_all(engine)
    engine.dispose()


def _store(engine: Engine, body: bytes) -> str:
    document = json.loads(body)  # the same parse the service does first; the result is not used further
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    row_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(received.insert().values(id=row_id, received_at=datetime.now(UTC), payload=body))
    return row_id


def create_app() -> Flask:
    """The app, with an engine of its own: gunicorn (no --preload) calls this in each worker after forking."""
    app = Flask(__name__)
    engine = create_engine(database_url())

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.post("/fhir/$process-message")
    def process_message() -> tuple[Response, int]:
        return jsonify(id=_store(engine, request.get_data())), 200

    @app.post("/fhir/ServiceRequest")
    def service_request() -> tuple[Response, int]:
        return jsonify(id=_store(engine, request.get_data())), 201

    @app.get("/fhir/Task")
    def recent() -> Response:
        """The polling read's floor: the newest rows' ids and times, by an indexed column."""
        newest = select(received.c.id, received.c.received_at).order_by(received.c.received_at.desc()).limit(20)
        with engine.connect() as connection:
            rows = connection.execute(newest).all()
        return jsonify(entries=[{"id": row.id, "at": row.received_at.isoformat()} for row in rows])

    return app
