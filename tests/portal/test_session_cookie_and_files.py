"""A page's stylesheets, scripts and images never carry the session cookie back. They are fetched
in parallel with the next page, each answer with the cookie its request came with; one that
arrived late put an older session back, whose form token no longer matched the page, and the
next form was refused as expired (a browser test failed so in CI). Pages still refresh it."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.fixtures.portal import People, sign_in

COOKIE = "referral_service_session"


def sets_the_session(client: FlaskClient, path: str) -> bool:
    with client.get(path) as response:  # a file's answer streams: closed here
        assert response.status_code in {200, 304}, (path, response.status_code)
        return any(value.startswith(f"{COOKIE}=") for value in response.headers.getlist("Set-Cookie"))


def test_files_leave_the_session_cookie_alone_and_pages_refresh_it(client: FlaskClient, people: People) -> None:
    sign_in(client, people.provider)

    for path in (
        "/static/service.css",
        "/static/nhsuk/nhsuk-frontend.min.css",
        "/static/nhsuk/nhsuk-frontend.min.js",
        "/static/nhsuk/assets/images/favicon.svg",
    ):
        assert not sets_the_session(client, path), path
    assert sets_the_session(client, "/portal/referrals")  # a signed-in page keeps the session alive
