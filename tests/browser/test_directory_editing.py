"""Issue 18's directory browser tests, in Chromium: a provider edits its listing and adds a class, and
the ORUK feed shows both; a change to who a service takes waits for the commissioner's approval (the
diff in words), and only then does triage use it. Every page is audited (axe-core, two widths)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

from referral_service.services.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests.fixtures.browser import login, screenshot
from tests.fixtures.fhir import plain_referral

pytestmark = pytest.mark.browser
PROVIDER = ("provider@example.org", "demo-provider-password")
COMMISSIONER = ("commissioner@example.org", "demo-commissioner-password")
SERVICE_NAME = "12-week exercise referral programme (SK1-SK5)"
SERVICE_SLUG = "mvl-exercise-referral"


def _oruk_service(request: APIRequestContext, name: str) -> dict[str, Any]:
    """The public ORUK feed's full record of the service with this name (no sign-in)."""
    listing = request.get("/oruk/services?per_page=100")
    assert listing.ok
    [summary] = [s for s in listing.json()["contents"] if s["name"] == name]
    found = request.get(f"/oruk/services/{summary['id']}")
    assert found.ok and found.headers["access-control-allow-origin"] == "*"
    document: dict[str, Any] = found.json()
    return document


def _would_take(request: APIRequestContext, postcode: str) -> bool:
    """Ask triage, as the demo GP system does, whether the exercise referral would take this patient."""
    token = request.post(
        "/oauth/token",
        form={"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET},
    )
    assert token.ok, token.text()
    body = plain_referral()
    body["contained"][0]["address"][0]["postalCode"] = postcode
    answer = request.post(
        "/fhir/ServiceRequest/$triage",
        data=json.dumps(body),
        headers={
            "Authorization": f"Bearer {token.json()['access_token']}",
            "Content-Type": "application/fhir+json",
        },
    )
    assert answer.ok, answer.text()
    for service in (p for p in answer.json()["parameter"] if p["name"] == "service"):
        parts = {part["name"]: part for part in service["part"]}
        if parts["identifier"]["valueIdentifier"]["value"] == SERVICE_SLUG:
            return bool(parts["wouldTake"]["valueBoolean"])
    return False


def test_a_provider_edits_its_listing_and_adds_a_class_and_the_oruk_feed_shows_it(page: Page) -> None:
    login(page, *PROVIDER)
    page.get_by_role("link", name="Your listing in the directory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your listing in the directory")
    page.get_by_role(
        "link", name=f"Change the description, who it is for, and where it runs for {SERVICE_NAME}"
    ).click()
    page.get_by_label("What the service offers").fill("Twelve weeks of gym, pool and group classes with an instructor.")
    page.get_by_label("Who the service is for, in plain words").fill("Adults who want to get active safely.")
    page.get_by_role("button", name="Save and show now").click()
    expect(page.get_by_text(f"{SERVICE_NAME}: saved and shown now.")).to_be_visible()
    expect(page.get_by_text("Adults who want to get active safely.")).to_be_visible()

    page.get_by_role("link", name=f"Timetable: classes and start dates for {SERVICE_NAME}").click()
    page.get_by_label("Name of the class").fill("Saturday aqua fit")
    page.get_by_label("Saturday").check()
    page.get_by_label("Time the class starts").fill("18:30")
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_label("Where it is held").fill("Grand Central Pools")
    page.get_by_label("Places in each class").fill("12")
    page.get_by_role("button", name="Add class").click()
    expect(page.get_by_text("Class added to the timetable")).to_be_visible()

    document = _oruk_service(page.request, SERVICE_NAME)
    assert document["description"].startswith("Twelve weeks of gym, pool and group classes")
    assert "Adults who want to get active safely." in document["description"]
    [aqua] = [s for s in document["schedules"] if s.get("description", "").startswith("Saturday aqua fit")]
    assert (aqua["freq"], aqua["byday"], aqua["opens_at"], aqua["closes_at"]) == ("WEEKLY", "SA", "18:30", "19:15")

    page.goto("/portal/listing")
    page.get_by_role("link", name="History of this listing").click()
    expect(page.get_by_text(f"{SERVICE_NAME}: description: changed")).to_be_visible()
    screenshot(page, "portal-listing-history")

    page.goto("/portal/listing")  # the class comes off again, so the rest of the suite sees the demo timetable
    page.get_by_role("link", name=f"Timetable: classes and start dates for {SERVICE_NAME}").click()
    page.get_by_role("button", name=re.compile(r"^Remove Saturday aqua fit on Saturday")).click()
    assert not [s for s in _oruk_service(page.request, SERVICE_NAME)["schedules"] if "aqua" in s.get("description", "")]


def test_a_rule_change_waits_for_the_commissioners_approval_then_triage_uses_it(page: Page) -> None:
    assert not _would_take(page.request, "sk9 1aa"), "the demo catchment leaves SK9 out"
    login(page, *PROVIDER)
    page.goto("/portal/listing")
    page.get_by_role("link", name=f"Propose a change to who can be referred to {SERVICE_NAME}").click()
    catchment = page.get_by_label("Postcode districts the service covers")
    catchment.fill(catchment.input_value() + " SK9")
    rule = page.get_by_label("Who can be referred (the rule)")
    rule.fill(rule.input_value().replace("age: {min: 16}", "age: {min: sixteen}"))
    page.get_by_role("button", name="Send for approval").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Not a valid integer")
    rule.fill(rule.input_value().replace("age: {min: sixteen}", "age: {min: 18}"))
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("waiting for a commissioner's approval")).to_be_visible()
    expect(page.get_by_text("Waiting for approval").first).to_be_visible()
    assert not _would_take(page.request, "sk9 1aa"), "nothing applies before approval"
    page.get_by_role("button", name="Sign out").click()

    login(page, *COMMISSIONER)
    page.get_by_role("link", name="Directory approvals").click()
    page.get_by_role("link", name=SERVICE_NAME).click()
    expect(page.get_by_text("Catchment: adds SK9")).to_be_visible()
    expect(page.get_by_text("Age limits: age 16 years or more becomes age 18 years or more")).to_be_visible()
    expect(page.locator("ins", has_text="age 18 years or more")).to_be_visible()
    screenshot(page, "portal-directory-approval")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose whether to approve or reject the change")
    page.get_by_label("Approve the change").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("the change is approved and triage uses it now")).to_be_visible()

    assert _would_take(page.request, "sk9 1aa"), "triage uses the approved catchment at once"
    areas = [a["name"] for a in _oruk_service(page.request, SERVICE_NAME)["service_areas"]]
    assert "SK9" in areas
