"""Intake's cost in SQL statements, through the doors a GP system uses (issue 19): the answer to a
referral, and each Task a polling loop reads, name the services triage assessed with one query,
not a query (with its eager locations) per service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from tests.fixtures.fhir import headers, plain_referral


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def one_by_one(statements: list[str]) -> list[str]:
    """Services looked up by slug one at a time (each with its locations: selectin)."""
    return [s for s in statements if "WHERE services.slug = " in s]


def test_the_answer_and_the_polled_task_name_the_services_in_one_query(
    client: FlaskClient, gp_token: str, directory: None, statements: list[str]
) -> None:
    statements.clear()
    created = client.post("/fhir/ServiceRequest", data=json.dumps(plain_referral()), headers=headers(gp_token))
    assert created.status_code == 201, created.get_json()
    assert not one_by_one(statements)

    statements.clear()
    polled = client.get("/fhir/Task?_lastUpdated=gt2000-01-01T00:00:00Z&_include=Task:focus", headers=headers(gp_token))
    assert polled.status_code == 200, polled.get_json()
    assert not one_by_one(statements)
    tasks = [e["resource"] for e in polled.get_json()["entry"] if e["resource"]["resourceType"] == "Task"]
    notes = " ".join(note["text"] for task in tasks for note in task.get("note", []))
    assert "12-week exercise referral programme (SK1-SK5)" in notes  # by the name people know it by
    assert "mvl-exercise-referral" not in notes  # never the slug
