"""A portal page while the database is away: an "unavailable, try again" page (503), not "a bug"."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient

from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.web.context import EXTENSION_KEY
from tests.fixtures.portal import People, sign_in

NOBODY_LISTENS = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"  # the discard port: connect is refused


def test_a_portal_page_says_unavailable_while_the_database_is_away(
    app: Flask, client: FlaskClient, people: People
) -> None:
    sign_in(client, people.link_worker)
    context = app.extensions[EXTENSION_KEY]
    dead = make_engine(NOBODY_LISTENS)
    app.extensions[EXTENSION_KEY] = replace(context, session_factory=make_session_factory(dead), engine=dead)
    try:
        response = client.get("/portal/link-worker")
    finally:
        app.extensions[EXTENSION_KEY] = context
        dead.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Sorry, the service is unavailable" in page and "Try again in a few moments" in page
