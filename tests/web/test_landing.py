"""The page a newcomer sees at / after `make run`: what this is, where to go, and (demo only) who to be."""

from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.persistence.engine import SessionFactory


def test_the_landing_page_links_to_what_exists(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en-GB">' in page
    for link in (
        'href="/login?next=/portal/"',
        'href="/login?next=/reports/"',
        'href="/fhir/metadata"',
        'href="/oruk/services"',
        'href="/oruk/openapi.json"',
        'href="/readyz"',
    ):
        assert link in page
    assert "demo-gp-secret" not in page  # credentials only in demo mode


def test_demo_mode_shows_the_demo_identities(settings: Settings, session_factory: SessionFactory) -> None:
    app = create_app(replace(settings, demo=True, demo_allow_any_db=True), session_factory=session_factory)
    page = app.test_client().get("/").get_data(as_text=True)
    assert "demo-gp-secret" in page
    assert "provider@example.org" in page
