"""The rename of the link worker's close message (`declined` -> `closed`) carries the messages already
queued with it (their type and the snapshot they render from), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine

BEFORE = "3d308efb918d"
INSERT = sa.text(
    "INSERT INTO outbox_messages (public_id, ordering_key, destination, message_type, request_id, correlation_id,"
    " payload, status, attempts, next_attempt_at, created_at) VALUES (:public_id, 'r1', 'https://gp.invalid',"
    " :kind, :public_id, :public_id, :payload, 'pending', 0, :at, :at)"
)
KINDS = sa.text("SELECT public_id, message_type, payload FROM outbox_messages ORDER BY id")


def _stored(connection: sa.Connection) -> dict[str, tuple[str, str]]:
    return {row[0]: (row[1], json.loads(bytes(row[2]))["kind"]) for row in connection.execute(KINDS)}


def test_declined_messages_become_closed_and_back(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrations.upgrade(engine, BEFORE)
        at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        with engine.begin() as connection:
            for public_id, kind in (("m-closed", "declined"), ("m-other", "accepted")):
                payload = json.dumps({"kind": kind, "at": at.isoformat()}, sort_keys=True).encode()
                connection.execute(INSERT, {"public_id": public_id, "kind": kind, "payload": payload, "at": at})

        migrations.upgrade(engine)
        with engine.connect() as connection:
            assert _stored(connection) == {"m-closed": ("closed", "closed"), "m-other": ("accepted", "accepted")}

        migrations.downgrade(engine, BEFORE)
        with engine.connect() as connection:
            assert _stored(connection) == {"m-closed": ("declined", "declined"), "m-other": ("accepted", "accepted")}
    finally:
        engine.dispose()
