"""The provider's day in a real browser: sign in, accept, contact, register, outcomes, completion,
the referrer's messages; another provider is kept out; the link worker's queue; the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import OTHER_PROVIDER, login, screenshot

pytestmark = pytest.mark.browser
PROVIDER = ("provider@example.org", "demo-provider-password")
LINK_WORKER = ("linkworker@example.org", "demo-linkworker-password")


def _open_referral(page: Page, patient: str) -> str:
    page.get_by_role("link", name=patient).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral")
    return page.url


def test_a_provider_works_a_referral_from_offer_to_completion(page: Page) -> None:
    login(page, *PROVIDER)
    expect(page.get_by_role("heading", name=re.compile("Offers waiting for your answer"))).to_be_visible()
    expect(page.get_by_text("Alex Morgan")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ days? \d+ hours? left")).first).to_be_visible()
    screenshot(page, "portal-inbox")

    referral_url = _open_referral(page, "Alex Morgan")
    expect(page.get_by_role("heading", name="Why this service")).to_be_visible()
    screenshot(page, "portal-referral")
    page.get_by_role("button", name="Accept referral").click()
    expect(page.get_by_text("Referral accepted")).to_be_visible()

    page.get_by_role("link", name="Record a contact attempt").click()
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Reached", exact=True).check()
    page.get_by_label("Note (optional)").fill("Booked onto Tuesday's class")
    page.get_by_role("button", name="Save contact attempt").click()
    expect(page.get_by_text("Contact attempt recorded")).to_be_visible()

    for attendance in ("Attended", "Attended", "Did not attend (DNA)"):
        page.get_by_role("link", name="Take the register").click()
        page.get_by_label(attendance, exact=True).check()
        page.get_by_role("button", name="Add to register").click()
        expect(page.get_by_text("Session added to the register")).to_be_visible()
    page.get_by_role("link", name="Take the register").click()
    expect(page.get_by_role("table")).to_contain_text("Did not attend")
    screenshot(page, "portal-register")

    page.goto(referral_url)
    page.get_by_role("link", name="Record outcome measures").click()
    page.get_by_label("At the end of the programme").check()
    page.get_by_label("Overall, how satisfied are you with your life nowadays?").fill("11")
    page.get_by_role("button", name="Save measures").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("from 0 to 10")
    expect(page.get_by_label("Overall, how satisfied are you with your life nowadays?")).to_have_value("11")
    expect(page.get_by_label("At the end of the programme")).to_be_checked()  # nothing entered is lost

    page.get_by_label("Overall, how satisfied are you with your life nowadays?").fill("8")
    for label, value in (
        ("Overall, to what extent do you feel the things you do in your life are worthwhile?", "7"),
        ("Overall, how happy did you feel yesterday?", "7"),
        (re.compile("how anxious did you feel yesterday"), "3"),
        ("Minutes of moderate activity in a usual week", "150"),
    ):
        page.get_by_label(label).fill(value)
    for group in page.locator("fieldset .nhsuk-radios--inline").all():
        group.get_by_label("Often").check()
    page.get_by_role("button", name="Save measures").click()
    expect(page.get_by_text("Outcome measures recorded")).to_be_visible()
    expect(page.locator("#measures + table")).to_contain_text("25.03")  # raw 28 through the Rasch table

    page.get_by_role("link", name=re.compile("End the programme")).click()
    page.get_by_label("Completed the programme").check()
    page.get_by_role("button", name="End the programme").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Completed")
    messages = page.locator("#messages + table")
    for kind in ("Accepted", "First attendance", "Did not attend", "Completed"):
        expect(messages).to_contain_text(kind)
    expect(messages).to_contain_text("Waiting to send")


def test_another_providers_user_gets_not_found(page: Page, browser) -> None:  # type: ignore[no-untyped-def]
    login(page, *PROVIDER)
    referral_url = _open_referral(page, "Priya Shah")
    stranger = browser.new_context(base_url=page.url.split("/portal")[0]).new_page()
    login(stranger, OTHER_PROVIDER[0], OTHER_PROVIDER[1])
    response = stranger.goto(referral_url)
    assert response is not None and response.status == 404
    expect(stranger.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(stranger.get_by_text("Priya")).to_have_count(0)
    stranger.context.close()


def test_the_link_worker_sees_why_triage_could_not_place_a_referral(page: Page) -> None:
    login(page, *LINK_WORKER)
    expect(page.get_by_role("heading", name="Link-worker queue")).to_be_visible()
    queue = page.locator("#queue")
    expect(queue).to_contain_text("Tom Walsh")
    screenshot(page, "portal-link-worker-queue")
    _open_referral(page, "Tom Walsh")
    page.get_by_role("link", name="Ask the referrer").click()
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say what information you need")
    page.get_by_label("What do you need from the referrer?").fill(
        "Please send a blood pressure reading from the last month."
    )
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_text("Question recorded")).to_be_visible()
    expect(page.locator("#messages + table")).to_contain_text("Information requested")


def test_keyboard_users_can_skip_to_the_content_and_phones_get_the_same_pages(page: Page, phone: Page) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile("Skip to main content"))
    page.keyboard.press("Enter")
    login(phone, *PROVIDER)
    expect(phone.get_by_role("heading", name="Referrals")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the inbox scrolls sideways on a phone ({width}px)"
