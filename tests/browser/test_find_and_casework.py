"""Issue 17a's Done-when journeys in Chromium: a provider finds a finished patient by NHS number
and reads the record; a link worker writes a note, sets a follow-up, and sees it in their list the
next day (the clock moved a day on)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from referral_service.domain import clock
from referral_service.domain.intake import IncomingReferral
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import active_client
from referral_service.services.demo import DEMO_CLIENT_ID
from referral_service.services.intake import receive_referral
from tests.factories import incoming
from tests.fixtures.browser import LivePortal, login, screenshot

pytestmark = pytest.mark.browser
PROVIDER = ("provider@example.org", "demo-provider-password")
LINK_WORKER = ("linkworker@example.org", "demo-linkworker-password")
UK = ZoneInfo("Europe/London")


@pytest.fixture
def send(live_portal: LivePortal) -> Callable[[IncomingReferral], str]:
    """A referral from the demo practice's system, through the real intake and triage."""

    def sent(referral: IncomingReferral) -> str:
        engine = make_engine(live_portal.database_url)
        try:
            with UnitOfWork(make_session_factory(engine)) as uow:
                gp = active_client(uow, DEMO_CLIENT_ID)
                return receive_referral(uow, referral, actor=gp, now=clock.utcnow()).referral_id
        finally:
            engine.dispose()

    return sent


def test_a_provider_finds_a_finished_patient_by_nhs_number_and_reads_the_record(
    page: Page, send: Callable[[IncomingReferral], str]
) -> None:
    referral_id = send(incoming(nhs_number="9434765919", authored=clock.utcnow() - timedelta(hours=1)))
    login(page, *PROVIDER)
    page.goto(f"/portal/referrals/{referral_id}")
    page.get_by_role("button", name="Accept referral").click()
    expect(page.get_by_text("Referral accepted")).to_be_visible()
    page.get_by_role("link", name=re.compile("End the programme")).click()
    page.get_by_label("Completed the programme").check()
    page.get_by_role("button", name="End the programme").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.get_by_role("link", name="Find a person").first.click()
    page.get_by_label("Name, NHS number or referral reference").fill("943 476 5919")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#results + table")
    expect(page.get_by_role("heading", name="1 person found")).to_be_visible()
    expect(results).to_contain_text("Completed")
    expect(results).to_contain_text("3 February 1961")
    typed_into = urlsplit(page.url)  # the path and query, not the live server's port (it may hold "943")
    assert "943" not in typed_into.path + typed_into.query  # a POST: nothing typed in the URL
    screenshot(page, "portal-search")

    results.get_by_role("link", name="Sam Jones").click()
    expect(page.get_by_text("This referral is closed")).to_be_visible()
    expect(page.locator("dl").first).to_contain_text("943 476 5919")
    expect(page.get_by_role("button", name="Accept referral")).to_have_count(0)
    expect(page.get_by_role("link", name="Record a contact attempt")).to_have_count(0)
    expect(page.get_by_role("link", name="Write a case note")).to_have_count(0)
    history = page.locator("#history + ol")
    expect(history).to_contain_text("Pat Provider at Mersey Vale Leisure Trust recorded that the patient completed")
    expect(history).not_to_contain_text("Complete ·")


def test_a_link_worker_writes_a_note_sets_a_follow_up_and_sees_it_the_next_day(
    page: Page, send: Callable[[IncomingReferral], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 185/115 is for the GP: triage sends it to the link-worker queue
    referral_id = send(incoming(bp=(185, 115), nhs_number="9000000009", authored=clock.utcnow() - timedelta(hours=1)))
    login(page, *LINK_WORKER)
    page.goto(f"/portal/referrals/{referral_id}")
    page.get_by_role("link", name="Write a case note").click()
    page.get_by_label("Note").fill("Spoke to her daughter: prefers a call after 2pm")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Case note saved")).to_be_visible()
    expect(page.locator(".app-note")).to_have_text("Spoke to her daughter: prefers a call after 2pm")

    tomorrow = (clock.utcnow().astimezone(UK) + timedelta(days=1)).date()
    page.get_by_role("link", name="Set a follow-up").click()
    page.get_by_label("Day").fill(str(tomorrow.day))
    page.get_by_label("Month").fill(str(tomorrow.month))
    page.get_by_label("Year").fill(str(tomorrow.year))
    expect(page.get_by_label("Who will follow it up")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("What needs following up").fill("Ring back about the walking group")
    page.get_by_role("button", name="Set follow-up").click()
    expect(page.get_by_text("Follow-up set")).to_be_visible()

    page.get_by_role("link", name="My follow-ups").first.click()
    expect(page.locator("#follow-ups-upcoming + table")).to_contain_text("Ring back about the walking group")

    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(days=1))  # the next day
    page.reload()
    due_today = page.locator("#follow-ups-today + table")
    expect(due_today).to_contain_text("Ring back about the walking group")
    expect(due_today).to_contain_text(f"{tomorrow.day} {tomorrow.strftime('%B')} {tomorrow.year}")
    expect(page.get_by_text("Nothing is coming up.")).to_be_visible()
    screenshot(page, "portal-follow-ups")

    due_today.get_by_role("link", name="Sam Jones").click()
    expect(page.get_by_role("heading", name="Case notes")).to_be_visible()
    expect(page.locator(".app-note")).to_contain_text("prefers a call after 2pm")
