"""Rows a unit of work has loaded, held until it ends.

SQLAlchemy's identity map holds objects weakly: once a service drops its reference, a second
`session.get` of the same row in the same transaction reads it again. Intake looks the same API
client, sender practice and referral up several times in one request (authentication, the outbox,
the read-back for the answer); holding them makes every later `get` an identity-map hit.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

Row = TypeVar("Row")
KEPT = "kept_rows"


def keep(session: Session, row: Row) -> Row:
    """Hold `row` for the rest of the session (None is passed through)."""
    if row is not None:
        session.info.setdefault(KEPT, []).append(row)
    return row


def kept(session: Session, kind: type[Row]) -> list[Row]:
    """The rows of one kind held so far, oldest first."""
    return [row for row in session.info.get(KEPT, ()) if isinstance(row, kind)]
