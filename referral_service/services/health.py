"""Is this process ready to serve: does the database answer, and is its schema current?"""

from __future__ import annotations

from dataclasses import dataclass

from referral_service.persistence import migrations
from referral_service.persistence.uow import UnitOfWork


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str


def check_readiness(uow: UnitOfWork) -> Readiness:
    """Ready only when the database answers and sits at the newest migration.

    Says why not in words an operator can act on, and never raises: an unreachable database is
    an answer here, not an error.
    """
    try:
        current = uow.schema_revisions()
    except migrations.DatabaseUnavailable as error:
        return Readiness(False, f"database unreachable ({error})")
    heads = migrations.head_revisions()
    if current != heads:
        have = ", ".join(sorted(current)) or "none"
        newest = ", ".join(sorted(heads))
        return Readiness(False, f"database schema is at revision {have}, newest is {newest}: run db upgrade")
    return Readiness(True, "database answers and its schema is current")
