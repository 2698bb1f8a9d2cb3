"""`providers import-oruk`: our own feed round-trips into the same services, providers and places;
an ORUK v1 feed is read too; and only rules the feed states (ages) become rules."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from referral_service.domain.clock import utcnow
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.publication import published_services

V1_SERVICE = {
    "id": "v1-service-1",
    "name": "Chair-based exercise",
    "description": "Gentle seated exercise for older adults.",
    "organization": {"id": "v1-org-1", "name": "Bramhall Community Centre", "description": "A community centre."},
    "eligibilitys": [{"id": "e1", "minimum_age": 60, "maximum_age": 99}],
    "service_areas": [{"id": "a1", "service_area": "Bramhall", "name": "SK7"}],
    "service_at_locations": [
        {
            "id": "sal1",
            "location": {
                "id": "l1",
                "name": "Main hall",
                "physical_addresses": [
                    {"id": "p1", "address_1": "1 Bramhall Lane", "city": "Stockport", "postal_code": "SK7 2AA"}
                ],
            },
        }
    ],
    "regular_schedules": [{"id": "s1", "dtstart": "2027-01-04", "freq": "WEEKLY"}],
}


@pytest.mark.usefixtures("directory")
def test_our_own_feed_round_trips(client: FlaskClient, runner: FlaskCliRunner, uow: UnitOfWork, tmp_path: Path) -> None:
    listing = client.get("/oruk/services?per_page=100").get_json()["contents"]
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"contents": [client.get(f"/oruk/services/{s['id']}").get_json() for s in listing]}))

    result = runner.invoke(args=["providers", "import-oruk", str(feed), "--out", str(tmp_path / "draft")])

    assert result.exit_code == 0, result.output
    drafts = read_directory(tmp_path / "draft")
    assert drafts.problems == []  # our feed says enough for a loadable draft (places 0, to review)
    with uow:
        ours = [s for s in published_services(uow, today=utcnow().date()) if s.active]
    imported = [service for provider in drafts.providers for service in provider.services]

    assert {s.name for s in imported} == {s.name for s in ours}
    assert {p.name for p in drafts.providers} == {s.organisation.name for s in ours}
    assert {(loc.name, loc.postcode) for s in imported for loc in s.locations} == {
        (loc.name, loc.postcode) for s in ours for loc in s.locations
    }
    by_name = {s.name: s for s in imported}
    for service in ours:
        draft = by_name[service.name]
        assert draft.pathway.code == service.pathway_code
        assert draft.category.value == service.category
        assert sorted(draft.catchment_districts) == sorted(service.districts)
        assert draft.capacity.places == 0  # not in the feed: a person must set it
    header = next((tmp_path / "draft").glob("*.yaml")).read_text().splitlines()[:3]
    assert header[0].startswith("# DRAFT") and "capacity places" in "\n".join(header)


def test_an_oruk_v1_feed_becomes_a_draft_with_only_the_rules_it_states(runner: FlaskCliRunner, tmp_path: Path) -> None:
    feed = tmp_path / "v1.json"
    feed.write_text(json.dumps([V1_SERVICE]))

    result = runner.invoke(args=["providers", "import-oruk", str(feed), "--out", str(tmp_path / "draft")])

    assert result.exit_code == 0, result.output
    [file] = (tmp_path / "draft").glob("*.yaml")
    text = file.read_text()
    assert "REVIEW" in text
    problems = read_directory(tmp_path / "draft").problems
    assert any("pathway" in p.path for p in problems)  # the v1 feed has no SNOMED pathway: not loadable as is
    assert (
        any("accreditation" in p.path or "valid_until" in p.path for p in problems) or "REVIEW: who accredits" in text
    )
    draft: dict[str, Any] = __import__("yaml").safe_load(text)
    [service] = draft["services"]
    assert service["eligibility"]["all"] == [{"age": {"min": 60, "max": 99}}]
    assert service["locations"] == [
        {"name": "Main hall", "address": "1 Bramhall Lane", "town": "Stockport", "postcode": "SK7 2AA"}
    ]
    assert service["catchment"]["postcode_districts"] == ["SK7"]
    assert service["capacity"]["intakes"] == ["2027-01-04"]


def test_an_unreadable_feed_is_a_clear_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = runner.invoke(args=["providers", "import-oruk", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "cannot read" in result.output


@contextmanager
def static_feed(pages: dict[str, Any]) -> Iterator[str]:
    """A real loopback HTTP server answering GETs from a dict of path -> JSON (a captured feed)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            body = pages.get(self.path)
            payload = json.dumps(body).encode() if body is not None else b"{}"
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/oruk"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.usefixtures("directory")
def test_a_feed_url_is_read_page_by_page(client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path) -> None:
    pages: dict[str, Any] = {}
    listing = client.get("/oruk/services?per_page=100").get_json()
    first, second = dict(listing), dict(listing)
    first.update(contents=listing["contents"][:6], total_pages=2, last_page=False, size=6)
    second.update(contents=listing["contents"][6:], total_pages=2, page_number=2, first_page=False, size=6)
    pages["/oruk/services?page=1&per_page=100"] = first
    pages["/oruk/services?page=2&per_page=100"] = second
    for item in listing["contents"]:
        pages[f"/oruk/services/{item['id']}"] = client.get(f"/oruk/services/{item['id']}").get_json()

    with static_feed(pages) as url:
        result = runner.invoke(args=["providers", "import-oruk", url, "--out", str(tmp_path / "draft")])

    assert result.exit_code == 0, result.output
    imported = {s.name for p in read_directory(tmp_path / "draft").providers for s in p.services}
    assert imported == {item["name"] for item in listing["contents"]}
