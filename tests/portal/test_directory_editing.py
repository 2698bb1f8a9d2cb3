"""A provider keeps its own listing in the portal; rule changes wait for a commissioner; every change
is a version; the public views show only what is approved."""

from __future__ import annotations

import html as html_module
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from referral_service.domain.access import UserRole
from referral_service.domain.notifications import Channel, NotificationKind
from referral_service.persistence.models import Notification
from referral_service.persistence.uow import UnitOfWork
from tests.fhir.test_triage_check import check, services
from tests.fixtures.fhir import headers, plain_referral
from tests.fixtures.portal import OTHER_PROVIDER_SLUG, People, add_portal_user, csrf_token, sign_in, submit

SERVICE = "mvl-exercise-referral"
OTHER_SERVICE = "gva-exercise-referral"


def public_id(uow: UnitOfWork, slug: str) -> str:
    with uow:
        service = uow.directory.service_by_slug(slug)
        assert service is not None
        return service.public_id


def oruk(client: FlaskClient, uow: UnitOfWork, slug: str = SERVICE) -> dict[str, Any]:
    response = client.get(f"/oruk/services/{public_id(uow, slug)}")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def rule_form(client: FlaskClient, slug: str = SERVICE) -> dict[str, str]:
    """The rule page's form as it stands, as a browser would send it back."""
    page = client.get(f"/portal/listing/services/{slug}/rule")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rule = html.split('name="rule"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    catchment = html.split('name="catchment"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    return {
        "csrf_token": csrf_token(html),
        "rule": html_module.unescape(rule).lstrip("\n"),
        "catchment": html_module.unescape(catchment),
        "waitlist": "y",
    }


def wants_to_take(client: FlaskClient, gp_token: str) -> bool:
    judged = services(check(client, gp_token, plain_referral()))
    return bool(judged[SERVICE]["wouldTake"])


def test_a_provider_edits_its_own_listing_and_the_public_feed_shows_it_at_once(
    client: FlaskClient, people: People, uow: UnitOfWork, gp_token: str
) -> None:
    sign_in(client, people.provider)
    assert "/portal/listing" in client.get("/portal/referrals").get_data(as_text=True)

    response = submit(
        client,
        f"/portal/listing/services/{SERVICE}",
        {
            "description": "Twelve weeks of gym, pool and classes with an instructor.",
            "eligibility_notes": "Adults who are not active and have a condition exercise helps.",
            "locations-0-name": "Grand Central Pools",
            "locations-0-postcode": "SK1 3TA",
            "locations-1-name": "Marple Leisure Centre",
            "locations-1-town": "Marple",
            "locations-1-postcode": "sk6 6bt",
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    document = oruk(client, uow)
    assert document["description"].startswith("Twelve weeks of gym, pool and classes")
    assert "Adults who are not active" in document["description"]
    assert [a["location"]["name"] for a in document["service_at_locations"]] == [
        "Grand Central Pools",
        "Marple Leisure Centre",
    ]
    fhir = client.get(f"/fhir/HealthcareService/{public_id(uow, SERVICE)}", headers=headers(gp_token)).get_json()
    assert fhir["comment"].startswith("Twelve weeks") and "Adults who are not active" in fhir["extraDetails"]
    history = client.get("/portal/listing").get_data(as_text=True)
    assert "History of this listing" in history
    with uow:
        organisation = uow.directory.organisation_by_slug("mersey-vale-leisure")
        assert organisation is not None
        provider_id = organisation.public_id
    page = client.get(f"/portal/providers/{provider_id}/history").get_data(as_text=True)
    assert "frontdesk" in page and "places where it runs are now Grand Central Pools, Marple Leisure Centre" in page


def test_a_bad_postcode_is_shown_on_its_field_and_nothing_changes(
    client: FlaskClient, people: People, uow: UnitOfWork
) -> None:
    before = oruk(client, uow)
    sign_in(client, people.provider)

    response = submit(
        client,
        f"/portal/listing/services/{SERVICE}",
        {"description": "Changed", "locations-0-name": "Somewhere", "locations-0-postcode": "NOWHERE"},
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#locations-0-postcode"' in html and "is not a UK postcode" in html
    assert oruk(client, uow)["description"] == before["description"]


def test_another_providers_listing_is_not_there_for_a_provider(client: FlaskClient, people: People) -> None:
    sign_in(client, people.provider)
    for url in (f"/portal/listing/services/{OTHER_SERVICE}", f"/portal/listing/services/{OTHER_SERVICE}/rule"):
        assert client.get(url).status_code == 404
    token = csrf_token(client.get("/portal/listing/organisation").get_data(as_text=True))
    posted = client.post(
        f"/portal/listing/services/{OTHER_SERVICE}",
        data={
            "csrf_token": token,
            "description": "Hijacked",
            "locations-0-name": "X",
            "locations-0-postcode": "SK1 3TA",
        },
    )
    assert posted.status_code == 404


def test_another_providers_history_is_404_and_a_commissioner_reads_it(
    client: FlaskClient, people: People, uow: UnitOfWork
) -> None:
    with uow:
        other = uow.directory.organisation_by_slug(OTHER_PROVIDER_SLUG)
        assert other is not None
        other_id = other.public_id
    sign_in(client, people.provider)
    assert client.get(f"/portal/providers/{other_id}/history").status_code == 404
    commissioner = client.application.test_client()
    sign_in(commissioner, people.commissioner)
    page = commissioner.get(f"/portal/providers/{other_id}/history")
    assert page.status_code == 200 and "from the directory files" in page.get_data(as_text=True)


def test_a_rule_change_waits_for_approval_then_triage_uses_it(
    client: FlaskClient, people: People, uow: UnitOfWork, gp_token: str
) -> None:
    assert wants_to_take(client, gp_token)
    provider = client.application.test_client()
    sign_in(provider, people.provider)
    form = rule_form(provider)
    assert "age: {min: 16}" in form["rule"]
    form["rule"] = form["rule"].replace("age: {min: 16}", "age: {min: 16, max: 40}")
    form["catchment"] += " SK9"

    proposed = provider.post(f"/portal/listing/services/{SERVICE}/rule", data=form)

    assert proposed.status_code == 302, proposed.get_data(as_text=True)
    assert wants_to_take(client, gp_token), "a proposal changes nothing until it is approved"
    assert "SK9" not in oruk(client, uow)["service_areas"].__repr__()
    listing = provider.get("/portal/listing").get_data(as_text=True)
    assert "Waiting for approval" in listing

    commissioner = client.application.test_client()
    sign_in(commissioner, people.commissioner)
    waiting = commissioner.get("/portal/approvals").get_data(as_text=True)
    assert "Catchment: adds SK9" in waiting
    proposal_id = waiting.split('href="/portal/approvals/', 1)[1].split('"', 1)[0]
    page = commissioner.get(f"/portal/approvals/{proposal_id}").get_data(as_text=True)
    assert "/history" in page  # the provider's history of its listing, one link away
    assert "Age limits: age 16 years or more becomes age between 16 and 40 years" in page
    assert "age between 16 and 40 years" in page  # the new rule, in words

    decided = submit(commissioner, f"/portal/approvals/{proposal_id}", {"decision": "approve"})

    assert decided.status_code == 302, decided.get_data(as_text=True)
    assert not wants_to_take(client, gp_token), "triage uses the approved rule at once"
    assert "SK9" in json.dumps(oruk(client, uow)["service_areas"])
    assert "Approved" in provider.get("/portal/listing").get_data(as_text=True)


def test_a_commissioner_of_another_area_gets_404_for_its_approval_and_history(
    client: FlaskClient, people: People, uow: UnitOfWork, gp_token: str
) -> None:
    """Mersey Vale is in Stockport North: the south's commissioner neither sees, reads nor decides its change."""
    with uow:
        for email, area in (("north@icb.example.org", "stockport-north"), ("south@icb.example.org", "stockport-south")):
            add_portal_user(uow, email, UserRole.COMMISSIONER, area=area)
        organisation = uow.directory.organisation_by_slug("mersey-vale-leisure")
        assert organisation is not None
        history = f"/portal/providers/{organisation.public_id}/history"
    provider = client.application.test_client()
    sign_in(provider, people.provider)
    form = rule_form(provider)
    form["rule"] = form["rule"].replace("age: {min: 16}", "age: {min: 16, max: 40}")
    assert provider.post(f"/portal/listing/services/{SERVICE}/rule", data=form).status_code == 302
    north = client.application.test_client()
    sign_in(north, "north@icb.example.org")
    waiting = north.get("/portal/approvals").get_data(as_text=True)
    proposal = "/portal/approvals/" + waiting.split('href="/portal/approvals/', 1)[1].split('"', 1)[0]

    south = client.application.test_client()
    sign_in(south, "south@icb.example.org")
    assert 'href="/portal/approvals/' not in south.get("/portal/approvals").get_data(as_text=True)
    assert south.get(proposal).status_code == 404
    assert south.get(history).status_code == 404
    token = csrf_token(south.get("/account").get_data(as_text=True))
    assert south.post(proposal, data={"csrf_token": token, "decision": "approve"}).status_code == 404
    assert wants_to_take(client, gp_token), "the forged approval changed nothing"

    assert told(uow, NotificationKind.LISTING_PROPOSED) == {"north@icb.example.org", people.commissioner}
    assert told(uow, NotificationKind.LISTING_DECIDED) == set()

    assert north.get(history).status_code == 200
    assert submit(north, proposal, {"decision": "approve"}).status_code == 302
    assert not wants_to_take(client, gp_token)
    assert told(uow, NotificationKind.LISTING_DECIDED) == {people.provider}


def told(uow: UnitOfWork, kind: NotificationKind) -> set[str]:
    """Who has an email of this kind queued (no patient data is in one: no referral is named)."""
    with uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.kind == kind, Notification.channel == Channel.EMAIL)
        ).all()
        assert all(row.referral_id is None for row in rows)
        return {str(row.recipient) for row in rows}


def test_a_rejected_rule_change_keeps_the_old_rule_and_the_provider_reads_why(
    client: FlaskClient, people: People, gp_token: str
) -> None:
    provider = client.application.test_client()
    sign_in(provider, people.provider)
    form = rule_form(provider)
    form["rule"] = form["rule"].replace("age: {min: 16}", "age: {min: 70}")
    assert provider.post(f"/portal/listing/services/{SERVICE}/rule", data=form).status_code == 302
    admin = client.application.test_client()
    sign_in(admin, people.admin)
    waiting = admin.get("/portal/approvals").get_data(as_text=True)
    proposal_id = waiting.split('href="/portal/approvals/', 1)[1].split('"', 1)[0]

    no_reason = submit(admin, f"/portal/approvals/{proposal_id}", {"decision": "reject"})
    assert no_reason.status_code == 422 and 'href="#reason"' in no_reason.get_data(as_text=True)
    rejected = submit(admin, f"/portal/approvals/{proposal_id}", {"decision": "reject", "reason": "Keep 16 and over"})

    assert rejected.status_code == 302
    assert wants_to_take(client, gp_token)
    listing = provider.get("/portal/listing").get_data(as_text=True)
    assert "Rejected" in listing and "Keep 16 and over" in listing


def test_a_rule_with_a_mistake_is_refused_on_the_field_in_words(client: FlaskClient, people: People) -> None:
    sign_in(client, people.provider)
    form = rule_form(client)
    form["rule"] = form["rule"].replace("age: {min: 16}", "age: {min: sixteen}")

    response = client.post(f"/portal/listing/services/{SERVICE}/rule", data=form)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#rule"' in html and "Line 3 (all[0].age.min): Not a valid integer" in html and "Line " in html


@pytest.mark.parametrize("role", ["provider", "link_worker"])
def test_only_commissioners_and_administrators_see_approvals(client: FlaskClient, people: People, role: str) -> None:
    sign_in(client, getattr(people, role))
    assert client.get("/portal/approvals").status_code == 403


def test_after_portal_edits_and_an_approval_an_export_loads_back_unchanged(
    client: FlaskClient, people: People, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    provider = client.application.test_client()
    sign_in(provider, people.provider)
    edited = submit(
        provider,
        f"/portal/listing/services/{SERVICE}",
        {"eligibility_notes": "For adults.", "locations-0-name": "Pool", "locations-0-postcode": "SK1 3TA"},
    )
    assert edited.status_code == 302
    form = rule_form(provider)
    form["catchment"] += " SK9"
    assert provider.post(f"/portal/listing/services/{SERVICE}/rule", data=form).status_code == 302
    commissioner = client.application.test_client()
    sign_in(commissioner, people.commissioner)
    waiting = commissioner.get("/portal/approvals").get_data(as_text=True)
    proposal_id = waiting.split('href="/portal/approvals/', 1)[1].split('"', 1)[0]
    assert submit(commissioner, f"/portal/approvals/{proposal_id}", {"decision": "approve"}).status_code == 302

    assert runner.invoke(args=["providers", "export", "--out", str(tmp_path)]).exit_code == 0
    exported = (tmp_path / "mersey-vale-leisure.yaml").read_text()
    assert "eligibility_notes: For adults." in exported and "SK9" in exported
    loaded = runner.invoke(args=["providers", "load", str(tmp_path)])

    assert loaded.exit_code == 0, loaded.output
    assert "organisations: 0 created, 0 updated" in loaded.output
    assert "services: 0 created, 0 updated," in loaded.output and " 0 delisted" in loaded.output


def test_a_rule_naming_a_code_set_file_without_its_codes_is_refused(client: FlaskClient, people: People) -> None:
    """Code set files are read only from the directory files: a rule left with no codes would match nobody."""
    sign_in(client, people.provider)
    form = rule_form(client)
    form["rule"] = form["rule"].replace("age: {min: 16}", "condition: {code_set: code_sets/coronary-heart-disease.txt}")

    response = client.post(f"/portal/listing/services/{SERVICE}/rule", data=form)

    assert response.status_code == 422
    assert "List each condition&#39;s codes with any_of" in response.get_data(as_text=True)
