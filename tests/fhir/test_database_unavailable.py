"""A database that is away for a moment is "unavailable, try again" (503 with Retry-After), never
"a bug, quote the request id" (500); errors that are bugs stay 500. (The portal's page: tests/portal.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import exc

from referral_service.persistence.availability import database_unavailable
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.web.context import EXTENSION_KEY
from tests.fixtures.fhir import gp_referral_bundle

NOBODY_LISTENS = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"  # the discard port: connect is refused


@pytest.fixture
def database_away(app: Flask) -> Iterator[None]:
    """From now on every unit of work in `app` meets a database that refuses connections."""
    context = app.extensions[EXTENSION_KEY]
    dead = make_engine(NOBODY_LISTENS)
    app.extensions[EXTENSION_KEY] = replace(context, session_factory=make_session_factory(dead), engine=dead)
    yield
    app.extensions[EXTENSION_KEY] = context
    dead.dispose()


def test_intake_answers_503_with_retry_after_while_the_database_is_away(
    post_message: Callable[..., Any], request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue("database_away")  # after the token was issued
    response = post_message(gp_referral_bundle())
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    issue = outcome["issue"][0]
    assert issue["code"] == "transient"
    assert issue["details"]["coding"][0]["code"] == "REC_SERVICE_UNAVAILABLE"
    assert "service desk" not in issue["diagnostics"]


def test_other_pages_answer_json_503(client: FlaskClient, database_away: None) -> None:
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.get_json()["error"] == "service-unavailable"


def _wrapped(kind: type[exc.DBAPIError], driver_error: Exception, *, invalidated: bool = False) -> exc.DBAPIError:
    return kind("SELECT 1", {}, driver_error, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_wrapped(exc.OperationalError, psycopg.OperationalError("connection refused")), True),
        (_wrapped(exc.InterfaceError, psycopg.InterfaceError("the connection is closed")), True),
        (_wrapped(exc.DBAPIError, Exception("server closed the connection"), invalidated=True), True),
        (exc.TimeoutError("QueuePool limit reached"), True),
        (psycopg.OperationalError("terminating connection due to administrator command"), True),
        (_wrapped(exc.OperationalError, sqlite3.OperationalError("database is locked")), True),
        (_wrapped(exc.IntegrityError, psycopg.IntegrityError("duplicate key")), False),
        (_wrapped(exc.ProgrammingError, psycopg.ProgrammingError("relation does not exist")), False),
        (_wrapped(exc.OperationalError, sqlite3.OperationalError("no such table: referrals")), False),
        (KeyError("referral"), False),
    ],
)
def test_only_connection_failures_count_as_unavailable(error: BaseException, unavailable: bool) -> None:
    assert database_unavailable(error) is unavailable
