"""In Chromium: a provider sets a weekly class, books a patient into it, takes the register with the
keyboard alone (Tab, Space, arrow keys, Enter) and corrects a line with a reason."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from referral_service.domain.clock import utcnow
from referral_service.portal import blueprint, bookings
from tests.fixtures.browser import login, screenshot

pytestmark = pytest.mark.browser
PROVIDER = ("provider@example.org", "demo-provider-password")
PATIENT = "Mo Khan"


def _tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Press Tab until `target` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("Tab never reached the control")


def test_a_class_a_booking_and_a_register_taken_by_keyboard(page: Page, monkeypatch: pytest.MonkeyPatch) -> None:
    login(page, *PROVIDER)
    page.get_by_role("link", name=PATIENT).click()
    referral_url = page.url
    service = page.locator(".nhsuk-summary-list__row", has_text="Service").locator("dd").inner_text()
    page.get_by_role("button", name="Accept referral").click()
    expect(page.get_by_text("Referral accepted")).to_be_visible()

    page.goto("/portal/capacity")
    page.get_by_role("link", name=f"Timetable: classes and start dates for {service}").click()
    page.get_by_role("button", name="Add class").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.locator("li").first).to_have_text("Enter the name of the class")
    page.get_by_label("Name of the class").fill("Strength and balance")
    page.get_by_label("Thursday").check()
    page.get_by_label("Time the class starts").fill("10:00")
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_label("Where it is held").fill("Mersey Vale Leisure Centre")
    page.get_by_label("Places in each class").fill("6")
    page.get_by_role("button", name="Add class").click()
    expect(page.get_by_text("Class added to the timetable")).to_be_visible()
    expect(page.locator("#classes + table")).to_contain_text("Every Thursday, 10:00am (60 minutes)")
    screenshot(page, "portal-timetable")

    page.goto(referral_url)
    page.get_by_role("link", name="Book sessions").click()
    first = page.get_by_role("radio").first
    first.check()
    page.get_by_role("button", name="Book session").click()
    expect(page.get_by_text("Session booked")).to_be_visible()
    booked = page.locator(".app-booking").first
    expect(booked).to_contain_text(
        re.compile(r"Strength and balance: Thursday \d{1,2} \w+ \d{4}, 10:00am, Mersey Vale")
    )
    page.goto(referral_url)
    expect(page.locator("#bookings + ul")).to_contain_text("Mersey Vale Leisure Centre")

    later = utcnow() + timedelta(days=30)  # the session has happened: the portal's clock moves on
    monkeypatch.setattr(bookings, "utcnow", lambda: later)
    monkeypatch.setattr(blueprint, "utcnow", lambda: later)
    page.get_by_role("link", name="Take the register").click()
    attended = page.locator(".app-booked-line").first.get_by_role("radio", name="Attended")
    _tab_to(page, attended)
    page.keyboard.press("Space")
    expect(attended).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile("^Save"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Session added to the register")).to_be_visible()  # back on the register
    table = page.locator("#register-table")
    expect(table).to_contain_text("Attended")
    _tab_to(page, page.get_by_role("link", name="Correct session 1"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Correct session 1")).to_be_visible()
    _tab_to(page, page.get_by_role("radio", name="Attended"))
    page.keyboard.press("ArrowDown")  # moves to, and chooses, the next answer in the group
    expect(page.get_by_role("radio", name="Did not attend (DNA)")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Signed in for someone else")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Register line corrected")).to_be_visible()
    expect(table).to_contain_text("Did not attend")
    expect(table).to_contain_text(
        re.compile(r"Corrected from attended to did not attend by .+: Signed in for someone else")
    )
    screenshot(page, "portal-register-corrected")
