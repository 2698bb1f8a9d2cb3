"""Telling "the database cannot be reached just now" from "something is wrong with this request".

A restart, a dropped connection, a refused connect or a full pool is the database being away: the
caller should try again shortly (503). An integrity, data or programming error is bad input or a bug
and must stay visible as one (500), so it is never classed as unavailable.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import exc

# SQLite raises OperationalError for a missing table too: only these mean "busy or away".
_SQLITE_AWAY = ("database is locked", "database table is locked", "unable to open database", "disk i/o error")


def database_unavailable(error: BaseException) -> bool:
    """True when `error` means the database could not be reached or kept, so a retry may succeed."""
    if isinstance(error, exc.IntegrityError | exc.ProgrammingError | exc.DataError | exc.NotSupportedError):
        return False
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.TimeoutError | exc.DisconnectionError):
        return True  # the pool had no connection to give, or a connection was found dead
    driver_error = error.orig if isinstance(error, exc.DBAPIError) else error
    if isinstance(driver_error, sqlite3.Error):
        return isinstance(driver_error, sqlite3.OperationalError) and any(
            words in str(driver_error).lower() for words in _SQLITE_AWAY
        )
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        return True
    return isinstance(driver_error, psycopg.OperationalError | psycopg.InterfaceError)
