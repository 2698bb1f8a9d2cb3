"""The message a link worker's close sends is of kind `closed`, not `declined`.

`declined` read as if the provider had declined, which is a different thing (the referral is
offered elsewhere, or goes to a link worker). Existing messages are renamed in `message_type`
and in the snapshot they render from; the rendered bytes do not change, so a retry of a
message queued before the rename still sends what its first attempt sent.

Revision ID: 51dba0664c4a
Revises: 3d308efb918d
Created: 2026-12-01 11:30:00.000000+00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "51dba0664c4a"
down_revision: str | None = "3d308efb918d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

messages = sa.table(
    "outbox_messages",
    sa.column("id", sa.Integer()),
    sa.column("message_type", sa.String(60)),
    sa.column("payload", sa.LargeBinary()),
)


def _rename(old: str, new: str) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(messages.c.id, messages.c.payload).where(messages.c.message_type == old))
    for row_id, payload in rows.all():
        snapshot = json.loads(bytes(payload))
        snapshot["kind"] = new
        connection.execute(
            sa.update(messages)
            .where(messages.c.id == row_id)
            .values(message_type=new, payload=json.dumps(snapshot, sort_keys=True).encode())
        )


def upgrade() -> None:
    _rename("declined", "closed")


def downgrade() -> None:
    _rename("closed", "declined")
